"""The office's 实地考察 pages: the visit board (every visit with its status, overdue ones marked),
scheduling a visit, teams, conflicts, the balanced proposal, the signed points per unit; and one
visit's sheets, photos and PDF, with the change-after-signing form. The unit's own list of visits.

Views read the form into the same values the API sends and call the same use cases."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from evalflow.extensions import db
from evalflow.inspection import results, sheets, signoff, teams, visits
from evalflow.inspection.shapes import leaves_out
from evalflow.shared import bounds, clock
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.errors import InvalidInput
from evalflow.shared.web import current_actor
from evalflow.shared.web.decorators import office_only, unit_only
from evalflow.shared.web.feedback import attempt
from evalflow.tally.rules import display
from evalflow.training.service import accepted_units

bp = Blueprint("inspection_office", __name__)
unit_bp = Blueprint("inspection_unit", __name__)


def _campaign(cid: int) -> Campaign:
    return campaigns.get_campaign(current_actor(), cid)


def _ids(name: str) -> list[int]:
    """The ids the form sent under *name*; one that is not an id refuses the whole form (400, shown as
    a message) rather than being dropped without a word."""
    found = [bounds.parse_id(v) for v in request.form.getlist(name)]
    if any(n is None for n in found):
        raise InvalidInput(fields={name: [bounds.id_range()]})
    return [n for n in found if n is not None]


def _day(text: str) -> date | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if bounds.day_in_range(day) else None


def _id(name: str) -> int:
    return bounds.parse_id(request.form.get(name, "")) or 0


@bp.get("/office/campaigns/<int:cid>/visits")
@office_only
def board(cid: int) -> str:
    campaign, actor = _campaign(cid), current_actor()
    first_day = clock.today() + timedelta(days=2)
    return render_template(
        "office/visits.html", campaign=campaign, rows=visits.board(actor, campaign),
        teams=teams.teams(actor, campaign), conflicts=teams.conflicts(actor, campaign),
        inspectors=teams.inspectors(actor), units=accepted_units(campaign.id), first_day=first_day,
        plan=teams.proposal(actor, campaign, first_day) if request.args.get("propose") else None,
        points=results.inspection_points(actor, campaign), display=display, team_label=teams.team_label,
    )  # fmt: skip


def _back(cid: int) -> Response:
    return redirect(url_for("inspection_office.board", cid=cid))


@bp.post("/office/campaigns/<int:cid>/visits")
@office_only
def create_visit(cid: int) -> Response:
    campaign = _campaign(cid)

    def step() -> Any:
        data: dict[str, Any] = {"unit_id": _id("unit_id"), "inspector_ids": _ids("inspector_ids"),
                                "leader_id": _id("leader_id"), "starts_at": request.form.get("starts_at", ""),
                                "announced": request.form.get("announced") == "1"}  # fmt: skip
        return visits.create_visit(current_actor(), campaign, data)

    attempt(step, _("已安排实地考察。"))
    return _back(cid)


@bp.post("/office/campaigns/<int:cid>/inspection-teams")
@office_only
def create_team(cid: int) -> Response:
    campaign = _campaign(cid)
    step = lambda: teams.create_team(current_actor(), campaign, request.form.get("name", ""),  # noqa: E731
                                     _ids("inspector_ids"), _id("leader_id"))  # fmt: skip
    attempt(step, _("已组建考察组。"))
    return _back(cid)


@bp.post("/office/campaigns/<int:cid>/inspection-conflicts")
@office_only
def declare_conflict(cid: int) -> Response:
    campaign = _campaign(cid)
    step = lambda: teams.declare_conflict(current_actor(), campaign, _id("unit_id"), _id("inspector_id"),  # noqa: E731
                                          request.form.get("note", ""))  # fmt: skip
    attempt(step, _("已登记回避关系。"))
    return _back(cid)


@bp.post("/office/campaigns/<int:cid>/visits/proposal")
@office_only
def accept_proposal(cid: int) -> Response:
    campaign = _campaign(cid)
    day = _day(request.form.get("first_day", "")) or clock.today() + timedelta(days=2)
    step = lambda: teams.accept_proposal(current_actor(), campaign, day, request.form.get("announced") == "1")  # noqa: E731
    attempt(step, lambda made: _("已按建议安排 %(n)d 次实地考察。", n=len(made)))
    return _back(cid)


@bp.get("/office/visits/<int:vid>")
@office_only
def visit(vid: int) -> str:
    seen, team, tree = sheets.team_sheets(current_actor(), vid)
    return render_template("office/visit.html", row=visits.rows([seen.visit])[0], sheets=team,
                           leaves=leaves_out(tree), campaign=seen.campaign)  # fmt: skip


@bp.post("/office/visits/<int:vid>/amend")
@office_only
def amend(vid: int) -> Response:
    code = request.form.get("code", "")
    raw = request.form.get("points", "").strip()
    data = {"scores": {code: raw or None}, "reason": request.form.get("reason", "")}
    attempt(lambda: signoff.amend(current_actor(), vid, _id("inspector_id"), data), _("已修改并记录理由。"))
    return redirect(url_for("inspection_office.visit", vid=vid))


@unit_bp.get("/unit/visits")
@unit_only
def visits_page() -> str:
    unit = db.session.get(Unit, current_user.unit_id)
    assert unit is not None
    campaign = campaigns.get_campaign(current_actor(), unit.campaign_id)
    return render_template(
        "unit/visits.html", unit=unit, visits=visits.unit_visits(current_actor(), campaign, unit.id)
    )
