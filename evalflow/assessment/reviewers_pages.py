"""The office's 材料审核 pages: reviewers × units (with a balanced proposal to look over before saving,
and declared conflicts), the divergent leaves and their resolution, and a unit's sheets. Thin views
over :mod:`.reviewers`, :mod:`.divergence` and :mod:`.sheets`, the same use cases as the API."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from evalflow.assessment import divergence, sheets
from evalflow.assessment import reviewers as assignments
from evalflow.assessment.forms import ConflictForm, DecisionForm, ThirdForm
from evalflow.assessment.rules import Method, plain
from evalflow.assessment.tree_rows import load_tree
from evalflow.shared import bounds
from evalflow.shared.access import Action, can
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.errors import DomainError, InvalidInput
from evalflow.shared.messages import N_, msg
from evalflow.shared.web import current_actor
from evalflow.shared.web.decorators import office_only
from evalflow.shared.web.feedback import attempt, flash_failure, flash_form, flash_stale
from evalflow.shared.web.forms import EmptyForm

bp = Blueprint("assessment_office", __name__, url_prefix="/office/campaigns/<int:cid>/assessment")


def _campaign(cid: int) -> Campaign:
    return campaigns.get_campaign(current_actor(), cid)


def _proposal(campaign: Campaign) -> dict[int, tuple[int, ...]] | None:
    if not request.args.get("proposal"):
        return None
    try:
        count = bounds.parse_id(request.args.get("per_unit", "")) or None
        return assignments.propose(current_actor(), campaign, count)
    except DomainError as exc:
        flash_failure(exc)
        return None


def _reviewer_choices(rows: list[assignments.ReviewerRow]) -> list[SelectChoice]:
    return [SelectChoice(str(r.user.id), f"{r.user.display_name}({r.user.username})") for r in rows]


@bp.route("/reviewers")
@office_only
def reviewers(cid: int) -> str:
    campaign = _campaign(cid)
    rows = assignments.reviewers(current_actor(), campaign)
    units = assignments.units_to_review(campaign.id)
    conflict = ConflictForm(formdata=None)
    conflict.reviewer.choices = _reviewer_choices(rows)
    conflict.unit.choices = [SelectChoice(str(uid), name) for uid, name in units]
    return render_template(
        "office/assessment_reviewers.html",
        campaign=campaign,
        rows=rows,
        units=units,
        proposal=_proposal(campaign),
        short=assignments.short_units(campaign, rows),
        per_unit=assignments.per_unit(campaign.id),
        editable=can(current_actor(), Action.REVIEWERS_MANAGE, phase=campaign.phase),
        form=EmptyForm(),
        conflict_form=conflict,
    )


def _pairs(values: list[str]) -> dict[int, set[int]]:
    """``"unit:reviewer"`` check boxes as each reviewer's units (400 for anything else)."""
    chosen: dict[int, set[int]] = {}
    for value in values[:100_000]:
        unit_text, _sep, reviewer_text = value.partition(":")
        unit_id, reviewer_id = bounds.parse_id(unit_text), bounds.parse_id(reviewer_text)
        if unit_id is None or reviewer_id is None:
            raise InvalidInput(msg(N_("分配表的内容无效,请刷新后重试。")))
        chosen.setdefault(reviewer_id, set()).add(unit_id)
    return chosen


@bp.route("/reviewers", methods=["POST"])
@office_only
def save_reviewers(cid: int) -> Response:
    """Save the grid: each reviewer's units become the checked ones (one use case per reviewer, in
    one transaction: any refusal rolls back all)."""
    campaign = _campaign(cid)
    if not EmptyForm().validate_on_submit():
        flash_stale()
        return redirect(url_for("assessment_office.reviewers", cid=cid))
    actor = current_actor()

    def save() -> None:
        chosen = _pairs(request.form.getlist("pair"))
        for row in assignments.reviewers(actor, campaign):
            wanted = chosen.pop(row.user.id, set())
            if set(row.unit_ids) != wanted:
                assignments.set_units(actor, campaign, row.user.id, sorted(wanted))
        for reviewer_id, units in chosen.items():  # someone not in the list: the use case says why
            assignments.set_units(actor, campaign, reviewer_id, sorted(units))

    attempt(save, _("评审分配已保存。"))
    return redirect(url_for("assessment_office.reviewers", cid=cid))


@bp.route("/reviewers/conflicts", methods=["POST"])
@office_only
def add_conflict(cid: int) -> Response:
    campaign = _campaign(cid)
    actor = current_actor()
    rows = assignments.reviewers(actor, campaign)
    form = ConflictForm()
    form.reviewer.choices = _reviewer_choices(rows)
    form.unit.choices = [
        SelectChoice(str(uid), name) for uid, name in assignments.units_to_review(campaign.id)
    ]
    if not form.validate_on_submit():
        flash_form(form)
    else:
        current = next(r for r in rows if r.user.id == form.reviewer.data)
        units = sorted({*current.conflict_ids, form.unit.data})
        attempt(
            lambda: assignments.set_conflicts(actor, campaign, current.user.id, units, form.note.data or ""),
            _("已登记回避。"),
        )
    return redirect(url_for("assessment_office.reviewers", cid=cid))


# --- divergences ---------------------------------------------------------------------------------------


@bp.route("/divergences")
@office_only
def divergences(cid: int) -> str:
    campaign = _campaign(cid)
    actor = current_actor()
    flags = divergence.divergences(actor, campaign)
    pool = [r for r in assignments.reviewers(actor, campaign) if r.user.active]
    return render_template(
        "office/assessment_divergences.html",
        campaign=campaign,
        flags=flags,
        pool=pool,
        editable=can(actor, Action.DIVERGENCE_RESOLVE, phase=campaign.phase),
        decision_form=DecisionForm(formdata=None),
        form=EmptyForm(),
        has_tree=load_tree(campaign.id) is not None,
        shown=lambda value: str(plain(value)),
    )


def _unit_id() -> int:
    unit_id = bounds.parse_id(request.form.get("unit", ""))
    if unit_id is None:
        raise InvalidInput(msg(N_("请刷新页面后重试。")))
    return unit_id


@bp.route("/divergences/decision", methods=["POST"])
@office_only
def decide(cid: int) -> Response:
    campaign = _campaign(cid)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash_form(form)
    else:
        attempt(
            lambda: divergence.decide(
                current_actor(),
                campaign,
                _unit_id(),
                form.code.data or "",
                form.points.data,
                form.reason.data,
            ),
            _("已认定得分。"),
        )
    return redirect(url_for("assessment_office.divergences", cid=cid))


@bp.route("/divergences/third", methods=["POST"])
@office_only
def third(cid: int) -> Response:
    campaign = _campaign(cid)
    form = ThirdForm()
    form.reviewer.choices = _reviewer_choices(assignments.reviewers(current_actor(), campaign))
    if not form.validate_on_submit():
        flash_form(form)
    else:
        attempt(
            lambda: divergence.request_third(
                current_actor(), campaign, _unit_id(), form.code.data or "", form.reviewer.data
            ),
            _("已请第三位评审专家审核该单位。"),
        )
    return redirect(url_for("assessment_office.divergences", cid=cid))


@bp.route("/units/<int:uid>/sheets")
@office_only
def unit_sheets(cid: int, uid: int) -> str:
    """Every 材料审核 sheet of a unit side by side, leaf by leaf (the office)."""
    campaign = _campaign(cid)
    rows = sheets.sheets_of_unit(current_actor(), campaign, uid)
    tree = load_tree(campaign.id)
    unit = sheets.unit_of(campaign, uid)
    leaves = tree.leaves(method=Method.MATERIALS) if tree else []
    return render_template(
        "office/assessment_unit_sheets.html",
        campaign=campaign,
        unit=unit,
        rows=rows,
        leaves=leaves,
        shown=lambda value: str(plain(value)),
    )
