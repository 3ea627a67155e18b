"""The briefing (集中汇报互评): the agenda, opening and closing scoring, who is calling.

The order lives in :mod:`.briefing_order`, ballots in :mod:`.ballots`, the live counts and the
delegate's screen in :mod:`.briefing_live`.

Nothing here lives in process memory: every answer comes from the database, so any number of app
servers give the same answers. The rules are in :mod:`evalflow.briefing.rules`; this module reads
the facts, writes with single statements and records every change in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from evalflow.briefing import rules
from evalflow.briefing.models import Ballot, BriefingDraw, Presentation
from evalflow.briefing.rules import PresentationState
from evalflow.briefing.seats import seats_per_unit
from evalflow.extensions import db
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Seat, Unit
from evalflow.shared.campaigns.service import CampaignFacts, facts, require
from evalflow.shared.errors import Conflict, Forbidden, NotFound
from evalflow.shared.messages import N_, msg

OPEN, CLOSED, PENDING = PresentationState.OPEN, PresentationState.CLOSED, PresentationState.PENDING


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


def presentation_rows(campaign_id: int) -> list[tuple[Presentation, str]]:
    stmt = (
        sa.select(Presentation, Unit.name)
        .join(Unit, Unit.id == Presentation.unit_id)
        .where(Presentation.campaign_id == campaign_id)
        .order_by(Presentation.position.is_(None), Presentation.position, Presentation.unit_id)
    )
    return [(p, name) for p, name in db.session.execute(stmt)]


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
    return agenda_items(campaign)


def agenda_items(campaign: Campaign) -> list[AgendaItem]:
    seats = seats_per_unit(campaign.id)
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
        for index, (p, name) in enumerate(presentation_rows(campaign.id), start=1)
    ]


def draw_of(campaign: Campaign) -> BriefingDraw | None:
    return db.session.scalar(sa.select(BriefingDraw).where(BriefingDraw.campaign_id == campaign.id))


def write_order(campaign: Campaign, order: list[int]) -> None:
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


def presentation_of(campaign: Campaign, unit_id: int) -> Presentation:
    row = db.session.scalar(
        sa.select(Presentation).where(
            Presentation.campaign_id == campaign.id, Presentation.unit_id == unit_id
        )
    )
    if row is None:
        raise NotFound(msg(N_("该单位不在本次汇报之列。")))
    return row


def _item(campaign: Campaign, unit_id: int) -> AgendaItem:
    return next(i for i in agenda_items(campaign) if i.unit_id == unit_id)


def open_scoring(actor: Actor, campaign: Campaign, unit_id: int, seconds: object = None) -> AgendaItem:
    """Open scoring of one unit (optionally with a countdown); at most one is open (the DB decides).

    Opening fixes the order: positions not yet set are written as shown. Opening the open one again
    only updates its countdown; a closed presentation is never reopened (its ballots never change).
    """
    require(actor, Action.PRESENTATION_MANAGE, campaign)
    countdown = rules.parse_countdown(seconds)
    close_expired(campaign.id)
    presentation = presentation_of(campaign, unit_id)
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
    rows = presentation_rows(campaign.id)
    if any(p.position is None for p, _ in rows):
        write_order(campaign, [p.unit_id for p, _ in rows])
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
    presentation = presentation_of(campaign, unit_id)
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


def campaign_for(actor: Actor, campaign_id: int) -> Campaign:
    """The campaign for any caller of the briefing (seats included); strangers get 404."""
    return _visible(actor, campaign_id, db.session.get(Campaign, campaign_id))


def ballot_campaign(actor: Actor, campaign_id: int, known: CampaignFacts | None = None) -> CampaignFacts:
    """:func:`campaign_for` for the ballot's hot path: the campaign's id, phase and scale without the
    ORM — *known* when the request already read them (the write guard), else one Core query."""
    return _visible(actor, campaign_id, facts(campaign_id, known))


_Found = TypeVar("_Found", Campaign, CampaignFacts)


def _visible(actor: Actor, campaign_id: int, found: _Found | None) -> _Found:
    """*found* when *actor* may see the campaign; a stranger, or a campaign that is not there, is 404."""
    if found is None or (not actor.is_office and actor.campaign_id != campaign_id):
        raise NotFound(msg(N_("评选活动不存在。")))
    return found


def seat_of_actor(actor: Actor) -> Seat:
    seat = db.session.get(Seat, require_seat(actor))
    if seat is None:
        raise NotFound()
    return seat


def require_seat(actor: Actor) -> int:
    if actor.seat_id is None:
        raise Forbidden()
    return actor.seat_id
