"""HTML pages of the training (集中培训): the office's desk and the units' portal.

Office: schedule and materials, attendance ("x / y units trained", who is missing), the venue
check-in QR, and the shared Q&A. Units: the schedule and materials, the Q&A (ask online), and the
check-in page a scanned venue QR opens. Views parse forms, call one service and redirect.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from evalflow.extensions import db
from evalflow.shared import clock
from evalflow.shared.access import Action, can
from evalflow.shared.api.schemas import parse_query
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.errors import DomainError
from evalflow.shared.files import store as files
from evalflow.shared.i18n import tr_if_constant
from evalflow.shared.pdf import qr
from evalflow.shared.web import current_actor
from evalflow.shared.web.decorators import office_only, unit_only
from evalflow.shared.web.feedback import attempt, flash_failure, flash_form
from evalflow.shared.web.forms import EmptyForm
from evalflow.training import faq
from evalflow.training import service as training
from evalflow.training.forms import (
    AnswerForm,
    AskForm,
    AttendanceForm,
    CheckinForm,
    FaqForm,
    MaterialForm,
    ScheduleForm,
)
from evalflow.training.rules import DEFAULT_AGENDA, MAX_QUERY
from evalflow.training.schemas import FaqQuery

bp = Blueprint("training", __name__)


def qr_svg(data: str) -> Markup:
    """An inline SVG QR code (no script, allowed by the CSP)."""
    return Markup(qr.svg(data))  # built from a number matrix: no user markup


@bp.app_context_processor
def inject_training() -> dict[str, object]:
    return {"training_overview": training_overview}


def training_overview(campaign: Campaign) -> object:
    """For the office's campaign page: attendance progress (None for other viewers)."""
    actor = current_actor()
    if not can(actor, Action.ATTENDANCE_VIEW):
        return None
    return training.attendance_summary(actor, campaign)[1]


def _campaign(cid: int) -> Campaign:
    return campaigns.get_campaign(current_actor(), cid)


def _unit_campaign() -> tuple[Unit, Campaign]:
    unit = db.session.get(Unit, current_user.unit_id)
    return unit, campaigns.get_campaign(current_actor(), unit.campaign_id)  # type: ignore[union-attr]


@bp.app_template_filter("agenda_item")
def agenda_item(item: str) -> str:
    """An agenda line as shown: the process's default topics in the reader's language, anything the
    office typed exactly as typed — user text is data, never a translation key (a ``%`` in it
    broke the page, and the translation function's output is not escaped)."""
    return tr_if_constant(item, DEFAULT_AGENDA)


# --- office: training page --------------------------------------------------------------------


@bp.route("/office/campaigns/<int:cid>/training")
@office_only
def office_training(cid: int) -> str:
    return _office_page(cid)


def _office_page(cid: int, *, checkin_form: CheckinForm | None = None) -> str:
    """The office's training page; a form passed in is shown with the user's input (after a failure)."""
    actor, campaign = current_actor(), _campaign(cid)
    plan = training.schedule(actor, campaign)
    rows, summary = training.attendance_summary(actor, campaign)
    starts = clock.local(plan.starts_at).strftime("%Y-%m-%dT%H:%M") if plan.starts_at else ""
    form = ScheduleForm(
        data={
            "starts_at": starts,
            "place": plan.place,
            "agenda": "\n".join(agenda_item(a) for a in plan.agenda),
        }
    )
    checkin = training.current_checkin(campaign)
    return render_template(
        "office/training.html",
        campaign=campaign,
        plan=plan,
        rows=rows,
        summary=summary,
        form=form,
        material_form=MaterialForm(),
        attendance_form=AttendanceForm(),
        checkin_form=checkin_form or CheckinForm(),
        empty_form=EmptyForm(),
        checkin=checkin,
        checkin_url=url_for("training.checkin", code=checkin[0], _external=True) if checkin else None,
    )


def _back(cid: int, anchor: str = "") -> Response:
    return redirect(url_for("training.office_training", cid=cid) + (f"#{anchor}" if anchor else ""))


@bp.route("/office/campaigns/<int:cid>/training/schedule", methods=["POST"])
@office_only
def save_schedule(cid: int) -> Response:
    form = ScheduleForm()
    if form.validate_on_submit():
        data = {
            "starts_at": form.starts_at.data or None,
            "place": form.place.data or "",
            "agenda": (form.agenda.data or "").splitlines(),
        }
        attempt(lambda: training.save_schedule(current_actor(), _campaign(cid), data), _("培训安排已保存。"))
    return _back(cid, "schedule")


@bp.route("/office/campaigns/<int:cid>/training/materials", methods=["POST"])
@office_only
def upload_material(cid: int) -> Response:
    form = MaterialForm()
    if form.validate_on_submit():
        attempt(
            lambda: training.add_material(current_actor(), _campaign(cid), request.files.get("file")),
            lambda stored: _("已上传“%(name)s”。", name=stored.filename),
        )
    return _back(cid, "materials")


@bp.route("/office/campaigns/<int:cid>/training/materials/<int:fid>/delete", methods=["POST"])
@office_only
def delete_material(cid: int, fid: int) -> Response:
    if EmptyForm().validate_on_submit():
        attempt(lambda: training.remove_material(current_actor(), _campaign(cid), fid), _("已删除。"))
    return _back(cid, "materials")


@bp.route("/campaigns/<int:cid>/training/materials/<int:fid>")
@login_required
def material(cid: int, fid: int) -> Response:
    return files.send_stored(training.material(current_actor(), _campaign(cid), fid))


@bp.route("/office/campaigns/<int:cid>/units/<int:uid>/attendance", methods=["POST"])
@office_only
def mark_attendance(cid: int, uid: int) -> Response:
    form = AttendanceForm()
    if form.validate_on_submit():
        data = {"status": form.status.data, "note": form.note.data or ""}
        attempt(lambda: training.mark_attendance(current_actor(), _campaign(cid), uid, data), _("已登记。"))
    return _back(cid, "attendance")


# --- office: venue check-in -------------------------------------------------------------------


@bp.route("/office/campaigns/<int:cid>/training/checkin", methods=["POST"])
@office_only
def open_checkin(cid: int) -> Response | tuple[str, int]:
    form = CheckinForm()
    if not form.validate_on_submit():
        flash_form(form)
        return _office_page(cid, checkin_form=form), 400
    try:
        training.open_checkin(current_actor(), _campaign(cid), form.minutes.data)
    except DomainError as exc:
        flash_failure(exc)
        return _office_page(cid, checkin_form=form), 400
    return redirect(url_for("training.checkin_display", cid=cid))


@bp.route("/office/campaigns/<int:cid>/training/checkin/close", methods=["POST"])
@office_only
def close_checkin(cid: int) -> Response:
    if EmptyForm().validate_on_submit():
        attempt(lambda: training.close_checkin(current_actor(), _campaign(cid)), _("现场签到已关闭。"))
    return _back(cid, "checkin")


@bp.route("/office/campaigns/<int:cid>/training/checkin")
@office_only
def checkin_display(cid: int) -> str | Response:
    campaign = _campaign(cid)
    checkin = training.current_checkin(campaign)
    if checkin is None:
        flash(_("现场签到未开启或已过期。"), "info")
        return _back(cid, "checkin")
    url = url_for("training.checkin", code=checkin[0], _external=True)
    summary = training.attendance_summary(current_actor(), campaign)[1]
    return render_template(
        "office/training_checkin.html",
        campaign=campaign,
        url=url,
        qr=qr_svg(url),
        expires_at=checkin[1],
        summary=summary,
    )


# --- unit: check-in ---------------------------------------------------------------------------


@bp.route("/unit/checkin/<code>", methods=["GET", "POST"])
@unit_only
def checkin(code: str) -> str | Response:
    form = EmptyForm()
    unit, campaign = _unit_campaign()
    welcome = _("签到成功,欢迎参加集中培训!")
    posted = request.method == "POST" and form.validate_on_submit()
    if posted and attempt(lambda: training.check_in(current_actor(), code), welcome):
        return redirect(url_for("training.unit_training"))
    return render_template(
        "unit/training_checkin.html",
        unit=unit,
        campaign=campaign,
        form=form,
        attendance=training.attendance_of(unit.id),
    )


# --- unit: training page ----------------------------------------------------------------------


@bp.route("/unit/training")
@unit_only
def unit_training() -> str:
    unit, campaign = _unit_campaign()
    plan = training.schedule(current_actor(), campaign)
    return render_template(
        "unit/training.html",
        unit=unit,
        campaign=campaign,
        plan=plan,
        attendance=training.attendance_of(unit.id),
    )


# --- shared Q&A -------------------------------------------------------------------------------


def _query() -> str:
    """The Q&A search, parsed as the API parses it (the service uses its first words)."""
    return (parse_query(FaqQuery, request.args).q or "").strip()[:MAX_QUERY]


@bp.route("/office/campaigns/<int:cid>/faq")
@office_only
def office_faq(cid: int) -> str:
    campaign = _campaign(cid)
    entries = faq.list_entries(current_actor(), campaign, _query())
    names = dict(db.session.execute(db.select(Unit.id, Unit.name).where(Unit.campaign_id == cid)).all())
    return render_template(
        "office/training_faq.html",
        campaign=campaign,
        entries=entries,
        names=names,
        q=_query(),
        form=FaqForm(),
        answer_form=AnswerForm(),
    )


@bp.route("/office/campaigns/<int:cid>/faq", methods=["POST"])
@office_only
def add_faq(cid: int) -> Response:
    form = FaqForm()
    if form.validate_on_submit():
        data = {"question": form.question.data, "answer": form.answer.data}
        attempt(
            lambda: faq.add_entry(current_actor(), _campaign(cid), data), _("已发布,所有申报单位均可看到。")
        )
    return redirect(url_for("training.office_faq", cid=cid))


@bp.route("/office/campaigns/<int:cid>/faq/<int:fid>/answer", methods=["POST"])
@office_only
def answer_faq(cid: int, fid: int) -> Response:
    form = AnswerForm()
    if form.validate_on_submit():
        attempt(
            lambda: faq.answer(current_actor(), _campaign(cid), fid, {"answer": form.answer.data}),
            _("解答已发布,所有申报单位均可看到。"),
        )
    return redirect(url_for("training.office_faq", cid=cid) + f"#faq-{fid}")


@bp.route("/unit/faq", methods=["GET", "POST"])
@unit_only
def unit_faq() -> str | Response:
    unit, campaign = _unit_campaign()
    form = AskForm()
    sent = _("问题已提交。文明办解答后,所有申报单位都能看到问题和解答。")
    posted = request.method == "POST" and form.validate_on_submit()
    if posted and attempt(lambda: faq.ask(current_actor(), campaign, {"question": form.question.data}), sent):
        return redirect(url_for("training.unit_faq"))
    entries = faq.list_entries(current_actor(), campaign, _query())
    return render_template(
        "unit/faq.html",
        unit=unit,
        campaign=campaign,
        entries=entries,
        q=_query(),
        form=form,
        can_ask=can(current_actor(), Action.FAQ_ASK, phase=campaign.phase, campaign_id=campaign.id),
    )
