"""The public notice (公示) of the proposed list and the objections (异议) filed against it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from evalflow.extensions import db
from evalflow.notice.rules import ObjectionFileRole, ObjectionState, ObjectorKind
from evalflow.shared.types import UTCDateTime, stored_name_column, str_enum, utcnow


class CalendarDay(db.Model):
    """The office's table of extra days: a holiday or a make-up working day the library does not know
    (or gets wrong). Overrides ``chinese-calendar`` for that date."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(sa.Boolean)
    note: Mapped[str] = mapped_column(sa.String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Notice(db.Model):
    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    contact: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Set by the review → notice transition; a notice without it is a draft and is never public.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # True when the office gave no start date: the period then starts on the day it is published.
    starts_on_default: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (sa.CheckConstraint("ends_on >= starts_on", name="notice_dates_ordered"),)


class NoticeUnit(db.Model):
    __tablename__ = "notice_unit"

    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("notice.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)


# A resolved objection has its time; an unresolved one has none (migration 0019 writes the same).
RESOLVED_CONSISTENT = (
    "(state IN ('received', 'investigating') AND resolved_at IS NULL)"
    " OR (state IN ('upheld', 'dismissed') AND resolved_at IS NOT NULL)"
)
INVESTIGATING_SINCE = "state <> 'investigating' OR investigating_at IS NOT NULL"


class Objection(db.Model):
    __tablename__ = "objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("notice.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"))
    kind: Mapped[ObjectorKind] = mapped_column(
        str_enum(ObjectorKind, "objector_kind"), default=ObjectorKind.INDIVIDUAL, server_default="individual"
    )
    # An individual's real name, or the objecting unit's name.
    name: Mapped[str] = mapped_column(sa.String(60))
    # The contact person of an objecting unit ('' for an individual).
    contact_name: Mapped[str] = mapped_column(sa.String(60), default="", server_default="")
    phone: Mapped[str] = mapped_column(sa.String(40))
    email: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    content: Mapped[str] = mapped_column(sa.Text)
    receipt: Mapped[str] = mapped_column(sa.String(40), unique=True)
    state: Mapped[ObjectionState] = mapped_column(
        str_enum(ObjectionState, "objection_state"), default=ObjectionState.RECEIVED
    )
    # When the office started investigating (kept once resolved).
    investigating_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_due_on: Mapped[date | None] = mapped_column(sa.Date)
    reply: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint(RESOLVED_CONSISTENT, name="objection_resolved_consistent"),
        sa.CheckConstraint(INVESTIGATING_SINCE, name="objection_investigating_since"),
    )


class ObjectionFile(db.Model):
    """A file sent with an objection: the objecting unit's seal image, or evidence. Checked by the
    same intake checks as every upload (``shared.files.store.receive``)."""

    __tablename__ = "objection_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(sa.ForeignKey("objection.id", ondelete="CASCADE"), index=True)
    role: Mapped[ObjectionFileRole] = mapped_column(str_enum(ObjectionFileRole, "objection_file_role"))
    filename: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = stored_name_column()
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
