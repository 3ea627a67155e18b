"""The applicant unit's portal (申报单位): its campaign, its application, the shared Q&A; and the
public self-registration page. Views are thin: each calls one service and renders or redirects."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from evalflow.extensions import db, limiter
from evalflow.intake import applications as intake
from evalflow.intake import units
from evalflow.intake.forms import ApplicationForm, FileForm, RegistrationForm
from evalflow.intake.rules import EDITABLE, MAX_REPORT, STATUS_LABELS, ApplicationStatus, outline
from evalflow.shared.access import Action, can
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.errors import DomainError
from evalflow.shared.files import store as files
from evalflow.shared.i18n import tr
from evalflow.shared.phases import Phase
from evalflow.shared.web import current_actor
from evalflow.shared.web.decorators import unit_only
from evalflow.shared.web.feedback import (
    attempt,
    flash_form,
    flash_stale,
    flash_too_large,
    show_on_form,
)

bp = Blueprint("unit", __name__, url_prefix="/unit")


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(_exc: RequestEntityTooLarge) -> Response:
    flash_too_large()
    return redirect(url_for("unit.home"), 303)


def _mine() -> tuple[Unit, Campaign]:
    unit = db.session.get(Unit, current_user.unit_id)
    return unit, db.session.get(Campaign, unit.campaign_id)


def upload_limits() -> dict[str, int]:
    return {"max_file_bytes": files.max_file_bytes(), "max_file_mb": int(current_app.config["MAX_FILE_MB"])}


@bp.route("/")
@unit_only
def home() -> str:
    unit, campaign = _mine()
    application = intake.peek_application(unit)
    status = ApplicationStatus(application.status) if application else ApplicationStatus.DRAFT
    form = ApplicationForm(obj=application) if application else ApplicationForm()
    text = application.report_text if application else ""
    return render_template(
        "unit/home.html",
        unit=unit,
        campaign=campaign,
        application=application,
        status=status,
        status_label=STATUS_LABELS[status],
        editable=status in EDITABLE and can(current_actor(), Action.APPLICATION_EDIT, phase=campaign.phase),
        form=form,
        file_form=FileForm(),
        outline=outline(text),
        attachments=intake.attachments(application),
        versions=intake.versions(current_actor(), campaign, unit.id),
        max_report=MAX_REPORT,
        **upload_limits(),
    )


def _back() -> Response:
    return redirect(url_for("unit.home"), 303)


def _run(step: Any, success: str) -> Response:
    """Run one service call; flash its outcome; always return to the portal."""
    attempt(step, success)
    return _back()


@bp.route("/application", methods=["POST"])
@unit_only
def save() -> Response:
    unit, campaign = _mine()
    form = ApplicationForm()
    if not form.validate_on_submit():
        flash_form(form)
        return _back()
    data = {"report_title": form.report_title.data or "", "report_text": form.report_text.data or ""}
    if request.form.get("then") == "submit":
        return _run(lambda: (intake.save_draft(current_actor(), campaign, unit.id, data),
                             intake.submit(current_actor(), campaign, unit.id)),
                    _("申报材料已提交,请等待文明办审核。"))  # fmt: skip
    return _run(lambda: intake.save_draft(current_actor(), campaign, unit.id, data), _("草稿已保存。"))


@bp.route("/application/docx", methods=["POST"])
@unit_only
def import_docx() -> Response:
    unit, campaign = _mine()
    form = FileForm()
    if not form.validate_on_submit():
        flash_stale()
        return _back()
    attempt(
        lambda: intake.import_docx(current_actor(), campaign, unit.id, form.file.data),
        lambda imported: " ".join(
            [_("已从 Word 文件读取正文,请核对下方内容和提纲后再提交。"), *(tr(n) for n in imported.notices)]
        ),
    )
    return _back()


@bp.route("/application/attachments", methods=["POST"])
@unit_only
def attach() -> Response:
    unit, campaign = _mine()
    form = FileForm()
    if not form.validate_on_submit():
        flash_stale()
        return _back()
    return _run(
        lambda: intake.add_attachment(current_actor(), campaign, unit.id, form.file.data), _("附件已上传。")
    )


@bp.route("/application/attachments/<int:aid>/delete", methods=["POST"])
@unit_only
def detach(aid: int) -> Response:
    unit, campaign = _mine()
    if not FileForm().validate_on_submit():
        flash_stale()
        return _back()
    return _run(lambda: intake.remove_attachment(current_actor(), campaign, unit.id, aid), _("附件已删除。"))


@bp.route("/application/attachments/<int:aid>")
@unit_only
def download(aid: int) -> Response:
    unit, campaign = _mine()
    return files.send_stored(intake.get_attachment(current_actor(), campaign, unit.id, aid))


# --- public self-registration --------------------------------------------------------------------


def _open_campaigns() -> list[Campaign]:
    stmt = sa.select(Campaign).where(Campaign.phase == Phase.INTAKE).order_by(Campaign.id.desc())
    return list(db.session.scalars(stmt))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def register() -> str | tuple[str, int]:
    open_campaigns = _open_campaigns()
    form = RegistrationForm()
    form.campaign.choices = [SelectChoice(str(c.id), c.title) for c in open_campaigns]
    if form.validate_on_submit():
        campaign = db.session.get(Campaign, form.campaign.data)
        try:
            units.register(
                campaign, {k: v for k, v in form.data.items() if k not in ("campaign", "csrf_token")}
            )
        except DomainError as exc:
            show_on_form(form, exc)
        else:
            return render_template("unit/intake_registered.html", name=form.name.data)
    status = 400 if form.errors else 200
    return render_template("unit/intake_register.html", form=form, campaigns=open_campaigns), status
