"""A campaign at the briefing with seats and ballots written as rows (``tests.factories``), for the
tally tests.

``build(names, grade_of)`` makes one accepted unit per name, three seats each, and ballots from
``grade_of(giver_unit_index, seat_role, unit_index)`` (None: no ballot). A submitted but not accepted
unit (未通过) never appears in the tally.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from evalflow.briefing.rules import BallotSource, PresentationState
from evalflow.extensions import db
from evalflow.intake.models import ApplicationStatus
from evalflow.shared.access import Role
from evalflow.shared.campaigns.models import Campaign, Seat, Unit
from evalflow.shared.campaigns.rules import SeatRole
from evalflow.shared.phases import Phase
from tests import factories
from tests.factories import bearer

ROLES = list(SeatRole)
GradeOf = Callable[[int, SeatRole, int], str | None]


@dataclass
class TallyWorld:
    campaign: Campaign
    units: list[Unit]
    seats: dict[tuple[int, SeatRole], Seat]
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        return bearer(self.tokens[who]) if who in self.tokens else {}


def uniform(grade: str) -> GradeOf:
    return lambda giver, role, unit: grade


def build(
    names: list[str],
    grade_of: GradeOf,
    phase: Phase = Phase.BRIEFING,
    categories: dict[str, str] | None = None,
    paper: Callable[[int, SeatRole, int], bool] | None = None,
    tokens: bool = False,
) -> TallyWorld:
    campaign = factories.campaign(phase=phase)
    units = [
        factories.unit(campaign, name, ApplicationStatus.ACCEPTED, category=(categories or {}).get(name, ""))
        for name in names
    ]
    factories.unit(campaign, "未通过", ApplicationStatus.SUBMITTED, category="")  # not in the tally
    seats: dict[tuple[int, SeatRole], Seat] = {}
    secrets: dict[str, str] = {}
    for index, unit in enumerate(units):
        for role in ROLES:
            seats[(index, role)], secret = factories.seat(unit, role, f"{unit.name}{role.value}")
            if index == 0 and role is SeatRole.REPORTER:
                secrets["seat"] = secret
    rows = []
    for (giver, role), seat in seats.items():
        for target, unit in enumerate(units):
            if target == giver:
                continue
            grade = grade_of(giver, role, target)
            if grade is not None:
                source = BallotSource.PAPER if paper and paper(giver, role, target) else BallotSource.ONLINE
                rows.append({"seat_id": seat.id, "unit_id": unit.id, "grade": grade, "source": source})
    factories.ballots(rows)
    db.session.commit()
    world = TallyWorld(campaign, units, seats)
    if tokens:
        world.tokens = {
            **secrets,
            "office": factories.token(factories.office()),
            "unit": factories.token(factories.user("unit-a", Role.UNIT, units[0])),
        }
        db.session.commit()
    return world


def present_all(world: TallyWorld) -> None:
    """Every unit of the tally has presented and its scoring is closed: the briefing is done."""
    for unit in world.units:
        factories.presentation(unit, PresentationState.CLOSED)


def set_phase(campaign: Campaign, phase: Phase) -> None:
    campaign.phase = phase
    db.session.commit()


def grades_table(table: dict[int, list[str]]) -> GradeOf:
    """``table[unit_index]`` lists the grades that unit receives, in (giver, role) order."""
    cursor: dict[int, int] = {}

    def grade_of(giver: int, role: SeatRole, unit: int) -> str | None:
        grades = table.get(unit, [])
        i = cursor.get(unit, 0)
        cursor[unit] = i + 1
        return grades[i] if i < len(grades) else None

    return grade_of
