"""How an HTML view reports a failure: undo what it wrote, then say every reason.

Every HTML view that fails (a refused form, a refused use case) goes through these two functions,
so the database is rolled back, each reason reaches the user, and the view can render the form
again with the user's input.
"""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from ..domain.errors import DomainError
from ..extensions import db
from ..i18n import describe
from .forms import error_list


def flash_failure(exc: DomainError) -> None:
    """Roll back whatever the failed step flushed (the request would otherwise commit it with its
    redirect), then flash the reason in the user's language."""
    db.session.rollback()
    flash(describe(exc), "error")


def flash_form(form: FlaskForm) -> None:
    """A form refused before any service ran: roll back as well, and flash every field's problem
    (or that the page expired, when only the CSRF token failed)."""
    db.session.rollback()
    flash(" ".join(error_list(form)), "error")
