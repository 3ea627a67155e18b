"""Report intake (申报): applications, their submitted versions, and veto records."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evalflow.extensions import db
from evalflow.intake.rules import ApplicationStatus
from evalflow.shared.campaigns.models import Unit
from evalflow.shared.types import UTCDateTime, str_enum, utcnow


class Application(db.Model):
    """A unit's application (申报材料): the working copy; each submission is kept as a version."""

    __tablename__ = "application"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"), unique=True)
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus, "application_status"), default=ApplicationStatus.DRAFT
    )
    report_title: Mapped[str] = mapped_column(sa.String(200), default="")
    report_text: Mapped[str] = mapped_column(sa.Text, default="")
    review_comment: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship(back_populates="application")


class ApplicationVersion(db.Model):
    """A frozen copy of the application at each submission."""

    __tablename__ = "application_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    report_title: Mapped[str] = mapped_column(sa.String(200))
    report_text: Mapped[str] = mapped_column(sa.Text)
    attachment_names: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("application_id", "number"),)


class VetoIncident(db.Model):
    """A disqualifying incident (一票否决) recorded against a unit."""

    __tablename__ = "veto_incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(60))
    occurred_on: Mapped[date] = mapped_column(sa.Date)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    evidence_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_file.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Withdrawn by the office (recorded in error): kept, but no longer counts.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_reason: Mapped[str | None] = mapped_column(sa.Text, default="", server_default="")
