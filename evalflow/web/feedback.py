"""How an HTML view reports a failed use case: undo what it wrote, then say why."""

from __future__ import annotations

from flask import flash

from ..domain.errors import DomainError
from ..extensions import db
from ..i18n import describe


def flash_failure(exc: DomainError) -> None:
    """Roll back whatever the failed step flushed (the request would otherwise commit it with its
    redirect), then flash the reason in the user's language."""
    db.session.rollback()
    flash(describe(exc), "error")
