"""The audit trail: every state change of the product is recorded here, in the same transaction.

The log is append-only and hash-chained, one chain per campaign (domain/audit_chain.py,
docs/audit.md). Appends to a chain are serialized on its head row in ``audit_chain_head``:

* the head row is created if missing with an ``INSERT … ON CONFLICT DO NOTHING`` (one statement,
  safe when two requests race for a new campaign's first entry);
* on SQLite that INSERT is a write, so the connection now holds the database's single writer lock
  until the request commits (the effect of ``BEGIN IMMEDIATE``): nobody else can append meanwhile,
  and the following read sees the latest head;
* on PostgreSQL the head is then read with ``SELECT … FOR UPDATE``: a concurrent append to the same
  chain waits for this transaction to end and then reads the new head (READ COMMITTED).

The entry is inserted with ``seq = head.seq + 1`` and ``prev_hash = head.hash``, then the head moves.
``UNIQUE (chain, seq)`` is the database's last word: should the lock ever be bypassed, a racing
append fails instead of forking the chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..domain.access import Action, Actor, can
from ..domain.audit_chain import GENESIS, Break, chain_of, check_chain, entry_hash
from ..domain.errors import Forbidden
from ..extensions import db
from ..models import Application, AuditChainHead, AuditEntry, Seat, Unit, User
from ..models.types import utcnow

HEAD = AuditChainHead.__table__
COLUMNS = tuple(column.key for column in AuditEntry.__table__.columns)


def _lock_head(chain: int) -> tuple[int, str]:
    """Create the chain's head if missing and lock it until the transaction ends; return it."""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    db.session.execute(
        insert(HEAD).values(chain=chain, seq=0, hash=GENESIS).on_conflict_do_nothing(index_elements=["chain"])
    )
    stmt = sa.select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.chain == chain).with_for_update()
    seq, last = db.session.execute(stmt).one()
    return int(seq), str(last)


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
    chain = chain_of(campaign_id)
    head_seq, head_hash = _lock_head(chain)
    entry = AuditEntry(
        chain=chain,
        seq=head_seq + 1,
        prev_hash=head_hash,
        created_at=utcnow(),
        campaign_id=campaign_id,
        actor_user_id=actor.user_id,
        actor_label=actor.label or actor.role.value,
        action=action,
        subject_type=subject[0],
        subject_id=subject[1],
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data or {},
    )
    entry.entry_hash = entry_hash(fields_of(entry))
    db.session.add(entry)
    db.session.flush()
    db.session.execute(
        sa.update(HEAD).where(HEAD.c.chain == chain).values(seq=entry.seq, hash=entry.entry_hash)
    )
    return entry


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
    stmt = sa.select(table).where(table.c.chain == chain).order_by(table.c.seq)
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
