"""Briefing endpoints (集中汇报互评): the agenda and its order, open/close scoring, ballots, live counts,
paper forms and double entry. Contract: *Seats and the briefing*.

Written with the ``route(...)`` style of :mod:`evalflow.api.common`; to be moved to the typed schema
pattern once that lands on main.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Response, request, send_file

from ..domain.briefing import Reconciliation
from ..domain.errors import NotFound
from ..domain.messages import N_, msg
from ..models import Ballot, BriefingDraw
from ..services import briefing, paper
from ..services.briefing import AgendaItem
from .common import body, reply, require_login, route

ERRORS = {400: "invalid input", 401: "unauthenticated", 403: "forbidden", 404: "not found"}
_TS = {"type": ["string", "null"], "format": "date-time"}
PRESENTATION = {
    "type": "object",
    "required": ["unit_id", "status", "ballots", "expected"],
    "properties": {
        "unit_id": {"type": "integer"},
        "unit_name": {"type": "string"},
        "position": {"type": "integer"},
        "status": {"type": "string", "enum": ["pending", "open", "closed"]},
        "ballots": {"type": "integer"},
        "expected": {"type": "integer"},
        "opened_at": _TS,
        "closed_at": _TS,
        "closes_at": _TS,
    },
}
PRESENTATIONS = {"type": "array", "items": PRESENTATION}
BALLOT = {
    "type": "object",
    "required": ["unit_id", "grade"],
    "properties": {
        "unit_id": {"type": "integer"},
        "grade": {"type": "string"},
        "source": {"type": "string", "enum": ["online", "paper"]},
        "updated_at": _TS,
    },
}
DRAW = {
    "type": "object",
    "properties": {
        "seed": {"type": "string"},
        "algorithm": {"type": "string"},
        "unit_ids": {"type": "array", "items": {"type": "integer"}},
        "order": {"type": "array", "items": {"type": "integer"}},
        "drawn_at": _TS,
        "presentations": PRESENTATIONS,
    },
}


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment else None


def presentation_json(item: AgendaItem) -> dict[str, Any]:
    return {
        "unit_id": item.unit_id,
        "unit_name": item.unit_name,
        "position": item.position,
        "status": item.status.value,
        "ballots": item.ballots,
        "expected": item.expected,
        "opened_at": _iso(item.opened_at),
        "closed_at": _iso(item.closed_at),
        "closes_at": _iso(item.closes_at),
    }


def ballot_json(ballot: Ballot) -> dict[str, Any]:
    return {
        "unit_id": ballot.unit_id,
        "grade": ballot.grade,
        "source": ballot.source.value,
        "updated_at": _iso(ballot.updated_at),
    }


def draw_json(draw: BriefingDraw, items: list[AgendaItem]) -> dict[str, Any]:
    return {
        "seed": draw.seed,
        "algorithm": draw.algorithm,
        "unit_ids": draw.unit_ids,
        "order": [i.unit_id for i in items],
        "drawn_at": _iso(draw.drawn_at),
        "presentations": [presentation_json(i) for i in items],
    }


def conditional(data: dict[str, Any], etag: str) -> Response:
    """A JSON answer with an ETag; 304 without a body when the caller already has it."""
    response = Response(status=304) if etag in request.if_none_match else reply(data)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    return response


# --- office: agenda, order, open/close ------------------------------------------------------------


@route(
    "/campaigns/<int:cid>/presentations",
    "GET",
    summary="The agenda in order: each unit's scoring status, ballots received and expected (office)",
    tag="briefing",
    responses={200: {"schema": PRESENTATIONS}, **ERRORS, 409: "wrong_phase"},
)
def list_presentations(cid: int) -> Response:
    who = require_login()
    items = briefing.agenda(who, briefing.campaign_for(who, cid))
    return reply([presentation_json(i) for i in items])


@route(
    "/campaigns/<int:cid>/presentations/<int:uid>/open",
    "POST",
    summary="Open scoring of a unit; optional {seconds} countdown closes it on the server (office)",
    tag="briefing",
    responses={200: {"schema": PRESENTATION}, **ERRORS, 409: "another_open, scoring_closed or wrong_phase"},
)
def open_presentation(cid: int, uid: int) -> Response:
    who = require_login()
    data = request.get_json(silent=True) or {}
    seconds = data.get("seconds") if isinstance(data, dict) else None
    item = briefing.open_scoring(who, briefing.campaign_for(who, cid), uid, seconds)
    return reply(presentation_json(item))


@route(
    "/campaigns/<int:cid>/presentations/<int:uid>/close",
    "POST",
    summary="Close scoring of a unit (office)",
    tag="briefing",
    responses={200: {"schema": PRESENTATION}, **ERRORS, 409: "not_open or wrong_phase"},
)
def close_presentation(cid: int, uid: int) -> Response:
    who = require_login()
    return reply(presentation_json(briefing.close_scoring(who, briefing.campaign_for(who, cid), uid)))


@route(
    "/campaigns/<int:cid>/presentations/order",
    "PUT",
    summary="Set the presentation order by hand: every presenting unit once (office, before the first opens)",
    tag="briefing",
    request_schema={
        "type": "object",
        "required": ["unit_ids"],
        "properties": {"unit_ids": {"type": "array", "items": {"type": "integer"}}},
    },
    responses={200: {"schema": PRESENTATIONS}, **ERRORS, 409: "order_fixed or wrong_phase"},
)
def set_order(cid: int) -> Response:
    who = require_login()
    items = briefing.set_order(who, briefing.campaign_for(who, cid), body().get("unit_ids"))
    return reply([presentation_json(i) for i in items])


@route(
    "/campaigns/<int:cid>/presentations/draw",
    "POST",
    summary="Draw the order by lot from a seed (given or generated); seed and algorithm are recorded (office)",
    tag="briefing",
    request_schema={"type": "object", "properties": {"seed": {"type": "string", "maxLength": 64}}},
    responses={200: {"schema": DRAW}, **ERRORS, 409: "order_fixed or wrong_phase"},
)
def draw_order(cid: int) -> Response:
    who = require_login()
    data = request.get_json(silent=True) or {}
    seed = data.get("seed") if isinstance(data, dict) else None
    record, items = briefing.draw(who, briefing.campaign_for(who, cid), seed)
    return reply(draw_json(record, items))


@route(
    "/campaigns/<int:cid>/presentations/draw",
    "GET",
    summary="The drawing that fixed the order: seed, algorithm, units (office); 404 when set by hand",
    tag="briefing",
    responses={200: {"schema": DRAW}, **ERRORS},
)
def get_draw(cid: int) -> Response:
    who = require_login()
    campaign = briefing.campaign_for(who, cid)
    items = briefing.agenda(who, campaign)
    record = briefing.draw_of(campaign)
    if record is None:
        raise NotFound(msg(N_("汇报顺序不是抽签确定的。")))
    return reply(draw_json(record, items))


@route(
    "/campaigns/<int:cid>/briefing/live",
    "GET",
    summary="Live counts of the current presentation: overall, per seat role, seats not yet scored "
    "(office; ETag, 304 when unchanged)",
    tag="briefing",
    responses={200: "live counts", 304: "not modified", **ERRORS},
)
def live_counts(cid: int) -> Response:
    who = require_login()
    state = briefing.live(who, briefing.campaign_for(who, cid))
    return conditional(state.as_dict(), state.etag())


# --- seat: ballots --------------------------------------------------------------------------------


@route(
    "/campaigns/<int:cid>/ballots/<int:uid>",
    "PUT",
    summary="Grade the unit whose scoring is open (seat); sending again replaces the grade",
    tag="briefing",
    request_schema={"type": "object", "required": ["grade"], "properties": {"grade": {"type": "string"}}},
    responses={
        200: {"schema": BALLOT},
        400: "invalid_grade",
        401: "unauthenticated",
        403: "own_unit or forbidden",
        404: "not found",
        409: "scoring_closed or wrong_phase",
    },
)
def put_ballot(cid: int, uid: int) -> Response:
    who = require_login()
    result = briefing.cast_ballot(who, briefing.campaign_for(who, cid), uid, body().get("grade"))
    return reply({"unit_id": result.unit_id, "grade": result.grade})


@route(
    "/campaigns/<int:cid>/ballots/mine",
    "GET",
    summary="The calling seat's ballots",
    tag="briefing",
    responses={200: {"schema": {"type": "array", "items": BALLOT}}, **ERRORS},
)
def my_ballots(cid: int) -> Response:
    who = require_login()
    return reply([ballot_json(b) for b in briefing.ballots_of_seat(who, briefing.campaign_for(who, cid))])


@route(
    "/campaigns/<int:cid>/briefing/current",
    "GET",
    summary="What the calling seat's ballot page shows now (seat; ETag, 304 when unchanged)",
    tag="briefing",
    responses={200: "the seat's screen", 304: "not modified", **ERRORS},
)
def seat_current(cid: int) -> Response:
    who = require_login()
    briefing.require_seat(who)
    campaign = briefing.campaign_for(who, cid)
    view = briefing.seat_view(briefing.seat_of_actor(who), campaign)
    return conditional(view.as_dict(), view.etag())


# --- paper fallback -------------------------------------------------------------------------------


@route(
    "/campaigns/<int:cid>/scoring-sheets",
    "GET",
    summary="Blank paper forms (评定表, PDF) of every seat, or of one with ?seat=ID (office)",
    tag="briefing",
    responses={200: "application/pdf", **ERRORS},
)
def scoring_sheets(cid: int) -> Response:
    who = require_login()
    seat = request.args.get("seat", type=int)
    pdf = paper.sheets_pdf(who, briefing.campaign_for(who, cid), seat)
    response = send_file(
        io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=f"sheets-{cid}.pdf"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def reconciliation_json(result: Reconciliation) -> dict[str, Any]:
    return {
        "recorded": [{"seat_id": s, "unit_id": u, "grade": g} for (s, u), g in sorted(result.record.items())],
        "mismatches": [
            {"seat_id": s, "unit_id": u, "first": a, "second": b}
            for (s, u), (a, b) in sorted(result.mismatches.items())
        ],
        "conflicts": [
            {"seat_id": s, "unit_id": u, "paper": a, "online": b}
            for (s, u), (a, b) in sorted(result.conflicts.items())
        ],
        "waiting": [{"seat_id": s, "unit_id": u} for s, u in result.waiting],
    }


@route(
    "/campaigns/<int:cid>/paper-entries",
    "POST",
    summary="One clerk keys one paper form: {clerk: 1|2, sheet: ID, grades: {unit_id: grade or ''}} (office)",
    tag="briefing",
    request_schema={
        "type": "object",
        "required": ["clerk", "sheet", "grades"],
        "properties": {
            "clerk": {"type": "integer", "enum": [1, 2]},
            "sheet": {"type": "string"},
            "grades": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    responses={200: "the sheet's reconciliation", **ERRORS, 409: "wrong_phase"},
)
def paper_entry(cid: int) -> Response:
    who = require_login()
    data = body()
    result = paper.enter_sheet(
        who, briefing.campaign_for(who, cid), data.get("clerk"), data.get("sheet"), data.get("grades")
    )
    return reply({"seat_id": result.seat.id, **reconciliation_json(result.reconciliation)})


@route(
    "/campaigns/<int:cid>/paper-entries/report",
    "GET",
    summary="Double entry across all forms: recorded, mismatches, conflicts with online ballots, waiting (office)",
    tag="briefing",
    responses={200: "reconciliation", **ERRORS, 409: "wrong_phase"},
)
def paper_report(cid: int) -> Response:
    who = require_login()
    return reply(reconciliation_json(paper.paper_report(who, briefing.campaign_for(who, cid))))
