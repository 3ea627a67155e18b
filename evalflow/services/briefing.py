"""The briefing (集中汇报互评): the agenda and its order, opening and closing scoring, ballots, live counts.

Nothing here lives in process memory: every answer comes from the database, so any number of app
servers give the same answers. The rules are in :mod:`evalflow.domain.briefing`; this module reads
the facts, writes with single statements and records every change in the audit trail.

Ballots are written by one ``INSERT … SELECT … WHERE <scoring open> ON CONFLICT DO UPDATE`` statement
(both engines): the condition that scoring is open is checked inside the write itself (on PostgreSQL
with ``FOR SHARE`` on the presentation row, so a concurrent close waits for in-flight ballots and
ballots after it see it closed). ``previous_grade`` is set by the same statement, so the audit entry
records the exact old → new change.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from ..domain import briefing as rules
from ..domain.access import Action, Actor
from ..domain.briefing import BallotSource, PresentationState
from ..domain.errors import Conflict, Forbidden, NotFound
from ..domain.messages import N_, msg
from ..domain.phases import Phase
from ..domain.training import SeatRole
from ..extensions import db
from ..models import Ballot, BriefingDraw, Campaign, Presentation, PresentationStatus, Seat, Unit
from . import audit, clock
from .campaigns import require

OPEN, CLOSED, PENDING = PresentationStatus.OPEN, PresentationStatus.CLOSED, PresentationStatus.PENDING


# --- reading the agenda ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaItem:
    """One presentation as the office sees it (``status`` is the effective one: deadline applied)."""

    unit_id: int
    unit_name: str
    position: int
    status: PresentationState
    ballots: int
    expected: int
    opened_at: datetime | None
    closed_at: datetime | None
    closes_at: datetime | None


def _presentations(campaign_id: int) -> list[tuple[Presentation, str]]:
    stmt = (
        sa.select(Presentation, Unit.name)
        .join(Unit, Unit.id == Presentation.unit_id)
        .where(Presentation.campaign_id == campaign_id)
        .order_by(Presentation.position.is_(None), Presentation.position, Presentation.unit_id)
    )
    return [(p, name) for p, name in db.session.execute(stmt)]


def _seat_counts(campaign_id: int) -> dict[int, int]:
    stmt = (
        sa.select(Seat.unit_id, sa.func.count())
        .join(Unit, Unit.id == Seat.unit_id)
        .where(Unit.campaign_id == campaign_id)
        .group_by(Seat.unit_id)
    )
    return {uid: n for uid, n in db.session.execute(stmt)}


def _ballot_counts(campaign_id: int) -> dict[int, int]:
    stmt = (
        sa.select(Ballot.unit_id, sa.func.count())
        .join(Presentation, Presentation.unit_id == Ballot.unit_id)
        .where(Presentation.campaign_id == campaign_id)
        .group_by(Ballot.unit_id)
    )
    return {uid: n for uid, n in db.session.execute(stmt)}


def state_of(presentation: Presentation, now: datetime | None = None) -> PresentationState:
    return rules.effective_state(presentation.status.value, presentation.closes_at, now or clock.now())


def agenda(actor: Actor, campaign: Campaign) -> list[AgendaItem]:
    """Every presentation in agenda order with ballots received and expected (three queries)."""
    require(actor, Action.PRESENTATION_VIEW, campaign)
    return _agenda(campaign)


def _agenda(campaign: Campaign) -> list[AgendaItem]:
    seats = _seat_counts(campaign.id)
    ballots = _ballot_counts(campaign.id)
    total = sum(seats.values())
    now = clock.now()
    return [
        AgendaItem(
            unit_id=p.unit_id,
            unit_name=name,
            position=index,
            status=state_of(p, now),
            ballots=ballots.get(p.unit_id, 0),
            expected=total - seats.get(p.unit_id, 0),
            opened_at=p.opened_at,
            closed_at=p.closed_at or (p.closes_at if state_of(p, now) is PresentationState.CLOSED else None),
            closes_at=p.closes_at,
        )
        for index, (p, name) in enumerate(_presentations(campaign.id), start=1)
    ]


def draw_of(campaign: Campaign) -> BriefingDraw | None:
    return db.session.scalar(sa.select(BriefingDraw).where(BriefingDraw.campaign_id == campaign.id))


# --- the order ------------------------------------------------------------------------------------


def _require_order_open(campaign: Campaign) -> list[Presentation]:
    rows = [p for p, _ in _presentations(campaign.id)]
    if not rows:
        raise Conflict(msg(N_("还没有汇报单位。")), code="no_presentations")
    if any(p.status is not PENDING for p in rows):
        raise Conflict(msg(N_("已有单位开始汇报,汇报顺序不能再更改。")), code="order_fixed")
    return rows


def _write_order(campaign: Campaign, order: list[int]) -> None:
    """Positions 1..n in *order*: cleared first, so the UNIQUE(campaign, position) never trips."""
    db.session.execute(
        sa.update(Presentation)
        .where(Presentation.campaign_id == campaign.id)
        .values(position=None)
        .execution_options(synchronize_session=False)
    )
    position = sa.case({uid: i for i, uid in enumerate(order, start=1)}, value=Presentation.unit_id)
    db.session.execute(
        sa.update(Presentation)
        .where(Presentation.campaign_id == campaign.id, Presentation.status == PENDING)
        .values(position=position)
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()


def set_order(actor: Actor, campaign: Campaign, unit_ids: object) -> list[AgendaItem]:
    """The office sets the order by hand (every presenting unit once); removes any drawing."""
    require(actor, Action.PRESENTATION_MANAGE, campaign)
    rows = _require_order_open(campaign)
    order = rules.parse_order(unit_ids, [p.unit_id for p in rows])
    _write_order(campaign, order)
    db.session.execute(sa.delete(BriefingDraw).where(BriefingDraw.campaign_id == campaign.id))
    audit.record(
        actor,
        "briefing.order",
        campaign_id=campaign.id,
        subject=("campaign", campaign.id),
        data={"order": order},
    )
    return _agenda(campaign)


def draw(actor: Actor, campaign: Campaign, seed: object = None) -> tuple[BriefingDraw, list[AgendaItem]]:
    """Draw lots: the order is :func:`evalflow.domain.briefing.draw_order` of the units and the seed.

    The seed (given, e.g. read out in the hall, or made up here) and the algorithm are stored, so
    anyone can reproduce the order. Drawing again replaces the drawing while no one has presented.
    """
    require(actor, Action.PRESENTATION_MANAGE, campaign)
    rows = _require_order_open(campaign)
    clean_seed = rules.parse_seed(seed)
    units = sorted(p.unit_id for p in rows)
    order = rules.draw_order(units, clean_seed)
    _write_order(campaign, order)
    db.session.execute(sa.delete(BriefingDraw).where(BriefingDraw.campaign_id == campaign.id))
    record = BriefingDraw(
        campaign_id=campaign.id,
        seed=clean_seed,
        algorithm=rules.DRAW_ALGORITHM,
        unit_ids=units,
        drawn_by=actor.label,
        drawn_at=clock.now(),
    )
    db.session.add(record)
    db.session.flush()
    audit.record(
        actor,
        "briefing.draw",
        campaign_id=campaign.id,
        subject=("campaign", campaign.id),
        data={"seed": clean_seed, "algorithm": rules.DRAW_ALGORITHM, "units": units, "order": order},
    )
    return record, _agenda(campaign)


# --- opening and closing --------------------------------------------------------------------------


def close_expired(campaign_id: int) -> None:
    """Write down what the deadline already decided: open presentations past ``closes_at`` are closed."""
    now = clock.now()
    db.session.execute(
        sa.update(Presentation)
        .where(
            Presentation.campaign_id == campaign_id,
            Presentation.status == OPEN,
            Presentation.closes_at.is_not(None),
            Presentation.closes_at <= now,
        )
        .values(status=CLOSED, closed_at=Presentation.closes_at)
        .execution_options(synchronize_session=False)
    )


def _presentation(campaign: Campaign, unit_id: int) -> Presentation:
    row = db.session.scalar(
        sa.select(Presentation).where(
            Presentation.campaign_id == campaign.id, Presentation.unit_id == unit_id
        )
    )
    if row is None:
        raise NotFound(msg(N_("该单位不在本次汇报之列。")))
    return row


def _item(campaign: Campaign, unit_id: int) -> AgendaItem:
    return next(i for i in _agenda(campaign) if i.unit_id == unit_id)


def open_scoring(actor: Actor, campaign: Campaign, unit_id: int, seconds: object = None) -> AgendaItem:
    """Open scoring of one unit (optionally with a countdown); at most one is open (the DB decides).

    Opening fixes the order: positions not yet set are written as shown. Opening the open one again
    only updates its countdown; a closed presentation is never reopened (its ballots never change).
    """
    require(actor, Action.PRESENTATION_MANAGE, campaign)
    countdown = rules.parse_countdown(seconds)
    close_expired(campaign.id)
    presentation = _presentation(campaign, unit_id)
    db.session.refresh(presentation)
    now = clock.now()
    closes_at = now + timedelta(seconds=countdown) if countdown else None
    if presentation.status is CLOSED:
        raise Conflict(msg(N_("该单位的评分已结束,不能再次开放。")), code="scoring_closed")
    if presentation.status is OPEN:
        if countdown:
            presentation.closes_at = closes_at
            db.session.flush()
        return _item(campaign, unit_id)
    rows = _presentations(campaign.id)
    if any(p.position is None for p, _ in rows):
        _write_order(campaign, [p.unit_id for p, _ in rows])
    try:  # the partial UNIQUE index (one open per campaign) decides between racing requests
        with db.session.begin_nested():
            result = db.session.execute(
                sa.update(Presentation)
                .where(Presentation.id == presentation.id, Presentation.status == PENDING)
                .values(status=OPEN, opened_at=now, closes_at=closes_at)
                .execution_options(synchronize_session=False)
            )
    except IntegrityError:
        raise _another_open(campaign) from None
    if result.rowcount != 1:
        raise Conflict(msg(N_("该单位的评分状态刚刚已被他人变更,请刷新后重试。")), code="conflict")
    db.session.expire_all()
    audit.record(
        actor,
        "presentation.open",
        campaign_id=campaign.id,
        subject=("unit", unit_id),
        from_state="pending",
        to_state="open",
        data={"closes_at": closes_at.isoformat() if closes_at else None},
    )
    return _item(campaign, unit_id)


def _another_open(campaign: Campaign) -> Conflict:
    name = db.session.scalar(
        sa.select(Unit.name)
        .join(Presentation, Presentation.unit_id == Unit.id)
        .where(Presentation.campaign_id == campaign.id, Presentation.status == OPEN)
    )
    return Conflict(
        msg(N_("“%(unit)s”的评分尚未结束,请先结束后再开放下一个。"), unit=name or "?"), code="another_open"
    )


def close_scoring(actor: Actor, campaign: Campaign, unit_id: int) -> AgendaItem:
    """Close scoring of the open unit; closing a closed one again changes nothing."""
    require(actor, Action.PRESENTATION_MANAGE, campaign)
    close_expired(campaign.id)
    presentation = _presentation(campaign, unit_id)
    db.session.refresh(presentation)
    if presentation.status is PENDING:
        raise Conflict(msg(N_("该单位的评分尚未开放。")), code="not_open")
    if presentation.status is OPEN:
        result = db.session.execute(
            sa.update(Presentation)
            .where(Presentation.id == presentation.id, Presentation.status == OPEN)
            .values(status=CLOSED, closed_at=clock.now())
            .execution_options(synchronize_session=False)
        )
        db.session.expire_all()
        if result.rowcount == 1:
            audit.record(
                actor,
                "presentation.close",
                campaign_id=campaign.id,
                subject=("unit", unit_id),
                from_state="open",
                to_state="closed",
            )
    return _item(campaign, unit_id)


# --- ballots --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BallotResult:
    unit_id: int
    grade: str
    previous: str | None
    changed: bool


def _dialect() -> str:
    return db.session.get_bind().dialect.name


@functools.cache
def _upsert_statement(dialect: str, open_check: bool, only_source: BallotSource | None) -> Any:
    """The ballot upsert, built once per variant and executed with bound values (cheap per request).

    ``INSERT INTO ballot (…) SELECT :seat_id, :unit_id, :grade, :source, :now [WHERE EXISTS (the
    unit's scoring is open and its deadline not passed)] ON CONFLICT (seat_id, unit_id) DO UPDATE SET
    previous_grade = ballot.grade, grade = excluded.grade, … [WHERE ballot.source = :only_source]
    RETURNING grade, previous_grade``.
    """
    table = Ballot.__table__
    unit_id = sa.bindparam("unit_id", type_=sa.Integer)
    now = sa.bindparam("now", type_=table.c.updated_at.type)
    values = sa.select(
        sa.bindparam("seat_id", type_=sa.Integer),
        unit_id,
        sa.bindparam("grade", type_=sa.String),
        sa.bindparam("source", type_=table.c.source.type),
        now,
    )
    if open_check:
        sub = sa.select(Presentation.id).where(
            Presentation.campaign_id == sa.bindparam("campaign_id", type_=sa.Integer),
            Presentation.unit_id == unit_id,
            Presentation.status == OPEN,
            sa.or_(Presentation.closes_at.is_(None), Presentation.closes_at > now),
        )
        if dialect == "postgresql":  # a concurrent close waits for this ballot, later ballots see it
            sub = sub.with_for_update(read=True)
        values = values.where(sub.exists())
    else:
        values = values.where(sa.true())  # SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    stmt = insert.from_select(["seat_id", "unit_id", "grade", "source", "updated_at"], values)
    return stmt.on_conflict_do_update(
        index_elements=["seat_id", "unit_id"],
        set_={
            "previous_grade": table.c.grade,
            "grade": stmt.excluded.grade,
            "source": stmt.excluded.source,
            "updated_at": stmt.excluded.updated_at,
        },
        where=(table.c.source == only_source) if only_source else None,
    ).returning(table.c.grade, table.c.previous_grade)


def upsert_ballot(
    seat_id: int,
    unit_id: int,
    grade: str,
    source: BallotSource,
    *,
    open_in_campaign: int | None = None,
    only_source: BallotSource | None = None,
) -> tuple[str, str | None] | None:
    """One statement: insert the ballot or replace its grade — only while the unit's scoring is open
    (when *open_in_campaign* is given) and, with *only_source*, only replacing a ballot of that source.

    Returns (grade, previous grade) or None when the write was refused.
    """
    stmt = _upsert_statement(_dialect(), open_in_campaign is not None, only_source)
    params = {"seat_id": seat_id, "unit_id": unit_id, "grade": grade, "source": source, "now": clock.now()}
    if open_in_campaign is not None:
        params["campaign_id"] = open_in_campaign
    row = db.session.execute(stmt, params).first()
    return (row[0], row[1]) if row is not None else None


def cast_ballot(actor: Actor, campaign: Campaign, unit_id: int, grade: object) -> BallotResult:
    """A seat grades the unit whose scoring is open; sending again replaces the grade (idempotent).

    The rules that need no database (own unit, grade on the scale) are checked first; the upsert
    itself checks that scoring is open. Only a refused write reads the presentation, to tell "not
    presenting here" (404) from "not open" (409).
    """
    require(actor, Action.BALLOT_CAST, campaign)
    assert actor.seat_id is not None and actor.unit_id is not None
    clean = rules.check_ballot(
        seat_unit_id=actor.unit_id,
        unit_id=unit_id,
        grade=grade,
        labels=[g.label for g in campaign.scale],
        state=PresentationState.OPEN,
    )
    written = upsert_ballot(actor.seat_id, unit_id, clean, BallotSource.ONLINE, open_in_campaign=campaign.id)
    if written is None:
        _presentation(campaign, unit_id)  # 404 when the unit does not present in this campaign
        raise Conflict(msg(N_("该单位的评分未开放或已结束。")), code="scoring_closed")
    new, old = written
    changed = old is None or old != new
    if changed:
        audit.record_row(
            actor,
            "ballot.cast" if old is None else "ballot.change",
            campaign_id=campaign.id,
            subject=("seat", actor.seat_id),
            from_state=old,
            to_state=new,
            data={"seat_id": actor.seat_id, "unit_id": unit_id, "source": "online"},
        )
    return BallotResult(unit_id, new, old, changed)


def ballots_of_seat(actor: Actor, campaign: Campaign) -> list[Ballot]:
    require(actor, Action.BALLOT_VIEW_OWN, campaign)
    stmt = sa.select(Ballot).where(Ballot.seat_id == actor.seat_id).order_by(Ballot.unit_id)
    return list(db.session.scalars(stmt))


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
    rows = _presentations(campaign.id)
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
    rows = _presentations(campaign.id)
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
    return SeatView(screen, pres.unit_id, name, position, pres.closes_at, grade, done, len(rows))


def campaign_for(actor: Actor, campaign_id: int) -> Campaign:
    """The campaign for any caller of the briefing (seats included); strangers get 404."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or (not actor.is_office and actor.campaign_id != campaign_id):
        raise NotFound(msg(N_("评选活动不存在。")))
    return campaign


def seat_of_actor(actor: Actor) -> Seat:
    seat = db.session.get(Seat, require_seat(actor))
    if seat is None:
        raise NotFound()
    return seat


def require_seat(actor: Actor) -> int:
    if actor.seat_id is None:
        raise Forbidden()
    return actor.seat_id
