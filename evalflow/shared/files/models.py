"""A stored file: its generated name on disk, the original name, size, type and SHA-256."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from evalflow.extensions import db
from evalflow.shared.types import UTCDateTime, stored_name_column, utcnow


class StoredFile(db.Model):
    """An uploaded file: stored under a generated name, the original name kept for display."""

    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(sa.String(20))
    filename: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = stored_name_column()
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    page_count: Mapped[int | None] = mapped_column(sa.Integer)  # of a PDF, counted on upload

    __table_args__ = (
        sa.CheckConstraint("purpose IN ('attachment', 'training', 'veto_evidence')", name="file_purpose"),
        sa.CheckConstraint("size >= 0", name="file_size_nonnegative"),
        # The same contents twice in one application's attachments is a mistake.
        sa.Index(
            "uq_stored_file_attachment_sha256",
            "application_id",
            "sha256",
            unique=True,
            sqlite_where=sa.text("purpose = 'attachment'"),
            postgresql_where=sa.text("purpose = 'attachment'"),
        ),
    )
