"""The 综合测评's one table: the seal of every composite source, taken with the tally's seal."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from evalflow.extensions import db
from evalflow.shared.types import UTCDateTime, utcnow


class CompositeSeal(db.Model):
    """The digest of every composite input (review/seal_rules.py) when the briefing moved to review,
    with the number of units and the tally seal's ballots digest it chains."""

    __tablename__ = "composite_seal"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), unique=True)
    digest: Mapped[str] = mapped_column(sa.String(64))
    units: Mapped[int] = mapped_column()
    ballots_digest: Mapped[str] = mapped_column(sa.String(64))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.CheckConstraint("length(digest) = 64", name="digest_length"),)


class LeafTotal(db.Model):
    """Per unit and leaf, the counted marks: how many, their sum, the lowest and the highest, in
    millionths of a point. Kept by the database's triggers (review/leaf_totals.py, which also installs them
    after ``db.create_all``), never written by the services; derived, so backups leave it out and a restore rebuilds it."""

    __tablename__ = "leaf_total"

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        sa.ForeignKey("indicator.id", ondelete="CASCADE"), primary_key=True
    )
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    marks: Mapped[int] = mapped_column()
    total: Mapped[int] = mapped_column(sa.BigInteger)
    low: Mapped[int] = mapped_column(sa.BigInteger)
    high: Mapped[int] = mapped_column(sa.BigInteger)

    __table_args__ = (
        sa.CheckConstraint("marks > 0", name="marks_positive"),
        {"info": {"derived": True}},
    )
