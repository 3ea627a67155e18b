"""The office's side of report intake: units and their logins, the review queue, one application
with its versions and diff, the intake deadline, and veto incidents. Thin views over the services."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from evalflow.intake import applications as intake
from evalflow.intake import units, veto
from evalflow.intake.forms import (
    DeadlineForm,
    FileForm,
    ReviewForm,
    UnitForm,
    VetoForm,
    VetoWithdrawForm,
)
from evalflow.intake.rules import STATUS_LABELS, ApplicationStatus, outline
from evalflow.intake.schemas import QueueQuery
from evalflow.intake.unit_pages import upload_limits
from evalflow.intake.units import ImportRefused
from evalflow.shared.api.schemas import parse_query
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.errors import DomainError, NotFound
from evalflow.shared.files import store as files
from evalflow.shared.web import current_actor
from evalflow.shared.web.decorators import office_only
from evalflow.shared.web.feedback import (
    attempt,
    flash_failure,
    flash_form,
    flash_stale,
    flash_too_large,
    show_on_form,
    undo,
)

bp = Blueprint("intake_office", __name__, url_prefix="/office/campaigns/<int:cid>")


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(_exc: RequestEntityTooLarge) -> Response:
    flash_too_large()
    return redirect(request.referrer or url_for("office.dashboard"), 303)


def _campaign(cid: int) -> Campaign:
    return campaigns.get_campaign(current_actor(), cid)


def _stale() -> Response:
    flash_stale()
    return redirect(request.referrer or url_for("office.dashboard"), 303)


def _run(step: Any, success: str, target: str) -> Response:
    attempt(step, success)
    return redirect(target, 303)


# --- units --------------------------------------------------------------------------------------


def _units_page(campaign: Campaign, form: UnitForm | None = None, **extra: Any) -> str:
    rows = units.list_units(current_actor(), campaign)
    vetoed = veto.vetoed_unit_ids(campaign.id)
    return render_template(
        "office/units_list.html",
        campaign=campaign,
        rows=[(u, units.login_of(u), intake.peek_application(u)) for u in rows],
        vetoed=vetoed,
        form=form or UnitForm(),
        file_form=FileForm(),
        labels=STATUS_LABELS,
        ApplicationStatus=ApplicationStatus,
        **upload_limits(),
        **extra,
    )


@bp.route("/units")
@office_only
def units_list(cid: int) -> str:
    return _units_page(_campaign(cid))


@bp.route("/units", methods=["POST"])
@office_only
def add_unit(cid: int) -> str | tuple[str, int]:
    campaign = _campaign(cid)
    form = UnitForm()
    if form.validate_on_submit():
        try:
            created = units.create_unit(
                current_actor(), campaign, {k: form.data[k] for k in form.data if k != "csrf_token"}
            )
        except DomainError as exc:
            show_on_form(form, exc)
        else:
            # Shown once, in this response only: never flashed (the session cookie is not secret).
            return render_template(
                "office/units_credentials.html", campaign=campaign, credentials=[created], reset=False
            )
    return _units_page(campaign, form), 400


@bp.route("/units/import", methods=["POST"])
@office_only
def import_units(cid: int) -> str | tuple[str, int] | Response:
    campaign = _campaign(cid)
    form = FileForm()
    if not form.validate_on_submit() or not form.file.data:
        flash(_("请选择要导入的 CSV 或 XLSX 文件。"), "error")
        return redirect(url_for(".units_list", cid=cid), 303)
    upload = form.file.data
    try:
        report = units.import_units(current_actor(), campaign, upload.filename or "", upload.read())
    except ImportRefused as exc:
        return render_template(
            "office/units_import.html", campaign=campaign, rows=undo(exc).rows, refused=True
        ), 400
    except DomainError as exc:
        flash_failure(exc)
        return redirect(url_for(".units_list", cid=cid), 303)
    return render_template("office/units_import.html", campaign=campaign, rows=report, refused=False)


@bp.route("/units/<int:uid>/password", methods=["POST"])
@office_only
def reset_password(cid: int, uid: int) -> str | Response:
    campaign = _campaign(cid)
    if not FileForm().validate_on_submit():
        return _stale()
    unit = units.get_unit(campaign, uid)
    try:
        username, password = units.reset_password(current_actor(), campaign, unit)
    except DomainError as exc:
        flash_failure(exc)
        return redirect(url_for(".units_list", cid=cid), 303)
    credentials = [units.NewUnit(unit, username, password)]
    return render_template(
        "office/units_credentials.html", campaign=campaign, credentials=credentials, reset=True
    )


@bp.route("/units/<int:uid>/registration", methods=["POST"])
@office_only
def decide_registration(cid: int, uid: int) -> Response:
    campaign = _campaign(cid)
    if not FileForm().validate_on_submit():
        return _stale()
    approve = request.form.get("approve") == "1"
    unit = units.get_unit(campaign, uid)
    message = (
        _("已批准“%(name)s”的注册。", name=unit.name)
        if approve
        else _("已拒绝“%(name)s”的注册。", name=unit.name)
    )
    return _run(
        lambda: units.decide_registration(current_actor(), campaign, unit, approve),
        message,
        url_for(".units_list", cid=cid),
    )


# --- review -------------------------------------------------------------------------------------


@bp.route("/review")
@office_only
def review_queue(cid: int) -> str:
    campaign = _campaign(cid)
    try:
        status = parse_query(QueueQuery, request.args).status
    except DomainError as exc:
        flash_failure(exc)
        status = None
    return render_template(
        "office/review_queue.html",
        campaign=campaign,
        rows=intake.queue(current_actor(), campaign, status),
        counts=intake.status_counts(campaign),
        current=status,
        labels=STATUS_LABELS,
        ApplicationStatus=ApplicationStatus,
        vetoed=veto.vetoed_unit_ids(campaign.id),
        deadline_form=DeadlineForm(deadline=campaign.intake_deadline),
    )


@bp.route("/units/<int:uid>/application")
@office_only
def application(cid: int, uid: int, review_form: ReviewForm | None = None) -> str:
    campaign = _campaign(cid)
    unit, item = intake.view_application(current_actor(), campaign, uid)
    status = ApplicationStatus(item.status) if item else ApplicationStatus.DRAFT
    veto_form = VetoForm()
    veto_form.kind.choices = [SelectChoice(t) for t in veto.veto_types()]
    return render_template(
        "office/review_application.html",
        campaign=campaign,
        unit=unit,
        application=item,
        status=status,
        labels=STATUS_LABELS,
        outline=outline(item.report_text if item else ""),
        attachments=intake.attachments(item),
        versions=intake.versions(current_actor(), campaign, uid),
        incidents=veto.list_incidents(current_actor(), campaign, uid),
        lookback=veto.lookback_months(),
        review_form=review_form or ReviewForm(),
        veto_form=veto_form,
        **upload_limits(),
    )


@bp.route("/units/<int:uid>/application/review", methods=["POST"])
@office_only
def review(cid: int, uid: int) -> Response | tuple[str, int]:
    campaign = _campaign(cid)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            intake.review(current_actor(), campaign, uid, form.decision.data, form.comment.data or "")
        except DomainError as exc:
            flash_failure(exc)
        else:
            flash(_("审核结果已保存。"), "success")
            return redirect(url_for(".application", cid=cid, uid=uid), 303)
    else:
        flash_form(form)
    # the page again, with what the office typed (a missing decision must not cost the comment)
    return application(cid, uid, review_form=form), 400


@bp.route("/units/<int:uid>/application/attachments/<int:aid>")
@office_only
def download(cid: int, uid: int, aid: int) -> Response:
    return files.send_stored(intake.get_attachment(current_actor(), _campaign(cid), uid, aid))


@bp.route("/units/<int:uid>/application/diff")
@office_only
def diff(cid: int, uid: int) -> str:
    campaign = _campaign(cid)
    unit, _item = intake.view_application(current_actor(), campaign, uid)
    after = request.args.get("to", type=int) or 0
    before = request.args.get("from", type=int) or after - 1
    result = intake.compare(current_actor(), campaign, uid, before, after)
    return render_template(
        "office/review_diff.html", campaign=campaign, unit=unit, diff=result, before=before, after=after
    )


@bp.route("/deadline", methods=["POST"])
@office_only
def deadline(cid: int) -> Response:
    campaign = _campaign(cid)
    form = DeadlineForm()
    if not form.validate_on_submit():
        flash_form(form)
        return redirect(url_for(".review_queue", cid=cid), 303)
    return _run(
        lambda: intake.set_deadline(current_actor(), campaign, form.deadline.data, form.reason.data or ""),
        _("申报截止日期已更新。"),
        url_for(".review_queue", cid=cid),
    )


# --- veto ---------------------------------------------------------------------------------------


@bp.route("/units/<int:uid>/vetoes", methods=["POST"])
@office_only
def record_veto(cid: int, uid: int) -> Response:
    campaign = _campaign(cid)
    form = VetoForm()
    form.kind.choices = [SelectChoice(t) for t in veto.veto_types()]
    target = url_for(".application", cid=cid, uid=uid) + "#veto"
    if not form.validate_on_submit():
        flash_form(form)
        return redirect(target, 303)
    data = {
        "kind": form.kind.data,
        "occurred_on": form.occurred_on.data,
        "description": form.description.data,
    }
    return _run(
        lambda: veto.record_incident(current_actor(), campaign, uid, data, form.evidence.data),
        _("一票否决事项已记录。"),
        target,
    )


@bp.route("/vetoes/<int:vid>/withdraw", methods=["POST"])
@office_only
def withdraw_veto(cid: int, vid: int) -> Response:
    campaign = _campaign(cid)
    view = veto.get_incident(current_actor(), campaign, vid)
    target = url_for(".application", cid=cid, uid=view.unit.id) + "#veto"
    form = VetoWithdrawForm()
    if not form.validate_on_submit():
        flash_form(form)
        return redirect(target, 303)
    return _run(
        lambda: veto.withdraw_incident(current_actor(), campaign, vid, form.reason.data),
        _("一票否决事项已撤销。"),
        target,
    )


@bp.route("/vetoes/<int:vid>/evidence")
@office_only
def evidence(cid: int, vid: int) -> Response:
    stored = veto.get_evidence(current_actor(), _campaign(cid), vid)
    if stored is None:
        raise NotFound()
    return files.send_stored(stored)
