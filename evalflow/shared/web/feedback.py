"""How an HTML view reports a failure: undo what it wrote, then say every reason.

Every HTML view that fails (a refused form, a refused use case) goes through these functions, so
the database is rolled back, each reason reaches the user, and the view can render the form again
with the user's input. A view never rolls back or commits by itself (the request's one commit is
``database.register_request_commit``); ``tests/unit/test_views_report_failures.py`` checks it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, flash
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from evalflow.extensions import db
from evalflow.shared.errors import DomainError
from evalflow.shared.i18n import describe, tr, tr_all
from evalflow.shared.web.drain import mark_too_large
from evalflow.shared.web.forms import error_list

T = TypeVar("T")
Refusal = TypeVar("Refusal", bound=DomainError)


def flash_failure(exc: DomainError) -> None:
    """Roll back whatever the failed step flushed (the request would otherwise commit it with its
    redirect), then flash the reason in the user's language."""
    db.session.rollback()
    flash(describe(exc), "error")


def flash_form(form: FlaskForm) -> None:
    """A form refused before any service ran: roll back as well, and flash every field's problem
    (or that the page expired, when no field names one)."""
    db.session.rollback()
    flash(" ".join(error_list(form)) or _("页面已过期,请刷新后重试。"), "error")


def flash_stale() -> None:
    """A form whose CSRF token no longer matches (an old tab, a new session)."""
    db.session.rollback()
    flash(_("页面已过期,请刷新后重试。"), "error")


def flash_too_large() -> None:
    """An upload over ``MAX_FILE_MB`` (Werkzeug refused the body before the view ran): the rest of
    the body is read before answering (shared/web/drain.py), so a plain form's browser sees the message."""
    db.session.rollback()
    mark_too_large()
    flash(_("文件过大:单个文件不能超过 %(mb)d MB。", mb=current_app.config["MAX_FILE_MB"]), "error")


def place_on_form(form: FlaskForm, exc: DomainError) -> list[str]:
    """Roll back, put each field's reasons under that field, and return what no field shows — the
    message with the other reasons; empty when the fields say it all — for a page that lists them
    itself (the public objection form, the scale editor)."""
    db.session.rollback()
    unplaced: list[str] = []
    for name, reasons in exc.fields.items():
        if name in form:
            form[name].errors = tr_all(reasons)
        else:
            unplaced += tr_all(reasons)
    rest = [*unplaced, *tr_all(exc.reasons)]
    return [tr(exc.message), *rest] if rest or not exc.fields else []


def show_on_form(form: FlaskForm, exc: DomainError, under: str | None = None) -> None:
    """A use case refused a form that the view renders again (keeping the input): roll back, put
    each field's reasons under that field, and flash the message with whatever no field shows — or
    put that under the field *under* (the sign-in form says a wrong password under the password)."""
    rest = place_on_form(form, exc)
    if rest and under is not None:
        form[under].errors = [*form[under].errors, *rest]
    elif rest:
        flash(" ".join(rest), "error")


def undo(exc: Refusal) -> Refusal:
    """Roll back what the refused step flushed and hand the refusal back, for a page that says it
    its own way: the seat page carries its code in the URL (a delegate's phone keeps no session to
    flash in), the import page lists the refused rows."""
    db.session.rollback()
    return exc


def attempt(step: Callable[[], T], success: str | Callable[[T], str]) -> bool:
    """Run one use case for an HTML view: on a refusal roll back and flash every reason (see
    :func:`flash_failure`); else flash *success* (a sentence, or one made from the result).
    Returns whether it succeeded, so the view can choose where to go."""
    try:
        result = step()
    except DomainError as exc:
        flash_failure(exc)
        return False
    flash(success(result) if callable(success) else success, "success")
    return True
