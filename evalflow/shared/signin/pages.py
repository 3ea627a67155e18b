"""Sign in and out of the HTML interface (Flask-Login sessions, CSRF on every form)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from evalflow.shared.access import Role
from evalflow.shared.accounts import service as accounts
from evalflow.shared.errors import RateLimited, Unauthenticated
from evalflow.shared.signin.forms import LoginForm
from evalflow.shared.web import current_actor
from evalflow.shared.web.feedback import show_on_form
from evalflow.shared.web.forms import EmptyForm

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    # browsers read "/\\evil.example" as "//evil.example"; control characters have no place here
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    return target


# Where each kind of account lands after signing in (reviewers and inspectors: their assignments).
HOMES = {
    Role.OFFICE: "office.dashboard",
    Role.UNIT: "unit.home",
    Role.REVIEWER: "assessor.home",
    Role.INSPECTOR: "inspector.home",
}


def home_for(role: Role) -> str:
    return url_for(HOMES[role])


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int, dict[str, str]]:
    """Only failed attempts are throttled (per account and per address, in the service), so a
    training venue can sign in every unit from one address."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user.role))
    form = LoginForm(next=request.args.get("next", ""))
    headers: dict[str, str] = {}
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.username.data or "", form.password.data or "")
        except RateLimited as exc:
            show_on_form(form, exc, under="password")
            status, headers = 429, {"Retry-After": str(exc.retry_after)}
        except Unauthenticated as exc:
            show_on_form(form, exc, under="password")
        else:
            login_user(user)
            return redirect(_safe_next(form.next.data) or home_for(user.role))
    if request.method == "POST" and form.errors and status == 200:
        status = 400
    return render_template("auth/login.html", form=form), status, headers


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    form = EmptyForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        accounts.end_sessions(current_user, current_actor())
        logout_user()
        flash(_("您已安全退出。"), "success")
    return redirect(url_for("public.index"))
