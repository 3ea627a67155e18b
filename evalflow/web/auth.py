"""Sign in and out of the HTML interface (Flask-Login sessions, CSRF on every form)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from ..domain.access import Role
from ..domain.errors import Unauthenticated
from ..extensions import limiter
from ..i18n import tr
from ..services import accounts
from . import current_actor
from .forms import EmptyForm, LoginForm

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_for(role: Role) -> str:
    return url_for("office.dashboard") if role is Role.OFFICE else url_for("unit.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(home_for(current_user.role))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.username.data or "", form.password.data or "")
        except Unauthenticated as exc:
            form.password.errors = [tr(exc.message)]
        else:
            login_user(user)
            return redirect(_safe_next(form.next.data) or home_for(user.role))
    return render_template(
        "auth/login.html", form=form
    ), 200 if request.method == "GET" or not form.errors else 400


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    form = EmptyForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        accounts.end_sessions(current_user, current_actor())
        logout_user()
        flash(_("您已安全退出。"), "success")
    return redirect(url_for("public.index"))
