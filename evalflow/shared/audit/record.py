"""The audit trail: every state change of the product is recorded here, in the same transaction.

The log is append-only and hash-chained, one chain per campaign (shared/audit/chain.py,
docs/audit.md). :func:`record` inserts the entry at once (so the transaction sees it), *unsealed*:
``seq``, ``prev_hash`` and ``entry_hash`` are empty. The transaction seals its entries as the last
thing before it commits (a ``before_commit`` session event, :func:`seal`):

* per chain, in chain order, the head row in ``audit_chain_head`` is created if missing with an
  ``INSERT … ON CONFLICT DO NOTHING`` (one statement: two first entries of a campaign cannot race);
* on SQLite that transaction already holds the database's single writer lock (it inserted the
  entries), so nobody else can seal meanwhile and the head it reads is the latest;
* on PostgreSQL the head is read with ``SELECT … FOR UPDATE``: a concurrent seal of the same chain
  waits for this commit, then reads the new head (READ COMMITTED);
* each entry gets ``seq = head.seq + 1``, ``prev_hash = head.hash`` and its hash, and the head moves.

Sealing at commit rather than in :func:`record` makes the head the *last* lock a transaction takes:
it then waits for nothing while holding it, so it cannot deadlock with a request that holds a row
this one still needs, and the head is held only for the commit itself. The chain's order is the
order of commits. ``UNIQUE (chain, seq)`` is the database's last word: should the lock ever be
bypassed, a racing commit fails instead of forking the chain. The PostgreSQL trigger of migration
0011 lets an UPDATE do exactly one thing: seal an unsealed entry without changing its content.

Two shortcuts for the ballot, the one write made per tap at the briefing: :func:`record_last` seals
a transaction's last entry at once, and on PostgreSQL :func:`appending` writes the ballot, moves the
head and inserts the sealed entry in a single statement, the database computing the entry's hash
from the canonical form Python cut around the values only the statement knows (docs/audit.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from evalflow.extensions import db
from evalflow.intake.models import Application
from evalflow.shared.access import Action, Actor, can
from evalflow.shared.accounts.models import User
from evalflow.shared.audit.chain import (
    GENESIS,
    Break,
    canonical_pieces,
    chain_of,
    check_chain,
    entry_hash,
)
from evalflow.shared.audit.models import AuditChainHead, AuditEntry
from evalflow.shared.campaigns.models import Seat, Unit
from evalflow.shared.errors import Forbidden
from evalflow.shared.types import utcnow

HEAD = AuditChainHead.__table__
ENTRY = AuditEntry.__table__
COLUMNS = tuple(column.key for column in ENTRY.columns)
UNSEALED = "evalflow_audit_unsealed"  # Session.info key: ids of this transaction's unsealed entries


def _fields(
    actor: Actor,
    action: str,
    campaign_id: int | None,
    subject: tuple[str, int | None],
    from_state: str | None,
    to_state: str | None,
    reason: str,
    data: dict[str, Any] | None,
) -> dict[str, Any]:
    """The columns of a new, unsealed entry (its chain position and hash come at commit)."""
    return {
        "chain": chain_of(campaign_id),
        "created_at": utcnow(),
        "campaign_id": campaign_id,
        "actor_user_id": actor.user_id,
        "actor_label": actor.label or actor.role.value,
        "action": action,
        "subject_type": subject[0],
        "subject_id": subject[1],
        "from_state": from_state,
        "to_state": to_state,
        "reason": reason,
        "data": data or {},
    }


def record(
    actor: Actor,
    action: str,
    *,
    campaign_id: int | None = None,
    subject: tuple[str, int | None] = ("", None),
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(**_fields(actor, action, campaign_id, subject, from_state, to_state, reason, data))
    db.session.add(entry)
    db.session.flush()
    db.session.info.setdefault(UNSEALED, []).append(entry.id)
    return entry


# Built once and run with bound values: statement construction costs more than SQLite's execution.
_INSERT_SEALED = sa.insert(ENTRY)
_READ_HEAD = (
    sa.select(HEAD.c.seq, HEAD.c.hash)
    .where(HEAD.c.chain == sa.bindparam("head_chain", type_=sa.Integer))
    .with_for_update()
)
# Claims the head's next number and returns it with the hash it follows (RETURNING gives the row
# after the UPDATE, whose hash is still the previous entry's).
_CLAIM_HEAD = (
    sa.update(HEAD)
    .where(HEAD.c.chain == sa.bindparam("head_chain", type_=sa.Integer))
    .values(seq=HEAD.c.seq + 1)
    .returning(HEAD.c.seq, HEAD.c.hash)
)
_MOVE_HEAD = (
    sa.update(HEAD)
    .where(HEAD.c.chain == sa.bindparam("head_chain", type_=sa.Integer))
    .values(
        seq=sa.bindparam("head_seq", type_=sa.Integer),
        hash=sa.bindparam("head_hash", type_=sa.String),
        prev_hash=HEAD.c.hash,
    )
)

# PostgreSQL: ``WITH sealed_entry AS (INSERT INTO audit_entry …) UPDATE audit_chain_head …`` — a
# data-modifying WITH runs exactly once, whether or not the outer statement reads it.
_INSERT_SEALED_AND_MOVE_HEAD = _MOVE_HEAD.add_cte(
    sa.insert(ENTRY)
    .values({c.key: sa.bindparam(f"e_{c.key}", type_=c.type) for c in ENTRY.columns if c.key != "id"})
    .cte("sealed_entry")
)


def record_last(
    actor: Actor,
    action: str,
    *,
    campaign_id: int | None = None,
    subject: tuple[str, int | None] = ("", None),
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """The same entry as :func:`record`, written *sealed* by one Core INSERT — for the hot path of a
    ballot per tap at the briefing.

    Only for the last write of a transaction: it takes the chain's head lock now instead of at
    commit (see the module's docstring: nothing may be locked after the head). Three statements in
    all: claim the head's next number (an UPDATE, so the lock is taken by a write on both engines —
    on SQLite a read would not hold the writer lock), insert the sealed entry, store the new head
    hash. Entries this transaction recorded earlier are sealed first, so the chain keeps their order.
    """
    session = db.session()
    fields = _fields(actor, action, campaign_id, subject, from_state, to_state, reason, data)
    chain = fields["chain"]
    conn = session.connection()  # Core on the transaction's connection: no per-statement ORM overhead
    seal(session)  # flushes the session too, when it has entries to seal
    session.flush()
    claimed = conn.execute(_CLAIM_HEAD, {"head_chain": chain}).first()
    if claimed is None:  # the chain's first entry
        _lock_head(session, chain)
        claimed = conn.execute(_CLAIM_HEAD, {"head_chain": chain}).one()
    seq, prev = int(claimed[0]), str(claimed[1])
    fields.update(seq=seq, prev_hash=prev)
    fields["entry_hash"] = entry_hash(fields)
    move = {"head_chain": chain, "head_seq": seq, "head_hash": fields["entry_hash"]}
    if conn.dialect.name == "postgresql":  # one round trip for both writes
        conn.execute(_INSERT_SEALED_AND_MOVE_HEAD, {**{f"e_{k}": v for k, v in fields.items()}, **move})
    else:  # SQLite has no INSERT inside WITH
        conn.execute(_INSERT_SEALED, fields)
        conn.execute(_MOVE_HEAD, move)


def can_append_in_statement() -> bool:
    """True when this transaction has no unsealed entries, so a write may seal its own entry in its
    statement (:func:`appending`): entries recorded earlier would otherwise be chained after it."""
    return UNSEALED not in db.session.info


# --- PostgreSQL: a whole append in the writing statement ----------------------------------------

FILLED_BY_HEAD = ("prev_hash", "seq")


def _json_text(value: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
    """The canonical JSON of a text value, written by PostgreSQL: ``to_json`` escapes exactly the
    characters Python's ``json.dumps(…, ensure_ascii=False)`` escapes, the same way (``\\"``, ``\\\\``,
    ``\\b \\f \\n \\r \\t``, other controls as ``\\u00xx``; PostgreSQL text holds no NUL)."""
    return sa.func.coalesce(sa.cast(sa.func.to_json(value), sa.Text), sa.literal("null", sa.Text))


def appending(
    written: sa.CTE, changed: sa.ColumnElement[bool], computed: dict[str, sa.ColumnElement[Any]]
) -> sa.Select:
    """PostgreSQL: *written* (a write … RETURNING, as a CTE) and, when *changed* holds for its row,
    its audit entry sealed into the chain — all in one statement, so a request that writes nothing
    else needs no transaction of its own (one round trip, see ``database.without_transaction``)::

        WITH written AS (<the write>),
             moved AS (UPDATE audit_chain_head SET seq = seq + 1, prev_hash = hash,
                              hash = encode(sha256(convert_to(:piece_0 || <hole> || :piece_1 …)), 'hex')
                       WHERE chain = :head_chain AND EXISTS (SELECT FROM written WHERE <changed>)
                       RETURNING seq, hash, prev_hash),
             sealed_entry AS (INSERT INTO audit_entry (…) SELECT :a_…, <computed>, moved.seq, …
                              FROM moved JOIN written ON true)
        SELECT written.*, moved.seq FROM written LEFT OUTER JOIN moved ON true

    The entry's hash is computed by the database from the canonical form that
    :func:`appending_params` cut around the values only the statement knows (``prev_hash``,
    ``seq`` and the *computed* fields, SQL expressions over *written*), so it is the very hash
    ``shared.audit.chain.entry_hash`` gives and :func:`verify` checks. The head is locked by the
    UPDATE after the write's own rows, so it stays the statement's last lock; a concurrent append
    waits for this commit, then its UPDATE sees the new head (READ COMMITTED re-reads the row).
    ``moved.seq`` is NULL when nothing changed. The write itself must refuse to run when the chain
    has no head yet (:func:`head_exists`), or it would be written without its entry.
    """
    names = sorted([*computed, *FILLED_BY_HEAD])
    values = {name: _json_text(sa.select(v).scalar_subquery()) for name, v in computed.items()}
    values.update(prev_hash=_json_text(HEAD.c.hash), seq=sa.cast(HEAD.c.seq + 1, sa.Text))
    text: sa.ColumnElement[str] = sa.bindparam("piece_0", type_=sa.Text)
    for i, name in enumerate(names, start=1):
        text = text + values[name] + sa.bindparam(f"piece_{i}", type_=sa.Text)
    digest = sa.func.encode(sa.func.sha256(sa.func.convert_to(text, sa.literal("UTF8"))), sa.literal("hex"))
    moved = (
        sa.update(HEAD)
        .where(
            HEAD.c.chain == sa.bindparam("head_chain", type_=sa.Integer),
            sa.exists(sa.select(sa.literal(1)).select_from(written).where(changed)),
        )
        .values(seq=HEAD.c.seq + 1, prev_hash=HEAD.c.hash, hash=digest)
        .returning(HEAD.c.seq, HEAD.c.hash, HEAD.c.prev_hash)
        .cte("moved")
    )
    columns: list[str] = []
    exprs: list[sa.ColumnElement[Any]] = []
    for column in ENTRY.columns:
        if column.key == "id":
            continue
        columns.append(column.key)
        if column.key in computed:
            exprs.append(computed[column.key])
        elif column.key in ("seq", "prev_hash"):
            exprs.append(moved.c[column.key])
        elif column.key == "entry_hash":
            exprs.append(moved.c.hash)
        else:
            exprs.append(sa.bindparam(f"a_{column.key}", type_=column.type))
    entry = sa.insert(ENTRY).from_select(
        columns, sa.select(*exprs).select_from(moved.join(written, sa.true()))
    )
    return (
        sa.select(*written.c, moved.c.seq)
        .select_from(written.outerjoin(moved, sa.true()))
        .add_cte(entry.cte("sealed_entry"))
    )


def appending_params(
    actor: Actor,
    *,
    campaign_id: int | None,
    subject: tuple[str, int | None],
    to_state: str | None,
    data: dict[str, Any],
    computed: tuple[str, ...],
    reason: str = "",
) -> dict[str, Any]:
    """The bound values of an :func:`appending` statement: the entry's known fields (``a_…``), its
    chain, and the pieces of its canonical form around the values the statement fills in."""
    fields = _fields(actor, "", campaign_id, subject, None, to_state, reason, data)
    texts, order = canonical_pieces(fields, [*computed, *FILLED_BY_HEAD])
    if order != sorted(order):  # the canonical form sorts its keys, and appending() relies on it
        raise RuntimeError(f"holes out of order: {order}")
    params = {f"a_{k}": v for k, v in fields.items() if k not in computed}
    params.update({f"piece_{i}": t for i, t in enumerate(texts)}, head_chain=fields["chain"])
    return params


def head_exists() -> sa.Exists:
    """``EXISTS (SELECT FROM audit_chain_head WHERE chain = :head_chain)``, for a write that
    :func:`appending` seals: without a head it would be written but not chained."""
    key = sa.bindparam("head_chain", type_=sa.Integer)
    return sa.exists(sa.select(sa.literal(1)).select_from(HEAD).where(HEAD.c.chain == key))


def ensure_head(chain: int, session: Session | None = None) -> bool:
    """Create the chain's head if it has none — one ``INSERT … ON CONFLICT DO NOTHING``, so two first
    entries of a campaign cannot race; True when it was created."""
    session = session or db.session()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(HEAD).values(chain=chain, seq=0, hash=GENESIS).on_conflict_do_nothing(index_elements=["chain"])
    )
    return bool(session.connection().execute(stmt).rowcount)


def _lock_head(session: Session, chain: int) -> tuple[int, str]:
    """Lock the chain's head until the transaction ends (creating it the first time); return it."""
    head = session.execute(_READ_HEAD, {"head_chain": chain}).first()
    if head is None:  # the chain's first entry: two first entries of a campaign cannot race
        ensure_head(chain, session)
        head = session.execute(_READ_HEAD, {"head_chain": chain}).one()
    return int(head[0]), str(head[1])


def seal(session: Session) -> int:
    """Chain this transaction's unsealed entries (see the module's docstring); return how many."""
    ids = session.info.pop(UNSEALED, None)
    if not ids:
        return 0
    session.flush()
    stmt = sa.select(ENTRY).where(ENTRY.c.id.in_(ids), ENTRY.c.entry_hash.is_(None)).order_by(ENTRY.c.id)
    chains: dict[int, list[dict[str, Any]]] = {}
    for row in session.execute(stmt).mappings():  # entries of a rolled-back savepoint are gone
        chains.setdefault(row["chain"], []).append(dict(row))
    for chain in sorted(chains):  # one lock order for every transaction
        seq, prev = _lock_head(session, chain)
        for fields in chains[chain]:
            fields.update(seq=seq + 1, prev_hash=prev)
            digest = entry_hash(fields)
            session.execute(
                sa.update(ENTRY)
                .where(ENTRY.c.id == fields["id"])
                .values(seq=seq + 1, prev_hash=prev, entry_hash=digest)
            )
            seq, prev = seq + 1, digest
        session.execute(_MOVE_HEAD, {"head_chain": chain, "head_seq": seq, "head_hash": prev})
    return sum(len(rows) for rows in chains.values())


@sa.event.listens_for(Session, "before_commit")
def _seal_before_commit(session: Session) -> None:
    if UNSEALED in session.info and not session.in_nested_transaction():
        seal(session)


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(UNSEALED, None)


def fields_of(entry: AuditEntry | sa.Row[Any]) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in COLUMNS}


def entries(campaign_id: int, limit: int = 200) -> list[AuditEntry]:
    stmt = (
        sa.select(AuditEntry)
        .where(AuditEntry.campaign_id == campaign_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def _names(stmt: sa.Select) -> dict[int, str]:
    return {row[0]: row[1] for row in db.session.execute(stmt)}


def subject_names(log: list[AuditEntry]) -> dict[tuple[str, int], str]:
    """Readable names of what the entries acted on: the unit of an application or seat, a unit,
    an account. Three queries at most, whatever the length of the log."""
    ids: dict[str, set[int]] = {}
    for entry in log:
        if entry.subject_id is not None:
            ids.setdefault(entry.subject_type, set()).add(entry.subject_id)
    found: dict[tuple[str, int], str] = {}
    lookups = {
        "application": sa.select(Application.id, Unit.name).join(Unit, Unit.id == Application.unit_id),
        "unit": sa.select(Unit.id, Unit.name),
        "seat": sa.select(Seat.id, Unit.name).join(Unit, Unit.id == Seat.unit_id),
        "user": sa.select(User.id, User.username),
    }
    for kind, stmt in lookups.items():
        if ids.get(kind):
            key = stmt.selected_columns[0]
            found.update({(kind, i): n for i, n in _names(stmt.where(key.in_(ids[kind]))).items()})
    return found


# --- verification ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    chain: int
    length: int
    head: str
    broken: Break | None


def _chain_rows(chain: int) -> Iterator[dict[str, Any]]:
    table = AuditEntry.__table__
    stmt = sa.select(table).where(table.c.chain == chain, table.c.seq.is_not(None)).order_by(table.c.seq)
    for row in db.session.execute(stmt).yield_per(1000).mappings():
        yield dict(row)


def verify(chains: list[int] | None = None) -> list[ChainReport]:
    """Check every chain (or the given ones) from its first entry to its head; reads only."""
    entry_chains = set(db.session.scalars(sa.select(AuditEntry.chain).distinct()))
    heads = {row.chain: (int(row.seq), row.hash) for row in db.session.execute(sa.select(HEAD))}
    wanted = sorted(set(chains) if chains is not None else entry_chains | set(heads))
    reports = []
    for chain in wanted:
        rows = _counted(_chain_rows(chain))
        broken = check_chain(chain, rows, heads.get(chain))
        if broken is None:
            stray = db.session.scalar(
                sa.select(sa.func.min(ENTRY.c.id)).where(ENTRY.c.chain == chain, ENTRY.c.entry_hash.is_(None))
            )
            if stray is not None:
                broken = Break(chain, rows.count + 1, int(stray), "unsealed")
        head_hash = heads.get(chain, (0, GENESIS))[1]
        reports.append(ChainReport(chain, rows.count, head_hash, broken))
    return reports


class _counted:
    def __init__(self, rows: Iterator[dict[str, Any]]) -> None:
        self.rows, self.count = rows, 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for row in self.rows:
            self.count += 1
            yield row


# --- the office's log view ---------------------------------------------------------------------


@dataclass(frozen=True)
class LogFilter:
    actor: str = ""
    action: str = ""
    campaign_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def apply(self, stmt: sa.Select[Any]) -> sa.Select[Any]:
        if self.actor:
            stmt = stmt.where(AuditEntry.actor_label.contains(self.actor, autoescape=True))
        if self.action:
            stmt = stmt.where(AuditEntry.action.startswith(self.action, autoescape=True))
        if self.campaign_id is not None:
            stmt = stmt.where(AuditEntry.campaign_id == self.campaign_id)
        if self.since is not None:
            stmt = stmt.where(AuditEntry.created_at >= self.since)
        if self.until is not None:
            stmt = stmt.where(AuditEntry.created_at < self.until)
        return stmt


def _require_view(actor: Actor) -> None:
    if not can(actor, Action.AUDIT_VIEW):
        raise Forbidden()


def search(actor: Actor, flt: LogFilter, page: int = 1, per_page: int = 50) -> tuple[list[AuditEntry], int]:
    """One page of matching entries, newest first, and the total number of matches."""
    _require_view(actor)
    total = db.session.scalar(flt.apply(sa.select(sa.func.count()).select_from(AuditEntry))) or 0
    stmt = flt.apply(sa.select(AuditEntry)).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    page = max(page, 1)
    rows = list(db.session.scalars(stmt.offset((page - 1) * per_page).limit(per_page)))
    return rows, int(total)


def iter_matching(actor: Actor, flt: LogFilter) -> Iterator[AuditEntry]:
    """Every matching entry, oldest first, streamed (the CSV export)."""
    _require_view(actor)
    stmt = flt.apply(sa.select(AuditEntry)).order_by(AuditEntry.created_at, AuditEntry.id)
    yield from db.session.scalars(stmt.execution_options(yield_per=500))


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
