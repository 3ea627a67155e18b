"""Checking the audit chains again from the stored entries (``flask verify-audit``, backups)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared.audit.chain import (
    GENESIS,
    Break,
    check_chain,
)
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.audit.record import ENTRY, HEAD


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
