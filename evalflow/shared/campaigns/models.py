"""The campaign (评选活动), its applicant units (申报单位) and their delegates' seats (代表席位).

Every phase reads these; the tables of each phase live in its own package."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evalflow.extensions import db
from evalflow.shared.campaigns.rules import SeatRole
from evalflow.shared.campaigns.scale import DEFAULT_SCALE, Grade, scale_from_json, scale_to_json
from evalflow.shared.phases import Phase
from evalflow.shared.types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:  # the application is intake's table; the relationship is resolved by name
    from evalflow.intake.models import Application


def _default_scale() -> list[dict[str, Any]]:
    return scale_to_json(DEFAULT_SCALE)


class Campaign(db.Model):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Written only by shared.campaigns.transitions.advance_phase (compare-and-set).
    phase: Mapped[Phase] = mapped_column(str_enum(Phase, "campaign_phase"), default=Phase.DRAFT)
    notice_working_days: Mapped[int] = mapped_column(default=5)
    scale_json: Mapped[list[dict[str, Any]]] = mapped_column("scale", sa.JSON, default=_default_scale)
    intake_deadline: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.CheckConstraint("notice_working_days BETWEEN 1 AND 60", name="notice_days_range"),)

    @property
    def scale(self) -> tuple[Grade, ...]:
        return scale_from_json(self.scale_json)


class Unit(db.Model):
    """An applicant unit (申报单位) of one campaign."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    category: Mapped[str] = mapped_column(sa.String(60), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(60), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    # False while a self-registered unit waits for the office's approval (migration 0002).
    approved: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application | None] = relationship(back_populates="unit", uselist=False)

    __table_args__ = (sa.UniqueConstraint("campaign_id", "name"),)


class Seat(db.Model):
    """One of a unit's three delegates at the briefing; authenticates with a hashed token."""

    __tablename__ = "seat"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    role: Mapped[SeatRole] = mapped_column(str_enum(SeatRole, "seat_role"))
    name: Mapped[str] = mapped_column(sa.String(60))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The card's token is HMAC(secret key, "seat:<id>:<token_version>"); only a reissue bumps it.
    token_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("unit_id", "role"),)
