"""Accounts: office, unit, reviewer and inspector users, and the bearer tokens of the API."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from evalflow.extensions import db
from evalflow.shared.access import Role
from evalflow.shared.types import UTCDateTime, str_enum, utcnow


def username_key(username: str) -> str:
    """The form a username is compared in: stripped and lower-cased (as SQL ``lower()`` does)."""
    return username.strip().lower()


class User(db.Model):
    """A person or unit that signs in with a password. Seats are not users: they hold a token."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    # The username in lower case, UNIQUE: ``ADMIN`` cannot be created next to ``admin``, and
    # sign-in finds the account whatever the case typed. Kept in step by :meth:`_set_key`.
    username_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    # A reviewer's or inspector's employer among the applicant units (never acted for: that is
    # ``unit_id``, a unit's own login); such a person is never assigned to score that unit.
    affiliation_unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("unit.id", ondelete="SET NULL"), index=True
    )
    display_name: Mapped[str] = mapped_column(sa.String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit = relationship("Unit", foreign_keys=[unit_id])

    __table_args__ = (
        sa.CheckConstraint("role IN ('office', 'unit', 'reviewer', 'inspector')", name="login_role"),
        sa.CheckConstraint("(role = 'unit') = (unit_id IS NOT NULL)", name="unit_user_has_unit"),
        sa.CheckConstraint(
            "affiliation_unit_id IS NULL OR role IN ('reviewer', 'inspector')", name="affiliation_of_assessor"
        ),
    )

    @validates("username")
    def _set_key(self, _key: str, value: str) -> str:
        self.username_key = username_key(value)
        return value

    # Flask-Login protocol. The id carries the session version so that bumping it (logout,
    # disabling the account, a password reset) ends every session already issued.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class ApiToken(db.Model):
    """A bearer token of the API; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    session_version: Mapped[int] = mapped_column(default=1)

    user: Mapped[User] = relationship()
