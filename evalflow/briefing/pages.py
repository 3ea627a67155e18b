"""The office's briefing pages (集中汇报互评): order, control panel, big screen, paper forms.

Thin views over :mod:`evalflow.briefing.agenda` and :mod:`evalflow.briefing.paper`. The control
panel and the big screen work as plain pages; ``static/briefing.js`` refreshes their counters every
2.5 s from the live JSON endpoint (ETag → 304 when nothing changed).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, NumberRange, Optional

from evalflow.briefing import (
    agenda as briefing,
)
from evalflow.briefing import (
    live as briefing_live,
)
from evalflow.briefing import (
    order as briefing_order,
)
from evalflow.briefing import (
    paper,
    rules,
)
from evalflow.briefing.rules import MAX_COUNTDOWN, MIN_COUNTDOWN
from evalflow.briefing.schemas import SheetQuery
from evalflow.shared import bounds
from evalflow.shared.api.schemas import parse_query
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.campaigns.rules import SeatRole
from evalflow.shared.errors import DomainError
from evalflow.shared.files import store as files
from evalflow.shared.web import current_actor
from evalflow.shared.web.decorators import office_only
from evalflow.shared.web.feedback import flash_failure
from evalflow.shared.web.forms import EmptyForm, SafeForm

bp = Blueprint("briefing", __name__, url_prefix="/office/campaigns/<int:cid>/briefing")


class OpenForm(SafeForm):
    seconds = IntegerField(
        _l("倒计时(秒,可不填)"), validators=[Optional(), NumberRange(min=MIN_COUNTDOWN, max=MAX_COUNTDOWN)]
    )


class DrawForm(SafeForm):
    seed = StringField(_l("抽签种子(可不填,由系统生成)"), validators=[Optional()])


class PaperForm(SafeForm):
    clerk = StringField(_l("录入员"), default="1")
    sheet = StringField(_l("表号"), validators=[DataRequired(_l("请填写评定表上的表号。"))])


def _campaign(cid: int) -> Campaign:
    return briefing.campaign_for(current_actor(), cid)


def _panel(cid: int) -> Response:
    return redirect(url_for("briefing.panel", cid=cid))


@bp.route("")
@office_only
def panel(cid: int) -> str:
    actor = current_actor()
    campaign = _campaign(cid)
    # a countdown that ran out reads as closed (agenda.state_of); a GET writes nothing
    agenda = briefing.agenda(actor, campaign)
    live = briefing_live.live(actor, campaign)
    return render_template(
        "office/briefing_panel.html",
        campaign=campaign,
        agenda=agenda,
        live=live,
        roles=list(SeatRole),
        open_form=OpenForm(),
        empty_form=EmptyForm(),
    )


@bp.route("/screen")
@office_only
def screen(cid: int) -> str:
    actor = current_actor()
    campaign = _campaign(cid)
    return render_template(
        "office/briefing_screen.html", campaign=campaign, live=briefing_live.live(actor, campaign)
    )


@bp.route("/<int:uid>/open", methods=["POST"])
@office_only
def open_scoring(cid: int, uid: int) -> Response:
    form = OpenForm()
    if not form.validate_on_submit():
        flash(_("倒计时须为 10 到 3600 秒之间的整数。"), "error")
        return _panel(cid)
    try:
        briefing.open_scoring(current_actor(), _campaign(cid), uid, form.seconds.data)
    except DomainError as exc:
        flash_failure(exc)
    return _panel(cid)


@bp.route("/<int:uid>/close", methods=["POST"])
@office_only
def close_scoring(cid: int, uid: int) -> Response:
    if EmptyForm().validate_on_submit():
        try:
            briefing.close_scoring(current_actor(), _campaign(cid), uid)
        except DomainError as exc:
            flash_failure(exc)
    return _panel(cid)


# --- order ----------------------------------------------------------------------------------------


@bp.route("/order")
@office_only
def order(cid: int) -> str:
    actor = current_actor()
    campaign = _campaign(cid)
    return render_template(
        "office/briefing_order.html",
        campaign=campaign,
        agenda=briefing.agenda(actor, campaign),
        draw=briefing.draw_of(campaign),
        algorithm=rules.DRAW_ALGORITHM,
        draw_form=DrawForm(),
        empty_form=EmptyForm(),
    )


@bp.route("/order/draw", methods=["POST"])
@office_only
def draw(cid: int) -> Response:
    form = DrawForm()
    if form.validate_on_submit():
        try:
            record, _items = briefing_order.draw(current_actor(), _campaign(cid), form.seed.data)
        except DomainError as exc:
            flash_failure(exc)
        else:
            flash(_("已抽签,种子:%(seed)s", seed=record.seed), "success")
    return redirect(url_for("briefing.order", cid=cid))


@bp.route("/order", methods=["POST"])
@office_only
def set_order(cid: int) -> Response:
    if EmptyForm().validate_on_submit():
        actor = current_actor()
        campaign = _campaign(cid)
        items = briefing.agenda(actor, campaign)
        wanted = []
        for item in items:
            raw = request.form.get(f"pos-{item.unit_id}", "").strip()
            wanted.append((bounds.parse_id(raw) or item.position, item.position, item.unit_id))
        order_ids = [uid for *_, uid in sorted(wanted)]
        try:
            briefing_order.set_order(actor, campaign, order_ids)
        except DomainError as exc:
            flash_failure(exc)
        else:
            flash(_("汇报顺序已保存。"), "success")
    return redirect(url_for("briefing.order", cid=cid))


# --- paper fallback -------------------------------------------------------------------------------


@bp.route("/paper", methods=["GET", "POST"])
@office_only
def paper_entry(cid: int) -> str | Response:
    actor = current_actor()
    campaign = _campaign(cid)
    form = PaperForm(request.form if request.method == "POST" else request.args, meta={"csrf": False})
    seat = agenda = None
    if form.sheet.data:
        try:
            seat = paper.seat_for_sheet(campaign, form.sheet.data)
        except DomainError as exc:
            flash_failure(exc)
        else:
            agenda = [i for i in briefing.agenda(actor, campaign) if i.unit_id != seat.unit_id]
    if request.method == "POST" and seat is not None and EmptyForm().validate_on_submit():
        grades = {i.unit_id: request.form.get(f"g-{i.unit_id}", "") for i in agenda or []}
        try:
            result = paper.enter_sheet(actor, campaign, form.clerk.data, form.sheet.data, grades)
        except DomainError as exc:
            flash_failure(exc)
        else:
            flash(
                _(
                    "已保存录入员%(clerk)s的录入;已记录 %(n)d 项。",
                    clerk=form.clerk.data,
                    n=len(result.recorded),
                ),
                "success",
            )
            return redirect(url_for("briefing.paper_entry", cid=cid))
    report = paper.paper_report(actor, campaign) if campaign.phase.value == "briefing" else None
    return render_template(
        "office/briefing_paper.html",
        campaign=campaign,
        form=form,
        seat=seat,
        agenda=agenda,
        report=report,
        names=_seat_and_unit_names(campaign),
        empty_form=EmptyForm(),
    )


def _seat_and_unit_names(campaign: Campaign) -> dict[str, dict[int, str]]:
    seats = {s.id: f"{name} · {s.name}" for s, name in paper.campaign_seats(campaign)}
    units = {i.unit_id: i.unit_name for i in briefing.agenda(current_actor(), campaign)}
    return {"seats": seats, "units": units}


@bp.route("/paper/sheets.pdf")
@office_only
def sheets(cid: int) -> Response:
    campaign = _campaign(cid)
    try:
        seat = parse_query(SheetQuery, request.args).seat  # the API's query, the same bounds
        data = paper.sheets_pdf(current_actor(), campaign, seat)
    except DomainError as exc:
        flash_failure(exc)
        return redirect(url_for("briefing.paper_entry", cid=cid))
    return files.send_pdf(data, f"sheets-{cid}.pdf")
