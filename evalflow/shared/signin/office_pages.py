"""Office accounts (文明办账号): list, add, disable and enable. Disabling ends every session at once."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from evalflow.shared.accounts import service as accounts
from evalflow.shared.errors import DomainError
from evalflow.shared.signin.forms import AccountForm
from evalflow.shared.web import current_actor
from evalflow.shared.web.decorators import office_only
from evalflow.shared.web.feedback import flash_failure, show_on_form
from evalflow.shared.web.forms import EmptyForm

bp = Blueprint("accounts", __name__, url_prefix="/office/accounts")


@bp.route("/", methods=["GET", "POST"])
@office_only
def index() -> str | Response | tuple[str, int]:
    actor = current_actor()
    form = AccountForm()
    if form.validate_on_submit():
        try:
            accounts.add_office_account(
                actor, form.username.data or "", form.password.data or "", form.display_name.data or ""
            )
        except DomainError as exc:
            show_on_form(form, exc, under="username")
        else:
            flash(_("账号已创建。"), "success")
            return redirect(url_for("accounts.index"))
    users = accounts.office_accounts(actor)
    status = 400 if form.errors else 200
    return render_template("office/accounts.html", users=users, form=form, toggle=EmptyForm()), status


@bp.route("/<int:user_id>/active", methods=["POST"])
@office_only
def toggle(user_id: int) -> Response:
    actor = current_actor()
    user = accounts.office_account(actor, user_id)
    if EmptyForm().validate_on_submit():
        try:
            accounts.set_active(user, not user.active, actor)
        except DomainError as exc:
            flash_failure(exc)
        else:
            flash(_("账号已启用。") if user.active else _("账号已停用,其所有登录会话已结束。"), "success")
    return redirect(url_for("accounts.index"))
