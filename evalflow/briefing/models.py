"""The briefing's tables: presentations and their order, ballots, paper double entry.

The delegates' seats are :class:`evalflow.shared.campaigns.models.Seat` (every phase may name them)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from evalflow.briefing.rules import BallotSource, PresentationState
from evalflow.extensions import db
from evalflow.shared.types import UTCDateTime, str_enum, utcnow


class Presentation(db.Model):
    """A unit's presentation at the briefing and whether its scoring is open."""

    __tablename__ = "presentation"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"), unique=True)
    status: Mapped[PresentationState] = mapped_column(
        str_enum(PresentationState, "presentation_status"), default=PresentationState.PENDING
    )
    # Place in the agenda (1 = first); set by hand or drawn by lot, fixed once one has opened.
    position: Mapped[int | None] = mapped_column()
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optional countdown: after this moment the server refuses ballots even if nobody clicked close.
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "position", name="uq_presentation_position"),
        sa.CheckConstraint("position IS NULL OR position >= 1", name="presentation_position_positive"),
        # At most one presentation of a campaign is open at a time, enforced by the database.
        sa.Index(
            "uq_presentation_one_open",
            "campaign_id",
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        ),
    )


class Ballot(db.Model):
    """One seat's grade for one unit; re-sending replaces it (upsert on the unique pair)."""

    __tablename__ = "ballot"

    id: Mapped[int] = mapped_column(primary_key=True)
    seat_id: Mapped[int] = mapped_column(sa.ForeignKey("seat.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    grade: Mapped[str] = mapped_column(sa.String(20))
    # The grade before the last write, set by the upsert itself so the audit sees the exact change.
    previous_grade: Mapped[str | None] = mapped_column(sa.String(20))
    source: Mapped[BallotSource] = mapped_column(
        str_enum(BallotSource, "ballot_source"), default=BallotSource.ONLINE, server_default="online"
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.UniqueConstraint("seat_id", "unit_id"),)


class BriefingDraw(db.Model):
    """The drawing of lots (抽签) that fixed a campaign's presentation order: seed and algorithm.

    Anyone can recompute the order from ``seed``, ``algorithm`` and ``unit_ids`` (see
    :func:`evalflow.briefing.rules.draw_order`). A hand-set order removes the drawing.
    """

    __tablename__ = "briefing_draw"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), unique=True)
    seed: Mapped[str] = mapped_column(sa.String(64))
    algorithm: Mapped[str] = mapped_column(sa.String(40))
    unit_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    drawn_by: Mapped[str] = mapped_column(sa.String(120), default="")
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PaperEntry(db.Model):
    """One clerk's keying of one box of a paper 评定表 (double entry: clerk 1 and clerk 2)."""

    __tablename__ = "paper_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    seat_id: Mapped[int] = mapped_column(sa.ForeignKey("seat.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"))
    clerk: Mapped[int] = mapped_column()
    grade: Mapped[str] = mapped_column(sa.String(20))
    entered_by: Mapped[str] = mapped_column(sa.String(120), default="")
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("seat_id", "unit_id", "clerk", name="uq_paper_entry"),
        sa.CheckConstraint("clerk IN (1, 2)", name="paper_entry_clerk"),
    )
