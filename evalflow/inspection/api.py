"""实地考察 endpoints of a campaign: visits (the contract's ``POST …/visits`` and the unit's list),
the office's board, teams, conflicts, the balanced proposal and the signed points."""

from __future__ import annotations

from evalflow.inspection import results, teams, visits
from evalflow.inspection.schemas import (
    ConflictIn,
    PlannedOut,
    ResultOut,
    TeamIn,
    TeamOut,
    UnitVisitOut,
    VisitConflictOut,
    VisitIn,
    VisitOut,
    VisitProposalIn,
    VisitProposalOut,
    VisitProposalQuery,
    day_text,
)
from evalflow.inspection.shapes import result_out, unit_visit_out, visit_out
from evalflow.shared.access import Actor
from evalflow.shared.api.caller import require_login
from evalflow.shared.api.routes import route
from evalflow.shared.api.schemas import Done
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns.models import Campaign

ERRORS = {400: "invalid input", 401: "unauthenticated", 403: "forbidden", 404: "not found"}
TAG = "inspection"


def _campaign(cid: int) -> tuple[Actor, Campaign]:
    who = require_login()
    return who, campaigns.get_campaign(who, cid)


@route(
    "/campaigns/<int:cid>/visits",
    "POST",
    summary="Schedule a team's visit to a unit (office); 409 conflict when an inspector may not inspect it",
    tag=TAG,
    body=VisitIn,
    responses={201: VisitOut, **ERRORS, 409: "conflict (with reasons) or wrong_phase"},
)
def create_visit(cid: int, body: VisitIn) -> tuple[VisitOut, int]:
    who, campaign = _campaign(cid)
    visit = visits.create_visit(who, campaign, body.model_dump())
    return visit_out(visits.rows([visit])[0]), 201


@route(
    "/campaigns/<int:cid>/visits",
    "GET",
    summary="Every visit of the campaign with its status; overdue ones flagged (office)",
    tag=TAG,
    responses={200: list[VisitOut], **ERRORS},
)
def list_visits(cid: int) -> list[VisitOut]:
    who, campaign = _campaign(cid)
    return [visit_out(row) for row in visits.board(who, campaign)]


@route(
    "/campaigns/<int:cid>/units/<int:uid>/visits",
    "GET",
    summary="A unit's visits: announced ones, and 暗访 once signed (that unit; the office sees all)",
    tag=TAG,
    responses={200: list[UnitVisitOut], **ERRORS},
)
def unit_visits(cid: int, uid: int) -> list[UnitVisitOut]:
    who, campaign = _campaign(cid)
    return [unit_visit_out(v) for v in visits.unit_visits(who, campaign, uid)]


@route(
    "/campaigns/<int:cid>/inspection-results",
    "GET",
    summary="Each accepted unit's 实地考察 points from signed sheets, by the composite's rules (office)",
    tag=TAG,
    responses={200: list[ResultOut], **ERRORS},
)
def inspection_results(cid: int) -> list[ResultOut]:
    who, campaign = _campaign(cid)
    return [result_out(item) for item in results.inspection_points(who, campaign)]


# --- teams and conflicts ------------------------------------------------------------------------------


def _team_out(team: teams.Team) -> TeamOut:
    return TeamOut(id=team.team.id, name=team.team.name, leader_id=team.team.leader_id,
                   inspector_ids=[p.id for p in team.members])  # fmt: skip


@route("/campaigns/<int:cid>/inspection-teams", "GET", summary="The campaign's inspection teams (office)",
       tag=TAG, responses={200: list[TeamOut], **ERRORS})  # fmt: skip
def list_teams(cid: int) -> list[TeamOut]:
    who, campaign = _campaign(cid)
    return [_team_out(t) for t in teams.teams(who, campaign)]


@route("/campaigns/<int:cid>/inspection-teams", "POST", summary="Form an inspection team with a leader (office)",
       tag=TAG, body=TeamIn, responses={201: TeamOut, **ERRORS, 409: "duplicate or wrong_phase"})  # fmt: skip
def create_team(cid: int, body: TeamIn) -> tuple[TeamOut, int]:
    who, campaign = _campaign(cid)
    made = teams.create_team(who, campaign, body.name, body.inspector_ids, body.leader_id)
    return _team_out(next(t for t in teams.teams(who, campaign) if t.team.id == made.id)), 201


@route("/campaigns/<int:cid>/inspection-teams/<int:tid>", "DELETE", summary="Remove a team (office)",
       tag=TAG, responses={200: Done, **ERRORS, 409: "wrong_phase"})  # fmt: skip
def delete_team(cid: int, tid: int) -> Done:
    who, campaign = _campaign(cid)
    teams.delete_team(who, campaign, tid)
    return Done(status="ok")


@route("/campaigns/<int:cid>/inspection-conflicts", "GET", summary="Declared conflicts of interest (office)",
       tag=TAG, responses={200: list[VisitConflictOut], **ERRORS})  # fmt: skip
def list_conflicts(cid: int) -> list[VisitConflictOut]:
    who, campaign = _campaign(cid)
    return [VisitConflictOut.model_validate(row) for row, _, _ in teams.conflicts(who, campaign)]


@route("/campaigns/<int:cid>/inspection-conflicts", "POST",
       summary="Declare that an inspector never inspects a unit, with a note (office)", tag=TAG, body=ConflictIn,
       responses={201: VisitConflictOut, **ERRORS, 409: "duplicate or wrong_phase"})  # fmt: skip
def declare_conflict(cid: int, body: ConflictIn) -> tuple[VisitConflictOut, int]:
    who, campaign = _campaign(cid)
    row = teams.declare_conflict(who, campaign, body.unit_id, body.inspector_id, body.note)
    return VisitConflictOut.model_validate(row), 201


@route("/campaigns/<int:cid>/inspection-conflicts/<int:conflict_id>", "DELETE",
       summary="Withdraw a declared conflict (office)", tag=TAG,
       responses={200: Done, **ERRORS, 409: "wrong_phase"})  # fmt: skip
def remove_conflict(cid: int, conflict_id: int) -> Done:
    who, campaign = _campaign(cid)
    teams.remove_conflict(who, campaign, conflict_id)
    return Done(status="ok")


# --- the proposal ---------------------------------------------------------------------------------


def _plan_out(plan: teams.Plan) -> VisitProposalOut:
    return VisitProposalOut(
        visits=[PlannedOut(unit_id=p.unit.id, team_id=p.team.team.id, starts_at=day_text(p.starts_at))
                for p in plan.visits],
        unplaced=[u.id for u in plan.unplaced],
    )  # fmt: skip


@route("/campaigns/<int:cid>/visits/proposal", "GET",
       summary="A balanced proposal: one team for every accepted unit without a visit, with times (office)",
       tag=TAG, query=VisitProposalQuery, responses={200: VisitProposalOut, **ERRORS, 409: "wrong_phase"})  # fmt: skip
def get_proposal(cid: int, query: VisitProposalQuery) -> VisitProposalOut:
    who, campaign = _campaign(cid)
    return _plan_out(teams.proposal(who, campaign, query.first_day))


@route("/campaigns/<int:cid>/visits/proposal", "POST", summary="Schedule every proposed visit (office)",
       tag=TAG, body=VisitProposalIn, responses={201: list[VisitOut], **ERRORS, 409: "conflict or wrong_phase"})  # fmt: skip
def accept_proposal(cid: int, body: VisitProposalIn) -> tuple[list[VisitOut], int]:
    who, campaign = _campaign(cid)
    made = teams.accept_proposal(who, campaign, body.first_day, body.announced)
    return [visit_out(row) for row in visits.rows(made)], 201
