"""What the briefing looks like right now: the control panel's live counts and the delegate's screen.

Both are read in two small indexed queries and carry an ETag (a hash of the answer), so pollers get
304 while nothing changed. Nothing is kept in process memory.
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from evalflow.briefing.agenda import AgendaItem, presentation_rows, state_of
from evalflow.briefing.models import Ballot
from evalflow.briefing.rules import PresentationState
from evalflow.extensions import db
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor
from evalflow.shared.campaigns.models import Campaign, Seat, Unit
from evalflow.shared.campaigns.rules import SeatRole
from evalflow.shared.campaigns.service import require
from evalflow.shared.phases import Phase

OPEN, CLOSED, PENDING = PresentationState.OPEN, PresentationState.CLOSED, PresentationState.PENDING


# --- live counts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleCount:
    role: SeatRole
    ballots: int
    expected: int


@dataclass(frozen=True)
class MissingSeat:
    seat_id: int
    name: str
    role: SeatRole
    unit_name: str


@dataclass(frozen=True)
class Live:
    """The control panel's numbers: the current presentation and who has not scored it yet."""

    done: int
    total: int
    current: AgendaItem | None = None
    by_role: list[RoleCount] = field(default_factory=list)
    missing: list[MissingSeat] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        cur = self.current
        return {
            "done": self.done,
            "total": self.total,
            "current": None
            if cur is None
            else {
                "unit_id": cur.unit_id,
                "unit_name": cur.unit_name,
                "position": cur.position,
                "status": cur.status.value,
                "ballots": cur.ballots,
                "expected": cur.expected,
                "opened_at": _iso(cur.opened_at),
                "closes_at": _iso(cur.closes_at),
            },
            "by_role": [
                {"role": r.role.value, "ballots": r.ballots, "expected": r.expected} for r in self.by_role
            ],
            "missing": [
                {"seat_id": m.seat_id, "name": m.name, "role": m.role.value, "unit_name": m.unit_name}
                for m in self.missing
            ],
        }

    def etag(self) -> str:
        return hashlib.sha256(json.dumps(self.as_dict(), sort_keys=True).encode()).hexdigest()[:32]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def live(actor: Actor, campaign: Campaign) -> Live:
    """Two indexed queries: the agenda's statuses, then every eligible seat with its ballot (if any)
    for the current presentation (the open one, else the one closed last)."""
    require(actor, Action.PRESENTATION_VIEW, campaign)
    now = clock.now()
    rows = presentation_rows(campaign.id)
    states = [(p, name, state_of(p, now)) for p, name in rows]
    done = sum(1 for *_, s in states if s is PresentationState.CLOSED)
    current = next(
        ((i, p, n, s) for i, (p, n, s) in enumerate(states, 1) if s is PresentationState.OPEN), None
    )
    if current is None:
        closed = [(i, p, n, s) for i, (p, n, s) in enumerate(states, 1) if s is PresentationState.CLOSED]
        current = max(closed, key=lambda c: c[1].closed_at or c[1].closes_at or now, default=None)
    if current is None:
        return Live(done=done, total=len(rows))
    position, pres, unit_name, state = current
    seat_unit = sa.orm.aliased(Unit)
    stmt = (
        sa.select(Seat.id, Seat.name, Seat.role, seat_unit.name, Ballot.id)
        .join(seat_unit, seat_unit.id == Seat.unit_id)
        .outerjoin(Ballot, sa.and_(Ballot.seat_id == Seat.id, Ballot.unit_id == pres.unit_id))
        .where(seat_unit.campaign_id == campaign.id, Seat.unit_id != pres.unit_id)
        .order_by(seat_unit.id, Seat.id)
    )
    counts = {role: [0, 0] for role in SeatRole}
    missing = []
    for seat_id, name, role, seat_unit_name, ballot_id in db.session.execute(stmt):
        counts[role][1] += 1
        if ballot_id is None:
            missing.append(MissingSeat(seat_id, name, role, seat_unit_name))
        else:
            counts[role][0] += 1
    ballots = sum(c[0] for c in counts.values())
    expected = sum(c[1] for c in counts.values())
    item = AgendaItem(
        unit_id=pres.unit_id,
        unit_name=unit_name,
        position=position,
        status=state,
        ballots=ballots,
        expected=expected,
        opened_at=pres.opened_at,
        closed_at=pres.closed_at,
        closes_at=pres.closes_at,
    )
    by_role = [RoleCount(role, c[0], c[1]) for role, c in counts.items()]
    return Live(done=done, total=len(rows), current=item, by_role=by_role, missing=missing)


# --- the delegate's view --------------------------------------------------------------------------


class SeatScreen(enum.StrEnum):
    NOT_STARTED = "not_started"  # the briefing has not begun
    WAITING = "waiting"  # briefing on, nothing open yet
    OPEN = "open"  # this seat may grade the open unit now
    OWN_UNIT = "own_unit"  # the open unit is the seat's own
    CLOSED = "closed"  # the last unit's scoring has closed, the next is not open yet
    OVER = "over"  # the briefing is over


@dataclass(frozen=True)
class SeatView:
    screen: SeatScreen
    unit_id: int | None = None
    unit_name: str = ""
    position: int | None = None
    closes_at: datetime | None = None
    grade: str | None = None
    done: int = 0
    total: int = 0
    changes_at: datetime | None = None  # a countdown's end: the screen changes then, with no write

    def as_dict(self) -> dict[str, Any]:
        return {
            "screen": self.screen.value,
            "unit_id": self.unit_id,
            "unit_name": self.unit_name,
            "position": self.position,
            "closes_at": _iso(self.closes_at),
            "grade": self.grade,
            "done": self.done,
            "total": self.total,
        }

    def etag(self) -> str:
        return hashlib.sha256(json.dumps(self.as_dict(), sort_keys=True).encode()).hexdigest()[:32]


def seat_view(seat: Seat, campaign: Campaign) -> SeatView:
    """What the delegate's phone shows now (two small queries)."""
    if campaign.phase in (Phase.DRAFT, Phase.INTAKE, Phase.TRAINING):
        return SeatView(SeatScreen.NOT_STARTED)
    if campaign.phase is not Phase.BRIEFING:
        return SeatView(SeatScreen.OVER)
    now = clock.now()
    rows = presentation_rows(campaign.id)
    states = [(i, p, n, state_of(p, now)) for i, (p, n) in enumerate(rows, 1)]
    done = sum(1 for *_, s in states if s is PresentationState.CLOSED)
    current = next((c for c in states if c[3] is PresentationState.OPEN), None)
    screen = SeatScreen.OPEN
    if current is None:
        closed = [c for c in states if c[3] is PresentationState.CLOSED]
        current = max(closed, key=lambda c: c[1].closed_at or c[1].closes_at or now, default=None)
        screen = SeatScreen.CLOSED
    if current is None:
        return SeatView(SeatScreen.WAITING, done=done, total=len(rows))
    position, pres, name, _ = current
    if pres.unit_id == seat.unit_id:
        screen = SeatScreen.OWN_UNIT if screen is SeatScreen.OPEN else screen
    grade = db.session.scalar(
        sa.select(Ballot.grade).where(Ballot.seat_id == seat.id, Ballot.unit_id == pres.unit_id)
    )
    ends = [p.closes_at for _, p, _, s in states if s is PresentationState.OPEN and p.closes_at]
    return SeatView(
        screen, pres.unit_id, name, position, pres.closes_at, grade, done, len(rows), min(ends, default=None)
    )
