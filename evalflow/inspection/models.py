"""实地考察's tables: inspection teams, declared conflicts, visits with their members, and photos.

The sheets themselves are the 测评体系's (``score_sheet`` with ``method = 'inspection'`` and a
``visit_id``, one per inspector and visit, its marks in ``sheet_score``); this module gives
``score_sheet.visit_id`` the foreign key the 测评体系 left for it. What the inspector writes beyond
the marks — arrival and departure, people met, a summary, whether they submitted — is their
:class:`VisitMember` row. A sheet's ``submitted_at`` is set when the leader signs: only then does the
composite count it (:mod:`.results`).

Each stored photo and thumbnail names its file with ``stored_name_column`` (so the backup carries
it) next to its size and SHA-256.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from evalflow.assessment.models import ScoreSheet
from evalflow.extensions import db
from evalflow.shared.types import UTCDateTime, stored_name_column, utcnow

__all__ = ["InspectionConflict", "InspectionTeam", "PhotoThumbnail", "TeamMember", "Visit", "VisitMember",
           "VisitPhoto"]  # fmt: skip

DEGREES = sa.Numeric(9, 6)


def _user_fk(ondelete: str | None = None) -> sa.ForeignKey:
    return sa.ForeignKey("user.id", ondelete=ondelete)


class InspectionTeam(db.Model):
    """A 考察组 of a campaign: a name, its members and its leader (the office proposes visits to teams)."""

    __tablename__ = "inspection_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    leader_id: Mapped[int] = mapped_column(_user_fk())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("campaign_id", "name"),)


class TeamMember(db.Model):
    __tablename__ = "inspection_team_member"

    team_id: Mapped[int] = mapped_column(
        sa.ForeignKey("inspection_team.id", ondelete="CASCADE"), primary_key=True
    )
    inspector_id: Mapped[int] = mapped_column(_user_fk("CASCADE"), primary_key=True, index=True)


class InspectionConflict(db.Model):
    """A conflict of interest the office declared: this inspector never inspects this unit."""

    __tablename__ = "inspection_conflict"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    inspector_id: Mapped[int] = mapped_column(_user_fk("CASCADE"), index=True)
    note: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("unit_id", "inspector_id"),
        sa.CheckConstraint("length(note) > 0", name="has_note"),
    )


class Visit(db.Model):
    """A team's visit to one unit at a time. ``announced``: the unit is told beforehand (else 暗访,
    hidden from it until signed). ``signed_at`` locks the visit's sheets."""

    __tablename__ = "visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inspection_team.id", ondelete="SET NULL"))
    leader_id: Mapped[int] = mapped_column(_user_fk())
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    announced: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by: Mapped[int | None] = mapped_column(_user_fk("SET NULL"))


class VisitMember(db.Model):
    """An inspector on a visit, with what they write besides the marks. ``revision``: the device-made
    id of the last sheet revision applied (the same revision sent again changes nothing)."""

    __tablename__ = "visit_member"

    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visit.id", ondelete="CASCADE"), primary_key=True)
    inspector_id: Mapped[int] = mapped_column(_user_fk(), primary_key=True, index=True)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    people_met: Mapped[str] = mapped_column(sa.Text, default="")
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    revision: Mapped[str | None] = mapped_column(sa.String(36))
    started: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint(
            "left_at IS NULL OR arrived_at IS NULL OR left_at >= arrived_at", name="left_after"
        ),
    )


class VisitPhoto(db.Model):
    """A photo an inspector took for one leaf, re-encoded without metadata. ``taken_at`` and the GPS
    position come from the camera's EXIF (kept here, never in the file); ``received_at`` is the
    server's. ``client_id``: the device's id for it, so a photo sent twice is stored once."""

    __tablename__ = "visit_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visit.id", ondelete="CASCADE"), index=True)
    inspector_id: Mapped[int] = mapped_column(_user_fk(), index=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicator.id"), index=True)
    client_id: Mapped[str | None] = mapped_column(sa.String(36))
    stored_name: Mapped[str] = stored_name_column()
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    latitude: Mapped[Decimal | None] = mapped_column(DEGREES)
    longitude: Mapped[Decimal | None] = mapped_column(DEGREES)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("visit_id", "client_id"),
        sa.CheckConstraint("size >= 0", name="size_nonnegative"),
        sa.CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="position_whole"),
    )


class PhotoThumbnail(db.Model):
    """The small copy of a photo shown on the sheet, the office's pages and the PDF."""

    __tablename__ = "visit_photo_thumbnail"

    photo_id: Mapped[int] = mapped_column(
        sa.ForeignKey("visit_photo.id", ondelete="CASCADE"), primary_key=True
    )
    stored_name: Mapped[str] = stored_name_column()
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))


# The key the 测评体系 left open: an inspection sheet belongs to a visit, and goes with it.
ScoreSheet.__table__.append_constraint(
    sa.ForeignKeyConstraint(
        ["visit_id"], ["visit.id"], name="fk_score_sheet_visit_id_visit", ondelete="CASCADE"
    )
)
