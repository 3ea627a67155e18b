"""The audit trail's tables: hash-chained entries and each chain's head."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from evalflow.extensions import db
from evalflow.shared.types import UTCDateTime, utcnow


class AuditEntry(db.Model):
    """Who did what, when, from which state to which, and why. Append-only and hash-chained:
    ``entry_hash`` covers the entry's content and ``prev_hash`` (see shared/audit/chain.py and
    docs/audit.md); ``chain`` is the campaign id, 0 for entries outside any campaign."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[int] = mapped_column()
    # Empty until the transaction that wrote the entry seals it, just before it commits.
    seq: Mapped[int | None] = mapped_column()
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    entry_hash: Mapped[str | None] = mapped_column(sa.String(64))
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(sa.String(120), default="")
    action: Mapped[str] = mapped_column(sa.String(60))
    subject_type: Mapped[str] = mapped_column(sa.String(40), default="")
    subject_id: Mapped[int | None] = mapped_column()
    from_state: Mapped[str | None] = mapped_column(sa.String(40))
    to_state: Mapped[str | None] = mapped_column(sa.String(40))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    __table_args__ = (
        sa.UniqueConstraint("chain", "seq"),
        sa.CheckConstraint("seq >= 1", name="seq_positive"),
        sa.CheckConstraint(
            "(seq IS NULL AND prev_hash IS NULL AND entry_hash IS NULL)"
            " OR (seq IS NOT NULL AND prev_hash IS NOT NULL AND entry_hash IS NOT NULL)",
            name="sealed_whole",
        ),
    )


class AuditChainHead(db.Model):
    """The last link of each audit chain. Appending locks this row, so appends never fork a chain;
    no foreign key, so the head outlives a deleted campaign and betrays the deletion."""

    __tablename__ = "audit_chain_head"

    chain: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(sa.String(64))
    # The hash the head held before its last move: a single-statement append reads it back with
    # RETURNING as its entry's prev_hash (shared/audit/record.py, appending). NULL before the first move.
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
