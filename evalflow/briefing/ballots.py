"""A ballot, top to bottom: what happens when a delegate taps a grade, and why each trick is there.

Read this module from the top; each step names the code and the tests that pin it (docs/briefing.md
tells the same story with the figures, bench/README.md keeps the measurements).

1. **The phone** (``static/ballot.js``) sends ``PUT /api/v1/campaigns/<cid>/ballots/<uid>``
   ``{"grade": …}`` with its seat card as the bearer token, and sends the same grade again after a
   503 or a lost answer. That is safe because step 4 is an idempotent upsert: the last acknowledged
   grade is the one kept. Pinned by tests/web/test_database_unavailable.py
   (``test_database_ballot_dying_at_its_statement_keeps_the_last_acknowledged_grade``) and
   tests/integration/test_briefing_burst.py (a burst with duplicates and changes loses nothing).

2. **One statement, no transaction** (``briefing/api.put_ballot``, ``route(single_statement=True)``):
   on PostgreSQL the request runs in autocommit (``database.without_transaction``), saving the
   ``BEGIN``/``COMMIT`` round trips; a single statement is atomic by itself. Any other write in
   that request is refused before it reaches the database
   (``database.refuse_writes_that_need_company``), because under autocommit it would commit
   apart — worst, the SQLite-style fallback ``audit.record_last`` could fork the audit chain. Pinned by
   tests/integration/test_single_statement_route.py and tests/integration/test_database_plumbing.py
   (``test_postgres_ballot_runs_without_a_transaction_and_the_connection_comes_back_ordinary``,
   ``test_ballot_statements_and_audit_entry``). SQLite keeps one transaction (no round trips to save).

3. **Remembered cards** (``route(checks_seat_card=True)``, ``shared/accounts/actors.bearer``): a
   process remembers the cards it has read while their campaign is in the briefing, so the request
   authenticates without a query; the write then checks the card itself (:func:`_card_still_good`
   inside the upsert's ``WHERE``). Pure rules come first (``rules.check_ballot``: own unit 403,
   grade off the scale 400) — no database needed to refuse those. Pinned by
   tests/web/test_ballot_card_memory.py, tests/unit/test_briefing_domain.py
   (``test_check_ballot_own_unit_first_then_grade_then_open``) and tests/web/test_briefing_api.py
   (``test_ballot_own_unit_is_403_own_unit``, ``test_ballot_grade_outside_scale_is_400_invalid_grade``).

4. **The upsert** (:func:`_upsert_statement`): ``INSERT INTO ballot … SELECT … WHERE <the unit's
   scoring is open and its countdown not over> ON CONFLICT (seat_id, unit_id) DO UPDATE SET
   previous_grade = ballot.grade, grade = excluded.grade … RETURNING grade, previous_grade``. One row
   per seat and unit; the open check is part of the write (on PostgreSQL with ``FOR SHARE`` on the
   presentation row, so a concurrent close waits for in-flight ballots and later ballots see it
   closed); ``previous_grade`` tells the audit entry the exact old → new change. Built once per
   variant, and compiled once more into driver SQL (``database.DriverStatement``: SQLAlchemy's
   per-execution work saved, bench/README.md *Figures behind the code*). Pinned by tests/web/test_briefing_api.py
   (``test_ballot_sent_again_and_changed_is_one_row``, ``test_ballot_after_close_is_409_and_keeps_the_grade``,
   ``test_ballot_after_countdown_is_refused_without_a_click``).

5. **The audit entry, hashed by the database in the same statement** (PostgreSQL,
   :func:`_upsert_appending_statement`, ``shared/audit/statement.appending``): when the grade
   changed, the statement also appends ``ballot.cast``/``ballot.change`` to the campaign's hash
   chain (claiming the chain's head row, so two ballots never fork it). A chain without a head yet
   gets one (``audit.ensure_head``) and the statement is tried once more — the loop of two in
   :func:`_upsert_online`. On SQLite the entry is written by ``audit.record_last`` in the same
   transaction. Pinned by tests/integration/test_audit_chain.py
   (``test_audit_concurrent_appends_never_fork_the_chain``), tests/integration/test_database_plumbing.py
   (``test_postgres_ballot_statement_is_atomic_when_its_audit_entry_fails``), tests/web/test_briefing_api.py
   (``test_ballot_changes_are_audited_old_to_new``) and tests/web/test_ballot_card_memory.py
   (``test_ballot_audit_entries_verify_whatever_the_grade_labels``).

6. **Refused, then explained — and the retry**: a write refused with a remembered card raises
   :class:`CardRefused`; ``api.put_ballot`` forgets the card, asks the database who is calling
   (``reauthenticate``: 401 for a card taken away) and tries once more. Otherwise one read tells
   "not presenting here" (404) from "not open" (409 ``scoring_closed``). Pinned by
   tests/web/test_ballot_card_memory.py (``test_reissued_card_is_401_although_remembered``,
   ``test_remembered_card_after_its_unit_closed_is_409_scoring_closed``,
   ``test_remembered_card_after_the_briefing_is_409_wrong_phase``,
   ``test_remembered_card_with_a_scale_replaced_under_it_follows_the_new_scale``).

7. **After the commit** the seat's version number moves (``briefing/version.py``), so that phone's
   next poll shows the grade while every other phone keeps its 304 without a query. Pinned by
   tests/web/test_poll_versions.py (``test_a_seat_ballot_moves_only_its_own_screen``).

8. **Paper entry** (``briefing/paper.py``): two clerks key each paper form; boxes they agree on
   become ballots with source ``paper`` through :func:`upsert_ballot` with ``only_source=paper``, so a
   paper ballot never replaces an online one. Pinned by tests/web/test_briefing_paper.py
   (``test_paper_never_replaces_an_online_ballot``,
   ``test_paper_matching_entries_are_recorded_as_paper_ballots``).

The tally (``tally/``) reads the ballot rows; nothing else keeps a copy.
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

# The entry's fields only the appending statement knows: they depend on the grade it replaced.
APPENDED_FIELDS = ("action", "from_state")
CAST, CHANGE = "ballot.cast", "ballot.change"  # a seat's first grade for a unit / a replaced one


# --- 3, 6. the phone's ballot: rules, the write, a refusal explained --------------------------------


@dataclass(frozen=True)
class BallotResult:
    unit_id: int
    grade: str
    previous: str | None
    changed: bool


class CardRefused(Exception):
    """A ballot written with a remembered seat card was refused: the card may be out of date."""


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
    dialect = dialect_name()
    if dialect != "postgresql" or not statement.can_append_in_statement():
        stmt = _driver_upsert(dialect, True, None, card is not None)
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


# --- 4. the upsert, and 5. its audit entry in the same statement ------------------------------------


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


@functools.cache
def _appending_driver_statement(card_check: bool) -> DriverStatement:
    return DriverStatement(_upsert_appending_statement(card_check), db.engine.dialect)


@functools.cache
def _driver_upsert(
    dialect: str, open_check: bool, only_source: BallotSource | None, card_check: bool
) -> DriverStatement:
    """:func:`_upsert_statement` as driver SQL (SQLite's ballot, paper entry, PostgreSQL's fallback)."""
    stmt = _upsert_statement(dialect, open_check, only_source, card_check=card_check)
    return DriverStatement(stmt, db.engine.dialect)


def _execute(
    stmt: DriverStatement,
    seat_id: int,
    unit_id: int,
    grade: str,
    source: BallotSource,
    campaign_id: int | None,
    **more: Any,
) -> Any:
    params = _values(seat_id, unit_id, grade, source, campaign_id)
    db.session.flush()  # driver SQL on the session's connection: the same transaction, without the
    return stmt.execute(db.session.connection(), {**params, **more}).first()  # ORM's per-statement work


def _values(
    seat_id: int, unit_id: int, grade: str, source: BallotSource, campaign_id: int | None
) -> dict[str, Any]:
    params = {"seat_id": seat_id, "unit_id": unit_id, "grade": grade, "source": source, "now": clock.now()}
    if campaign_id is not None:
        params["campaign_id"] = campaign_id
    return params


def _entry_data(seat_id: int, unit_id: int) -> dict[str, Any]:
    return {"seat_id": seat_id, "unit_id": unit_id, "source": BallotSource.ONLINE.value}


def dialect_name() -> str:
    return db.session.get_bind().dialect.name


# --- 8. paper entry, and the seat's own list --------------------------------------------------------


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
    stmt = _driver_upsert(dialect_name(), open_in_campaign is not None, only_source, False)
    row = _execute(stmt, seat_id, unit_id, grade, source, open_in_campaign)
    return (row[0], row[1]) if row is not None else None


def ballots_of_seat(actor: Actor, campaign: Campaign) -> list[Ballot]:
    require(actor, Action.BALLOT_VIEW_OWN, campaign)
    stmt = sa.select(Ballot).where(Ballot.seat_id == actor.seat_id).order_by(Ballot.unit_id)
    return list(db.session.scalars(stmt))
