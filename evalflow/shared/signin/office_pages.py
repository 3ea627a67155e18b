"""Accounts the office manages (文明办账号, 评审专家, 考察组成员): list, add, disable and enable.
Disabling ends every session at once."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from evalflow.shared.access import Role
from evalflow.shared.accounts import assessors
from evalflow.shared.accounts import service as accounts
from evalflow.shared.errors import DomainError
from evalflow.shared.i18n import tr
from evalflow.shared.signin.forms import AccountForm, AssessorForm
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
    return _page(form, assessor_form()), 400 if form.errors else 200


def assessor_form(submitted: bool = False) -> AssessorForm:
    """The reviewer/inspector form; its units are grouped by campaign (``<optgroup>``)."""
    form = AssessorForm() if submitted else AssessorForm(formdata=None)
    choices = [SelectChoice("", _("不在申报单位工作"))]
    for group, units in assessors.affiliation_choices():
        choices += [SelectChoice(str(uid), name, optgroup=group) for uid, name in units]
    form.unit.choices = choices
    return form


def _page(form: AccountForm, staff_form: AssessorForm) -> str:
    actor = current_actor()
    staff = assessors.assessor_accounts(actor)
    return render_template(
        "office/accounts.html",
        users=accounts.office_accounts(actor),
        staff=staff,
        affiliations=assessors.affiliations(staff),
        role_labels={r: tr(label) for r, label in assessors.ROLE_LABELS.items()},
        form=form,
        staff_form=staff_form,
        toggle=EmptyForm(),
    )


@bp.route("/assessors", methods=["POST"])
@office_only
def add_assessor() -> str | Response | tuple[str, int]:
    """A reviewer's or inspector's account, with the unit they work for (never assigned to it)."""
    form = assessor_form(submitted=True)
    if form.validate_on_submit():
        unit = form.unit.data or None
        try:
            assessors.add_assessor(
                current_actor(),
                form.username.data or "",
                form.password.data or "",
                form.name.data or "",
                Role(form.role.data),
                int(unit) if unit else None,
            )
        except DomainError as exc:
            show_on_form(form, exc)
        else:
            flash(_("账号已创建。"), "success")
            return redirect(url_for("accounts.index"))
    return _page(AccountForm(formdata=None), form), 400


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
