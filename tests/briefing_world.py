"""A campaign in ``briefing`` for the briefing tests.

Three accepted units (甲, 乙, 丙), each with its three seats (tokens known), one pending presentation
per unit, an office account with an API token, and a stranger campaign with its own unit and seat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evalflow.briefing import seats
from evalflow.briefing.door import create_presentations
from evalflow.extensions import db
from evalflow.intake.models import ApplicationStatus
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.phases import Phase
from tests import factories
from tests.factories import bearer, office_actor

NAMES = ("甲社区", "乙社区", "丙社区")
ROLES = ("reporter", "cadre", "public")


@dataclass
class BriefingWorld:
    campaign: Campaign
    units: list[Unit]
    office: str
    # seat tokens by (unit index, role)
    seats: dict[tuple[int, str], str] = field(default_factory=dict)
    seat_ids: dict[tuple[int, str], int] = field(default_factory=dict)
    stranger_seat: str = ""

    @property
    def cid(self) -> int:
        return self.campaign.id

    def uid(self, index: int) -> int:
        return self.units[index].id

    def office_headers(self) -> dict[str, str]:
        return bearer(self.office)

    def seat_headers(self, unit: int, role: str = "reporter") -> dict[str, str]:
        return bearer(self.seats[(unit, role)])


def _unit_with_seats(campaign: Campaign, name: str, index: int, world: BriefingWorld) -> Unit:
    unit = factories.unit(campaign, name, ApplicationStatus.ACCEPTED)
    for role in ROLES:
        issued = seats.create_seat(
            office_actor(), campaign, unit.id, {"role": role, "name": f"{name[0]}{role}"}
        )
        world.seats[(index, role)] = issued.token
        world.seat_ids[(index, role)] = issued.seat.id
    return unit


def build(client: Any, names: tuple[str, ...] = NAMES, with_seats: bool = True) -> BriefingWorld:
    campaign = factories.campaign(phase=Phase.TRAINING)
    other = factories.campaign("另一次评选", Phase.BRIEFING)
    world = BriefingWorld(campaign, [], "")
    for i, name in enumerate(names):
        if with_seats:
            world.units.append(_unit_with_seats(campaign, name, i, world))
        else:
            world.units.append(factories.unit(campaign, name, ApplicationStatus.ACCEPTED))
    stranger = factories.unit(other, "外社区", ApplicationStatus.ACCEPTED)
    world.stranger_seat = seats.create_seat(
        office_actor(), other, stranger.id, {"role": "reporter", "name": "外人"}
    ).token
    create_presentations(other)
    create_presentations(campaign)  # as entering the briefing does
    campaign.phase = Phase.BRIEFING
    world.office = factories.token(factories.office())
    db.session.commit()
    return world
