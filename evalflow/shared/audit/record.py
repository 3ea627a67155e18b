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

import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from evalflow.database import DriverStatement, stands_alone
from evalflow.extensions import db
from evalflow.shared.access import Actor
from evalflow.shared.audit.chain import (
    GENESIS,
    chain_of,
    entry_hash,
)
from evalflow.shared.audit.models import AuditChainHead, AuditEntry
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


@functools.cache
def _claim_head(dialect: str) -> DriverStatement:
    return DriverStatement(_CLAIM_HEAD, db.engine.dialect)


@functools.cache
def _sqlite_statements() -> tuple[DriverStatement, DriverStatement]:
    """SQLite: the sealed entry's INSERT (every column bound by name) and the head's move."""
    insert = sa.insert(ENTRY).values(
        {c.key: sa.bindparam(c.key, type_=c.type) for c in ENTRY.columns if c.key != "id"}
    )
    return DriverStatement(insert, db.engine.dialect), DriverStatement(_MOVE_HEAD, db.engine.dialect)


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
    claim = _claim_head(conn.dialect.name)
    claimed = claim.execute(conn, {"head_chain": chain}).first()
    if claimed is None:  # the chain's first entry
        _lock_head(session, chain)
        claimed = claim.execute(conn, {"head_chain": chain}).one()
    seq, prev = int(claimed[0]), str(claimed[1])
    fields.update(seq=seq, prev_hash=prev)
    fields["entry_hash"] = entry_hash(fields)
    move = {"head_chain": chain, "head_seq": seq, "head_hash": fields["entry_hash"]}
    if conn.dialect.name == "postgresql":  # one round trip for both writes
        conn.execute(_INSERT_SEALED_AND_MOVE_HEAD, {**{f"e_{k}": v for k, v in fields.items()}, **move})
    else:  # SQLite has no INSERT inside WITH: two statements, as driver SQL (no round trips to save,
        insert, move_head = _sqlite_statements()  # but SQLAlchemy's per-execution work is the cost)
        insert.execute(conn, fields)
        move_head.execute(conn, move)


# --- PostgreSQL: a whole append in the writing statement ----------------------------------------

FILLED_BY_HEAD = ("prev_hash", "seq")


def ensure_head(chain: int, session: Session | None = None) -> bool:
    """Create the chain's head if it has none — one ``INSERT … ON CONFLICT DO NOTHING``, so two first
    entries of a campaign cannot race; True when it was created."""
    session = session or db.session()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = stands_alone(  # a head at the genesis hash is complete by itself
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


# --- verification ------------------------------------------------------------------------------


# --- the office's log view ---------------------------------------------------------------------
