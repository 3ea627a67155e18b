"""Ballots of the briefing: one per seat and unit, written by a single-statement upsert.

``INSERT … SELECT … WHERE <scoring open> ON CONFLICT DO UPDATE`` on both engines: the condition that
scoring is open is part of the write (on PostgreSQL with ``FOR SHARE`` on the presentation row, so a
concurrent close waits for in-flight ballots and later ballots see it closed). ``previous_grade`` is
set by the same statement, so the audit entry records the exact old → new change.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from evalflow.briefing import rules
from evalflow.briefing.agenda import presentation_of
from evalflow.briefing.models import Ballot, Presentation
from evalflow.briefing.rules import BallotSource, PresentationState
from evalflow.database import DriverStatement
from evalflow.extensions import db
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor
from evalflow.shared.accounts.actors import SeatCard
from evalflow.shared.audit import record as audit
from evalflow.shared.audit import statement
from evalflow.shared.campaigns.models import Campaign, Seat, Unit
from evalflow.shared.campaigns.service import CampaignFacts, require
from evalflow.shared.errors import Conflict
from evalflow.shared.messages import N_, msg
from evalflow.shared.phases import Phase

OPEN, CLOSED, PENDING = PresentationState.OPEN, PresentationState.CLOSED, PresentationState.PENDING


# --- ballots --------------------------------------------------------------------------------------


# The entry's fields only the appending statement knows: they depend on the grade it replaced.
APPENDED_FIELDS = ("action", "from_state")
CAST, CHANGE = "ballot.cast", "ballot.change"  # a seat's first grade for a unit / a replaced one


def _entry_data(seat_id: int, unit_id: int) -> dict[str, Any]:
    return {"seat_id": seat_id, "unit_id": unit_id, "source": BallotSource.ONLINE.value}


class CardRefused(Exception):
    """A ballot written with a remembered seat card was refused: the card may be out of date."""


@dataclass(frozen=True)
class BallotResult:
    unit_id: int
    grade: str
    previous: str | None
    changed: bool


def dialect_name() -> str:
    return db.session.get_bind().dialect.name


@functools.cache
def _upsert_statement(
    dialect: str,
    open_check: bool,
    only_source: BallotSource | None,
    need_head: bool = False,
    card_check: bool = False,
) -> Any:
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
        if need_head:
            values = values.where(statement.head_exists())
        if card_check:
            values = values.where(_card_still_good())
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


def _card_still_good() -> sa.Exists:
    """``EXISTS``: the seat card the caller holds still names this seat of this unit, and its
    campaign is still in the briefing with the same scale — all a remembered card claims (accounts.
    SeatCard). Three primary-key lookups."""
    return sa.exists(
        sa.select(sa.literal(1))
        .select_from(Seat)
        .join(Unit, Unit.id == Seat.unit_id)
        .join(Campaign, Campaign.id == Unit.campaign_id)
        .where(
            Seat.id == sa.bindparam("seat_id", type_=sa.Integer),
            Seat.token_hash == sa.bindparam("card_digest", type_=sa.String),
            Seat.unit_id == sa.bindparam("card_unit_id", type_=sa.Integer),
            Campaign.id == sa.bindparam("campaign_id", type_=sa.Integer),
            Campaign.phase == Phase.BRIEFING,
            sa.cast(Campaign.scale_json, sa.Text) == sa.bindparam("card_scale", type_=sa.Text),
        )
    )


@functools.cache
def _appending_driver_statement(card_check: bool) -> DriverStatement:
    return DriverStatement(_upsert_appending_statement(card_check), db.engine.dialect)


@functools.cache
def _upsert_appending_statement(card_check: bool) -> Any:
    """PostgreSQL, a ballot from a phone: the upsert and, when it changed the grade, its audit entry
    sealed into the chain — one statement (audit.appending), refused like the upsert when scoring is
    not open, and when the campaign's chain has no head yet."""
    written = _upsert_statement("postgresql", True, None, need_head=True, card_check=card_check).cte(
        "written"
    )
    old = written.c.previous_grade
    computed = {"action": sa.case((old.is_(None), CAST), else_=CHANGE), "from_state": old}
    return statement.appending(written, old.is_distinct_from(written.c.grade), computed)


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
    stmt = _upsert_statement(dialect_name(), open_in_campaign is not None, only_source)
    row = _execute(stmt, seat_id, unit_id, grade, source, open_in_campaign)
    return (row[0], row[1]) if row is not None else None


def _execute(
    stmt: Any,
    seat_id: int,
    unit_id: int,
    grade: str,
    source: BallotSource,
    campaign_id: int | None,
    **more: Any,
) -> Any:
    params = _values(seat_id, unit_id, grade, source, campaign_id)
    db.session.flush()  # Core on the session's connection: the same transaction, without the ORM's
    return db.session.connection().execute(stmt, {**params, **more}).first()  # per-statement overhead


def _values(
    seat_id: int, unit_id: int, grade: str, source: BallotSource, campaign_id: int | None
) -> dict[str, Any]:
    params = {"seat_id": seat_id, "unit_id": unit_id, "grade": grade, "source": source, "now": clock.now()}
    if campaign_id is not None:
        params["campaign_id"] = campaign_id
    return params


def _upsert_online(
    actor: Actor, unit_id: int, grade: str, campaign_id: int, card: SeatCard | None
) -> tuple[str, str | None, bool] | None:
    """The phone's ballot while scoring is open: (grade, previous grade, whether its audit entry is
    already written), or None when refused — also when *card* is no longer good. On PostgreSQL the
    entry rides in the upsert's statement (the first ballot of a chain without a head creates the
    head, then tries once more)."""
    assert actor.seat_id is not None
    checks = {} if card is None else {
        "card_digest": card.digest, "card_unit_id": card.actor.unit_id, "card_scale": card.scale_text
    }  # fmt: skip
    if dialect_name() != "postgresql" or not statement.can_append_in_statement():
        stmt = _upsert_statement(dialect_name(), True, None, card_check=card is not None)
        row = _execute(stmt, actor.seat_id, unit_id, grade, BallotSource.ONLINE, campaign_id, **checks)
        return (row[0], row[1], False) if row is not None else None
    entry = statement.appending_params(
        actor,
        campaign_id=campaign_id,
        subject=("seat", actor.seat_id),
        to_state=grade,
        data=_entry_data(actor.seat_id, unit_id),
        computed=APPENDED_FIELDS,
    )
    stmt = _appending_driver_statement(card is not None)
    values = _values(actor.seat_id, unit_id, grade, BallotSource.ONLINE, campaign_id) | entry | checks
    for _ in range(2):
        db.session.flush()
        row = stmt.execute(db.session.connection(), values).first()
        if row is not None:
            new, old, seq = row[0], row[1], row[2]
            if (seq is not None) != (old != new):  # the statement's test and this one must agree
                raise RuntimeError("a ballot's audit entry does not match its change")
            return new, old, True
        if not audit.ensure_head(entry["head_chain"]):
            return None
    return None


def cast_ballot(
    actor: Actor,
    campaign: Campaign | CampaignFacts,
    unit_id: int,
    grade: object,
    card: SeatCard | None = None,
) -> BallotResult:
    """A seat grades the unit whose scoring is open; sending again replaces the grade (idempotent).

    The rules that need no database (own unit, grade on the scale) are checked first; the upsert
    itself checks that scoring is open. Only a refused write reads the presentation, to tell "not
    presenting here" (404) from "not open" (409).

    *card*: the seat card the phone authenticated with; the upsert then also checks that it is
    still good (a remembered card may be out of date, see ``accounts.bearer``). A remembered card
    whose write is refused raises :class:`CardRefused` instead of explaining the refusal: the
    caller asks the database who the caller is, and tries again.
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
    written = _upsert_online(actor, unit_id, clean, campaign.id, card)
    if written is None:
        if card is not None and card.remembered:
            raise CardRefused()
        presentation_of(campaign, unit_id)  # 404 when the unit does not present in this campaign
        raise Conflict(msg(N_("该单位的评分未开放或已结束。")), code="scoring_closed")
    new, old, audited = written
    changed = old is None or old != new
    if changed and not audited:
        audit.record_last(
            actor,
            CAST if old is None else CHANGE,
            campaign_id=campaign.id,
            subject=("seat", actor.seat_id),
            from_state=old,
            to_state=new,
            data=_entry_data(actor.seat_id, unit_id),
        )
    return BallotResult(unit_id, new, old, changed)


def ballots_of_seat(actor: Actor, campaign: Campaign) -> list[Ballot]:
    require(actor, Action.BALLOT_VIEW_OWN, campaign)
    stmt = sa.select(Ballot).where(Ballot.seat_id == actor.seat_id).order_by(Ballot.unit_id)
    return list(db.session.scalars(stmt))
