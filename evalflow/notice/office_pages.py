"""The office's pages of the notice phase: draft and publish the notice (warned when its period runs
past the known calendar), the table of extra holidays and working days, the objection queue, and
after ``final`` the certificates and the archive."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WResponse
from wtforms import SelectChoice

from evalflow.notice import commendation, rules
from evalflow.notice import documents as notice_docs
from evalflow.notice import objections as objection_cases
from evalflow.notice import service as svc
from evalflow.notice.forms import ExtraDayForm, InvestigateForm, NoticeForm, ResolveForm
from evalflow.shared import clock, workdays
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.errors import DomainError
from evalflow.shared.files import store as files
from evalflow.shared.i18n import tr_all
from evalflow.shared.phases import Phase
from evalflow.shared.web import current_actor
from evalflow.shared.web.decorators import office_only
from evalflow.shared.web.feedback import flash_failure, flash_form

bp = Blueprint("notice_office", __name__, url_prefix="/office")


def _notice_data(form: NoticeForm) -> dict[str, object]:
    return {
        "unit_ids": list(form.unit_ids.data or []),
        "title": form.title.data or "",
        "starts_on": form.starts_on.data.isoformat() if form.starts_on.data else None,
        "contact": {k: form[k].data or "" for k in ("phone", "email", "address", "postcode")},
    }


def _prefill(form: NoticeForm, campaign: object, draft: object) -> None:
    if draft is not None:
        form.unit_ids.data = [u.id for u in svc.units_of(draft)]  # type: ignore[arg-type]
        form.title.data = draft.title  # type: ignore[attr-defined]
        if not draft.starts_on_default:  # type: ignore[attr-defined]
            form.starts_on.data = draft.starts_on  # type: ignore[attr-defined]
        for key in ("phone", "email", "address", "postcode"):
            form[key].data = (draft.contact or {}).get(key, "")  # type: ignore[attr-defined]
    else:
        form.unit_ids.data = svc.proposed_unit_ids(campaign)  # type: ignore[arg-type]
        form.title.data = svc.default_title(campaign)  # type: ignore[arg-type]


@bp.route("/campaigns/<int:cid>/notice", methods=["GET", "POST"])
@office_only
def notice_form(cid: int) -> str | tuple[str, int] | WResponse:
    actor = current_actor()
    campaign = campaigns.get_campaign(actor, cid)
    draft = svc.draft_notice(actor, campaign)
    form = NoticeForm()
    form.unit_ids.choices = [SelectChoice(u.id, u.name) for u in svc.candidate_units(campaign)]
    if request.method == "GET":
        _prefill(form, campaign, draft)
    elif form.validate_on_submit():
        try:
            svc.create_notice(actor, campaign, _notice_data(form))
        except DomainError as exc:
            flash_failure(exc)
            for name, problems in exc.fields.items():
                key = name.removeprefix("contact.")
                if key in form:
                    form[key].errors = tr_all(problems)
        else:
            flash(_("公示草稿已保存。核对无误后点击“发布公示”。"), "success")
            return redirect(url_for("notice_office.notice_form", cid=cid))
    asked = form.starts_on.data if not form.starts_on.errors else None  # a refused day has no period
    start = asked or (draft.starts_on if draft else None) or clock.today()
    preview = svc.period(campaign, start)
    options = {o.target: o for o in phases.transition_options(campaign)}
    return render_template(
        "office/notice_form.html",
        campaign=campaign,
        form=form,
        draft=draft if draft is not None and draft.published_at is None else None,
        published=draft if draft is not None and draft.published_at is not None else None,
        preview=preview,
        draft_period=svc.period(campaign, draft.starts_on) if draft is not None else None,
        publish_option=options.get(Phase.NOTICE),
        final_option=options.get(Phase.FINAL),
        status_labels=rules.NOTICE_STATUS_LABELS,
        status=svc.status(draft) if draft is not None else "",
        last_known_year=workdays.LIBRARY_LAST_YEAR,
    ), (400 if form.errors else 200)


@bp.route("/campaigns/<int:cid>/notice/publish", methods=["POST"])
@office_only
def publish(cid: int) -> WResponse:
    actor = current_actor()
    campaign = campaigns.get_campaign(actor, cid)
    try:
        svc.publish(actor, campaign, request.form.get("reason", ""))
    except DomainError as exc:
        flash_failure(exc)
    else:
        flash(_("公示已发布。"), "success")
    return redirect(url_for("notice_office.notice_form", cid=cid))


@bp.route("/calendar", methods=["GET", "POST"])
@office_only
def calendar() -> str | tuple[str, int] | WResponse:
    actor = current_actor()
    form = ExtraDayForm()
    if form.validate_on_submit():
        try:
            svc.set_extra_day(actor, form.day.data, form.is_workday.data == "1", form.note.data or "")
        except DomainError as exc:
            flash_failure(exc)
        else:
            flash(_("已保存。"), "success")
            return redirect(url_for("notice_office.calendar"))
    rows = svc.list_extra_days(actor)
    years = sorted({r.day.year for r in rows if not workdays.library_knows(r.day.year)})
    return render_template(
        "office/calendar.html", form=form, rows=rows, office_years=years,
        first_year=workdays.LIBRARY_FIRST_YEAR, last_year=workdays.LIBRARY_LAST_YEAR,
    ), (400 if form.errors else 200)  # fmt: skip


@bp.route("/calendar/<day>/delete", methods=["POST"])
@office_only
def calendar_delete(day: str) -> WResponse:
    try:
        svc.delete_extra_day(current_actor(), day)
    except DomainError as exc:
        flash_failure(exc)
    else:
        flash(_("已删除。"), "success")
    return redirect(url_for("notice_office.calendar"))


@bp.route("/campaigns/<int:cid>/objections")
@office_only
def objections(cid: int) -> str:
    actor = current_actor()
    campaign = campaigns.get_campaign(actor, cid)
    views = objection_cases.list_objections(actor, campaign)
    return render_template(
        "office/objections.html", campaign=campaign, views=views, labels=rules.STATE_LABELS,
        resolve_forms={v.objection.id: ResolveForm(prefix=f"o{v.objection.id}") for v in views},
        investigate_form=InvestigateForm(), today=clock.today(),
    )  # fmt: skip


@bp.route("/campaigns/<int:cid>/objections/<int:oid>/investigate", methods=["POST"])
@office_only
def investigate(cid: int, oid: int) -> WResponse:
    form = InvestigateForm()
    if not form.validate_on_submit():
        flash_form(form)
        return redirect(url_for("notice_office.objections", cid=cid) + f"#o{oid}")
    try:
        objection_cases.start_investigation(current_actor(), oid, form.note.data or "")
    except DomainError as exc:
        flash_failure(exc)
    else:
        flash(_("已转入调查核实。"), "success")
    return redirect(url_for("notice_office.objections", cid=cid) + f"#o{oid}")


@bp.route("/campaigns/<int:cid>/objections/<int:oid>/resolve", methods=["POST"])
@office_only
def resolve(cid: int, oid: int) -> WResponse:
    form = ResolveForm(prefix=f"o{oid}")
    if not form.validate_on_submit():
        flash_form(form)
        return redirect(url_for("notice_office.objections", cid=cid) + f"#o{oid}")
    try:
        objection_cases.resolve_objection(
            current_actor(), oid, {"outcome": form.outcome.data, "reply": form.reply.data}
        )
    except DomainError as exc:
        flash_failure(exc)
    else:
        flash(_("已答复。答复内容在异议人的回执页面可见。"), "success")
    return redirect(url_for("notice_office.objections", cid=cid) + f"#o{oid}")


@bp.route("/campaigns/<int:cid>/objections/<int:oid>/files/<int:fid>")
@office_only
def objection_file(cid: int, oid: int, fid: int) -> Response:
    stored = objection_cases.get_objection_file(current_actor(), oid, fid)
    return files.send_stored(stored)  # type: ignore[arg-type]


@bp.route("/campaigns/<int:cid>/certificates.pdf")
@office_only
def certificates(cid: int) -> Response:
    actor = current_actor()
    campaign = campaigns.get_campaign(actor, cid)
    _, units = commendation.public_commendation(campaign.id)
    return files.send_pdf(notice_docs.certificates_pdf(campaign, units), f"certificates-{campaign.id}.pdf")


@bp.route("/campaigns/<int:cid>/archive.zip")
@office_only
def archive(cid: int) -> Response:
    actor = current_actor()
    campaign = campaigns.get_campaign(actor, cid)
    data = notice_docs.archive_zip(actor, campaign)
    stamp = date.today().isoformat()
    return files.send_bytes(data, "application/zip", f"campaign-{campaign.id}-archive-{stamp}.zip")
