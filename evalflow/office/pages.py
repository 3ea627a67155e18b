"""The civilization office's desk: campaigns, the phase timeline, next steps, the scale editor."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from evalflow.office import audit_log
from evalflow.office.forms import CampaignForm, ScaleForm, TransitionForm
from evalflow.shared.campaigns import service as svc
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.errors import DomainError
from evalflow.shared.i18n import tr
from evalflow.shared.phases import parse_phase
from evalflow.shared.web import current_actor
from evalflow.shared.web.decorators import office_only
from evalflow.shared.web.feedback import flash_failure, flash_form, flash_stale, place_on_form, show_on_form
from evalflow.shared.web.forms import error_list

bp = Blueprint("office", __name__, url_prefix="/office")

BLANK_GRADE_ROWS = 2


@bp.route("/")
@office_only
def dashboard() -> str:
    campaigns = svc.list_campaigns(current_actor())
    return render_template("office/dashboard.html", campaigns=campaigns, form=CampaignForm())


@bp.route("/campaigns/new", methods=["GET", "POST"])
@office_only
def new_campaign() -> str | Response | tuple[str, int]:
    form = CampaignForm()
    if form.validate_on_submit():
        try:
            campaign = svc.create_campaign(current_actor(), _campaign_data(form))
        except DomainError as exc:
            show_on_form(form, exc)
        else:
            flash(_("评选活动已创建。"), "success")
            return redirect(url_for("office.campaign", cid=campaign.id))
    status = 400 if form.errors else 200
    return render_template("office/campaign_new.html", form=form), status


def _campaign_data(form: CampaignForm) -> dict[str, object]:
    return {
        "title": form.title.data or "",
        "description": form.description.data or "",
        "notice_working_days": form.notice_working_days.data,
    }


@bp.route("/campaigns/<int:cid>")
@office_only
def campaign(cid: int) -> str:
    actor = current_actor()
    item = svc.get_campaign(actor, cid)
    options = phases.transition_options(item)
    edit_form = CampaignForm(obj=item)
    log = audit_log.entries(item.id, limit=30)
    return render_template(
        "office/campaign.html",
        campaign=item,
        options=options,
        forms={o.target.value: TransitionForm(to=o.target.value) for o in options},
        edit_form=edit_form,
        log=log,
        subjects=audit_log.subject_names(log),
    )


@bp.route("/campaigns/<int:cid>/edit", methods=["POST"])
@office_only
def edit_campaign(cid: int) -> Response:
    actor = current_actor()
    item = svc.get_campaign(actor, cid)
    form = CampaignForm()
    if not form.validate_on_submit():
        flash_form(form)
        return redirect(url_for("office.campaign", cid=cid))
    data = _campaign_data(form)
    if data["notice_working_days"] == item.notice_working_days:
        data.pop("notice_working_days")
    try:
        svc.update_campaign(actor, item, data)
    except DomainError as exc:
        flash_failure(exc)
        return redirect(url_for("office.campaign", cid=cid))
    flash(_("已保存。"), "success")
    return redirect(url_for("office.campaign", cid=cid))


@bp.route("/campaigns/<int:cid>/transition", methods=["POST"])
@office_only
def transition(cid: int) -> Response:
    actor = current_actor()
    item = svc.get_campaign(actor, cid)
    form = TransitionForm()
    if not form.validate_on_submit():
        flash_stale()
        return redirect(url_for("office.campaign", cid=cid))
    try:
        phases.advance_phase(actor, item, parse_phase(form.to.data), form.reason.data or "")
    except DomainError as exc:
        flash_failure(exc)
    else:
        flash(_("已进入“%(phase)s”阶段。", phase=tr(item.phase.label)), "success")
    return redirect(url_for("office.campaign", cid=cid))


@bp.route("/campaigns/<int:cid>/scale", methods=["GET", "POST"])
@office_only
def scale(cid: int) -> str | Response | tuple[str, int]:
    actor = current_actor()
    item = svc.get_campaign(actor, cid)
    if request.method == "GET":
        rows = [g.as_dict() for g in item.scale] + [{}] * BLANK_GRADE_ROWS
        form = ScaleForm(data={"grades": rows})
        return render_template("office/scale.html", campaign=item, form=form, errors=[])
    form = ScaleForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            svc.update_campaign(actor, item, {"scale": _grades(form)})
        except DomainError as exc:
            errors = place_on_form(form, exc)
        else:
            flash(_("评定表已保存。"), "success")
            return redirect(url_for("office.campaign", cid=cid))
    else:
        errors = error_list(form)
    return render_template("office/scale.html", campaign=item, form=form, errors=errors), 400


def _grades(form: ScaleForm) -> list[dict[str, object]]:
    """The filled rows of the editor; a row with neither label nor points is an unused blank."""
    rows = []
    for entry in form.grades.entries:
        label, points = (entry.form.label.data or "").strip(), entry.form.points.data
        if not label and points is None:
            continue
        rows.append(
            {
                "label": label,
                "points": str(points) if isinstance(points, Decimal) else None,
                "criteria": entry.form.criteria.data or "",
            }
        )
    return rows
