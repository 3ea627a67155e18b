"""The office's tally page (综合评定): chart, table, method, digest, bias signals, the proposed list,
the tally settings (draft) and the downloads. Thin views over tally.service / tally.proposals."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DecimalField, IntegerField, SelectChoice, SelectField
from wtforms.validators import NumberRange, Optional

from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns.rules import SEAT_ROLE_LABELS, SeatRole
from evalflow.shared.errors import DomainError
from evalflow.shared.files import store as files
from evalflow.shared.i18n import tr
from evalflow.shared.messages import msg
from evalflow.shared.phases import SEAL_BROKEN
from evalflow.shared.web import current_actor
from evalflow.shared.web.decorators import office_only
from evalflow.shared.web.feedback import flash_failure, flash_form
from evalflow.shared.web.forms import SafeForm
from evalflow.tally import checks, proposals
from evalflow.tally import reports as tally_reports
from evalflow.tally import service as tally
from evalflow.tally import settings as tally_settings
from evalflow.tally.bias import MAX_COUNT, MAX_MARGIN, SIGNAL_LABELS
from evalflow.tally.chart import Bar, bars, ticks
from evalflow.tally.models import ProposalRule
from evalflow.tally.rules import MAX_PROPOSAL_K, MAX_SCORE_THRESHOLD, METHOD_LABELS, TallyMethod, display

bp = Blueprint("tally", __name__, url_prefix="/office/campaigns/<int:cid>")

# SVG geometry of the chart (user units; the SVG scales to the page width).
LABEL_W, BAR_W, SCORE_W, ROW_H, TOP, BOTTOM = 230, 520, 90, 30, 34, 30


class ProposalForm(SafeForm):
    rule = SelectField(
        _l("选择方式"),
        choices=[
            SelectChoice("top_k", _l("按名次取前 K 名")),
            SelectChoice("threshold", _l("按分数线")),
            SelectChoice("manual", _l("逐个勾选")),
        ],
    )
    k = IntegerField(_l("名额 K"), validators=[Optional(), NumberRange(1, MAX_PROPOSAL_K)])
    per_category = BooleanField(_l("按单位类别分别取前 K 名"))
    threshold = DecimalField(_l("分数线"), validators=[Optional(), NumberRange(0, MAX_SCORE_THRESHOLD)])


class SettingsForm(SafeForm):
    method = SelectField(
        _l("计分方法"), choices=[SelectChoice(m.value, _l(METHOD_LABELS[m])) for m in TallyMethod]
    )
    flat_min_ballots = IntegerField(_l("评分无区分:至少评了几个单位"), validators=[NumberRange(1, MAX_COUNT)])
    reciprocity_margin = DecimalField(
        _l("互相抬分:高出其他代表团平均分至少(分)"), validators=[NumberRange(0.01, MAX_MARGIN)]
    )
    downgrade_margin = DecimalField(
        _l("压低领先单位:低于其他代表团平均分至少(分)"), validators=[NumberRange(0.01, MAX_MARGIN)]
    )
    leading_units = IntegerField(_l("领先单位:排名前几名"), validators=[NumberRange(1, MAX_COUNT)])


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list
    label_w: int = LABEL_W
    bar_w: int = BAR_W
    row_h: int = ROW_H
    top: int = TOP


def chart_for(report: checks.Report) -> Chart:
    found = bars(report.tally.results, report.tally.scale)
    height = TOP + ROW_H * max(len(found), 1) + BOTTOM
    return Chart(LABEL_W + BAR_W + SCORE_W, height, found, ticks(report.tally.scale))


@bp.route("/tally")
@office_only
def page(cid: int) -> str:
    actor = current_actor()
    campaign = campaigns.get_campaign(actor, cid)
    # No digest of the live ballot set: it changes with every ballot while the briefing runs, and
    # hashing every ballot would cost each view of the page (docs/tally.md, Performance). The
    # sealed digest is shown from review on.
    # Once sealed, the report carries the seal's check against the current ballots (every request).
    report = checks.tally_report(actor, campaign, with_digest=False)
    proposal = proposals.get_proposal(actor, campaign, tally=report.tally)
    form = ProposalForm(data=_proposal_defaults(proposal))
    return render_template(
        "office/tally.html",
        campaign=campaign,
        report=report,
        seal_warning=tally_reports.seal_warning(report),
        seal_refusal=tr(msg(SEAL_BROKEN)),
        chart=chart_for(report),
        proposal=proposal,
        form=form,
        roles=[(r.value, tr(SEAT_ROLE_LABELS[r])) for r in SeatRole],
        role_labels={r.value: tr(SEAT_ROLE_LABELS[r]) for r in SeatRole},
        signal_labels={k: tr(v) for k, v in SIGNAL_LABELS.items()},
        method_label=tr(METHOD_LABELS[report.tally.method]),
        fmt=fmt,
    )


def fmt(value: Fraction | None) -> str:
    """A figure for display: two decimals, or a dash when there is none."""
    shown = display(value)
    return "—" if shown is None else str(shown)


def _proposal_defaults(proposal: proposals.Proposal) -> dict[str, object]:
    choice = proposal.choice
    if choice is None:
        return {"rule": "top_k", "k": 3}
    # the form offers only the tally's rules: a list from the composite is edited as it is, by hand
    if choice.rule is ProposalRule.COMPOSITE:
        return {"rule": ProposalRule.MANUAL.value}
    return {
        "rule": choice.rule.value,
        "k": choice.k,
        "per_category": choice.per_category,
        "threshold": choice.threshold,
    }


@bp.route("/tally/proposal", methods=["POST"])
@office_only
def propose(cid: int) -> Response:
    actor = current_actor()
    campaign = campaigns.get_campaign(actor, cid)
    form = ProposalForm()
    if not form.validate_on_submit():
        flash_form(form)
        return redirect(url_for("tally.page", cid=cid, _anchor="proposal"))
    data: dict[str, object] = {
        "rule": form.rule.data,
        "k": form.k.data,
        "per_category": form.per_category.data,
        "threshold": form.threshold.data,
        "reasons": {
            key.removeprefix("reason-"): value
            for key, value in request.form.items()
            if key.startswith("reason-")
        },
    }
    chosen = request.form.getlist("unit_ids")
    if form.rule.data == "manual" or request.form.get("adjust"):
        data["unit_ids"] = chosen
    try:
        proposals.propose(actor, campaign, data)
    except DomainError as exc:
        flash_failure(exc)
    else:
        flash(_("拟表彰对象名单已保存。"), "success")
    return redirect(url_for("tally.page", cid=cid, _anchor="proposal"))


@bp.route("/tally/settings", methods=["GET", "POST"])
@office_only
def settings(cid: int) -> str | Response:
    actor = current_actor()
    campaign = campaigns.get_campaign(actor, cid)
    current = tally_settings.get_settings(actor, campaign)
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        names = ("method", "flat_min_ballots", "reciprocity_margin", "downgrade_margin", "leading_units")
        try:
            tally_settings.update_settings(
                actor, campaign, {name: getattr(form, name).data for name in names}
            )
        except DomainError as exc:
            flash_failure(exc)  # rolled back: read the settings again for the page
            current = tally_settings.get_settings(actor, campaign)
        else:
            flash(_("计分方法与偏差提示阈值已保存。"), "success")
            return redirect(url_for("tally.settings", cid=cid))
    return render_template(
        "office/tally_settings.html",
        campaign=campaign,
        form=form,
        settings=current,
        method_label=tr(METHOD_LABELS[current.method]),
    )


def _download(body: bytes | str, mimetype: str, filename: str) -> Response:
    return files.send_bytes(body, mimetype, filename)


@bp.route("/tally.pdf")
@office_only
def pdf(cid: int) -> Response:
    actor = current_actor()
    campaign = campaigns.get_campaign(actor, cid)
    return _download(tally_reports.tally_pdf(actor, campaign), "application/pdf", f"tally-{cid}.pdf")


@bp.route("/tally.xlsx")
@office_only
def xlsx(cid: int) -> Response:
    actor = current_actor()
    campaign = campaigns.get_campaign(actor, cid)
    return _download(tally_reports.tally_xlsx(actor, campaign), tally_reports.XLSX, f"tally-{cid}.xlsx")


@bp.route("/tally.csv")
@office_only
def tally_csv(cid: int) -> Response:
    actor = current_actor()
    campaign = campaigns.get_campaign(actor, cid)
    return files.send_csv(tally_reports.tally_csv(actor, campaign), f"tally-{cid}.csv")


@bp.route("/ballots.csv")
@office_only
def ballots_csv(cid: int) -> Response:
    actor = current_actor()
    campaign = campaigns.get_campaign(actor, cid)
    return files.send_csv(tally.export_ballots_csv(actor, campaign), f"ballots-{cid}.csv")
