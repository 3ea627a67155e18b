"""The office's 综合测评 pages: the results (the formula in one sentence, one row per unit, the seal's
check) and one unit's trace (total → sources → leaves → each scorer's sheet: who, when, points,
comment, evidence link), with the downloads (测评汇总表 XLSX and PDF, a unit's 测评表 PDF).
Thin views over review.service; the office only, from the briefing on (``Action.COMPOSITE_VIEW``)."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from evalflow.assessment.formula import explain, formula, gap_text
from evalflow.assessment.rules import METHOD_LABELS, Kind, Method, number
from evalflow.review import proposals, reports, seal, service
from evalflow.review.sheets import counted_sheets
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.files import store as files
from evalflow.shared.i18n import tr
from evalflow.shared.web import current_actor
from evalflow.shared.web.decorators import office_only
from evalflow.shared.web.feedback import attempt, flash_form
from evalflow.shared.web.forms import EmptyForm

bp = Blueprint("review", __name__, url_prefix="/office/campaigns/<int:cid>")


def _composite(cid: int, unit_id: int | None = None) -> service.Composite:
    """The composite; with *unit_id*, that unit's single marks read too (its trace, its 测评表)."""
    actor = current_actor()
    campaign = campaigns.get_campaign(actor, cid)
    return service.composite(actor, campaign, marks=unit_id is not None, unit_id=unit_id)


@bp.get("/composite")
@office_only
def page(cid: int) -> str:
    found = _composite(cid)
    return render_template(
        "office/review_composite.html",
        campaign=found.campaign,
        found=found,
        formula=tr(formula(found.tree, found.top_points)),
        methods=reports.methods(found),
        labels={m: tr(METHOD_LABELS[m]) for m in Method},
        check=seal.check(found),
        reasons={u: tr(v.reason) for u, v in found.verdicts.items() if v.reason is not None},
        fmt=reports.fmt,
        form=EmptyForm(),
    )


@bp.post("/composite/proposal")
@office_only
def propose(cid: int) -> BaseResponse:
    """The proposed list from the composite: the qualifying units (deviations: on the tally page or the API)."""
    actor = current_actor()
    campaign = campaigns.get_campaign(actor, cid)
    form = EmptyForm()
    if not form.validate_on_submit():
        flash_form(form)
        return redirect(url_for("review.page", cid=cid))
    step = lambda: proposals.propose(actor, campaign, {})  # noqa: E731
    if attempt(step, lambda made: _("拟表彰对象名单已按综合测评确定(%(n)d 个单位)。", n=len(made.unit_ids))):
        return redirect(url_for("tally.page", cid=cid, _anchor="proposal"))
    return redirect(url_for("review.page", cid=cid))


@bp.get("/composite/units/<int:uid>")
@office_only
def trace(cid: int, uid: int) -> str:
    found = _composite(cid, uid)
    result = found.result(uid)
    tree = found.tree
    groups = [(m, tree.leaves(Kind.BASE, m)) for m in reports.methods(found)]
    return render_template(
        "office/review_trace.html",
        campaign=found.campaign,
        found=found,
        result=result,
        groups=groups,
        bonus=tree.leaves(Kind.BONUS),
        deductions=tree.leaves(Kind.DEDUCTION),
        sheets=counted_sheets(found.campaign.id, uid),
        labels={m: tr(METHOD_LABELS[m]) for m in Method},
        explain=lambda leaf: tr(explain(leaf, found.top_points)),
        gap=lambda g: tr(gap_text(g)),
        number=number,
        fmt=reports.fmt,
    )


@bp.get("/composite.xlsx")
@office_only
def xlsx(cid: int) -> Response:
    found = _composite(cid)
    body = reports.summary_xlsx(found, seal.text(seal.check(found)))
    return files.send_bytes(body, reports.XLSX, f"composite-{cid}.xlsx")


@bp.get("/composite.pdf")
@office_only
def pdf(cid: int) -> Response:
    found = _composite(cid)
    check = seal.check(found)
    body = reports.summary_pdf(found, seal.text(check), seal.warning(check))
    return files.send_bytes(body, "application/pdf", f"composite-{cid}.pdf")


@bp.get("/composite/units/<int:uid>.pdf")
@office_only
def unit_pdf(cid: int, uid: int) -> Response:
    found = _composite(cid, uid)
    result = found.result(uid)
    body = reports.unit_pdf(found, result, counted_sheets(found.campaign.id, uid))
    return files.send_bytes(body, "application/pdf", f"composite-{cid}-unit-{uid}.pdf")
