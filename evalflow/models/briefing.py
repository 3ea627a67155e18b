"""Training attendance, the shared Q&A, delegations (seats), presentations and ballots."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.briefing import BallotSource
from ..domain.training import AttendanceStatus, SeatRole
from ..extensions import db
from .types import UTCDateTime, str_enum, utcnow


class PresentationStatus(enum.StrEnum):
    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"


class Training(db.Model):
    """The all-applicants training (集中培训) of a campaign: when, where, what is covered."""

    __tablename__ = "training"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), unique=True)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    agenda: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    checkin_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    checkin_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Attendance(db.Model):
    """A unit's attendance at the all-applicants training (集中培训)."""

    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"), unique=True)
    status: Mapped[AttendanceStatus] = mapped_column(str_enum(AttendanceStatus, "attendance_status"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.CheckConstraint("status <> 'excused' OR length(note) > 0", name="excuse_has_note"),)


class FaqEntry(db.Model):
    """A question and its answer, shared with every unit of the campaign (信息共享)."""

    __tablename__ = "faq_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(sa.Text)
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    asked_by_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Seat(db.Model):
    """One of a unit's three delegates at the briefing; authenticates with a hashed token."""

    __tablename__ = "seat"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    role: Mapped[SeatRole] = mapped_column(str_enum(SeatRole, "seat_role"))
    name: Mapped[str] = mapped_column(sa.String(60))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("unit_id", "role"),)


class Presentation(db.Model):
    """A unit's presentation at the briefing and whether its scoring is open."""

    __tablename__ = "presentation"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"), unique=True)
    status: Mapped[PresentationStatus] = mapped_column(
        str_enum(PresentationStatus, "presentation_status"), default=PresentationStatus.PENDING
    )
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
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
    source: Mapped[BallotSource] = mapped_column(
        str_enum(BallotSource, "ballot_source"), default=BallotSource.ONLINE, server_default="online"
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.UniqueConstraint("seat_id", "unit_id"),)
