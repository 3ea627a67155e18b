"""Training (集中培训): the session itself, each unit's attendance, and the shared Q&A."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from evalflow.extensions import db
from evalflow.shared.types import UTCDateTime, str_enum, utcnow
from evalflow.training.rules import AttendanceStatus

__all__ = ["Attendance", "AttendanceStatus", "FaqEntry", "Training"]


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
