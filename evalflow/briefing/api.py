"""Briefing endpoints (集中汇报互评): the agenda and its order, open/close scoring, ballots, live counts,
paper forms and double entry. Contract: *Seats and the briefing*.
"""

from __future__ import annotations

from flask import Response, g, request
from pydantic import BaseModel

from evalflow.briefing import (
    agenda as briefing,
)
from evalflow.briefing import (
    ballots,
    paper,
)
from evalflow.briefing import (
    live as briefing_live,
)
from evalflow.briefing import (
    order as briefing_order,
)
from evalflow.briefing import version as poll
from evalflow.briefing.agenda import AgendaItem
from evalflow.briefing.models import BriefingDraw
from evalflow.briefing.rules import Reconciliation
from evalflow.briefing.schemas import (
    BallotIn,
    BallotOut,
    DrawIn,
    DrawOut,
    LiveOut,
    MyBallotOut,
    OpenQuery,
    OrderIn,
    PaperEntryIn,
    PresentationOut,
    ReconciliationOut,
    SeatScreenOut,
    SheetEntryOut,
    SheetQuery,
)
from evalflow.shared.api.caller import reauthenticate, require_login
from evalflow.shared.api.routes import reply, route
from evalflow.shared.errors import DomainError, NotFound
from evalflow.shared.files import store as files
from evalflow.shared.messages import N_, msg

ERRORS = {401: "unauthenticated", 403: "forbidden", 404: "not found"}


def presentation_out(item: AgendaItem) -> PresentationOut:
    return PresentationOut.model_validate(item)


def draw_out(draw: BriefingDraw, items: list[AgendaItem]) -> DrawOut:
    return DrawOut(
        seed=draw.seed,
        algorithm=draw.algorithm,
        unit_ids=draw.unit_ids,
        order=[i.unit_id for i in items],
        drawn_at=draw.drawn_at,
        presentations=[presentation_out(i) for i in items],
    )


def conditional(model: BaseModel, etag: str) -> Response:
    """A JSON answer with an ETag; 304 without a body when the caller already has it."""
    response = Response(status=304) if etag in request.if_none_match else reply(model.model_dump(mode="json"))
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    return response


# --- office: agenda, order, open/close ------------------------------------------------------------


@route(
    "/campaigns/<int:cid>/presentations",
    "GET",
    summary="The agenda in order: each unit's scoring status, ballots received and expected (office)",
    tag="briefing",
    responses={200: list[PresentationOut], **ERRORS, 409: "wrong_phase"},
)
def list_presentations(cid: int) -> list[PresentationOut]:
    who = require_login()
    return [presentation_out(i) for i in briefing.agenda(who, briefing.campaign_for(who, cid))]


@route(
    "/campaigns/<int:cid>/presentations/<int:uid>/open",
    "POST",
    summary="Open scoring of a unit; ?seconds= starts a countdown that closes it on the server (office)",
    tag="briefing",
    query=OpenQuery,
    responses={
        200: PresentationOut,
        400: "invalid input",
        **ERRORS,
        409: "another_open, scoring_closed or wrong_phase",
    },
)
def open_presentation(cid: int, uid: int, query: OpenQuery) -> PresentationOut:
    who = require_login()
    return presentation_out(briefing.open_scoring(who, briefing.campaign_for(who, cid), uid, query.seconds))


@route(
    "/campaigns/<int:cid>/presentations/<int:uid>/close",
    "POST",
    summary="Close scoring of a unit (office)",
    tag="briefing",
    responses={200: PresentationOut, **ERRORS, 409: "not_open or wrong_phase"},
)
def close_presentation(cid: int, uid: int) -> PresentationOut:
    who = require_login()
    return presentation_out(briefing.close_scoring(who, briefing.campaign_for(who, cid), uid))


@route(
    "/campaigns/<int:cid>/presentations/order",
    "PUT",
    summary="Set the presentation order by hand: every presenting unit once (office, before the first opens)",
    tag="briefing",
    body=OrderIn,
    responses={200: list[PresentationOut], 400: "invalid input", **ERRORS, 409: "order_fixed or wrong_phase"},
)
def set_order(cid: int, body: OrderIn) -> list[PresentationOut]:
    who = require_login()
    return [
        presentation_out(i)
        for i in briefing_order.set_order(who, briefing.campaign_for(who, cid), body.unit_ids)
    ]


@route(
    "/campaigns/<int:cid>/presentations/draw",
    "POST",
    summary="Draw the order by lot from a seed (given, or generated when empty); seed and algorithm "
    "(sha256-fisher-yates-v1) are recorded (office)",
    tag="briefing",
    body=DrawIn,
    responses={200: DrawOut, 400: "invalid input", **ERRORS, 409: "order_fixed or wrong_phase"},
)
def draw_order(cid: int, body: DrawIn) -> DrawOut:
    who = require_login()
    record, items = briefing_order.draw(who, briefing.campaign_for(who, cid), body.seed)
    return draw_out(record, items)


@route(
    "/campaigns/<int:cid>/presentations/draw",
    "GET",
    summary="The drawing that fixed the order: seed, algorithm, units (office); 404 when set by hand",
    tag="briefing",
    responses={200: DrawOut, **ERRORS, 409: "wrong_phase"},
)
def get_draw(cid: int) -> DrawOut:
    who = require_login()
    campaign = briefing.campaign_for(who, cid)
    items = briefing.agenda(who, campaign)
    record = briefing.draw_of(campaign)
    if record is None:
        raise NotFound(msg(N_("汇报顺序不是抽签确定的。")))
    return draw_out(record, items)


@route(
    "/campaigns/<int:cid>/briefing/live",
    "GET",
    summary="Live counts of the current presentation: overall, per seat role, seats not yet scored "
    "(office; ETag, 304 when unchanged)",
    tag="briefing",
    responses={200: LiveOut, 304: "not modified", **ERRORS, 409: "wrong_phase"},
)
def live_counts(cid: int) -> Response:
    who = require_login()
    state = briefing_live.live(who, briefing.campaign_for(who, cid))
    return conditional(LiveOut.model_validate(state.as_dict()), state.etag())


# --- seat: ballots --------------------------------------------------------------------------------


@route(
    "/campaigns/<int:cid>/ballots/<int:uid>",
    "PUT",
    summary="Grade the unit whose scoring is open (seat); sending again replaces the grade",
    tag="briefing",
    body=BallotIn,
    responses={
        200: BallotOut,
        400: "invalid_grade or invalid_input",
        401: "unauthenticated",
        403: "own_unit or forbidden",
        404: "not found",
        409: "scoring_closed or wrong_phase",
    },
    single_statement=True,  # the upsert and its audit entry are one statement (briefing/ballots.py)
    checks_seat_card=True,  # … which also checks the seat card: it may come from memory
)
def put_ballot(cid: int, uid: int, body: BallotIn) -> BallotOut:
    who = require_login()
    card = g.get("seat_card")
    try:
        campaign = briefing.ballot_campaign(who, cid, known=g.get("campaign_facts"))
        result = ballots.cast_ballot(who, campaign, uid, body.grade, card)
    except (ballots.CardRefused, DomainError):
        if card is None or not card.remembered:
            raise
        who = reauthenticate()  # the remembered card may be out of date: ask the database
        campaign = briefing.ballot_campaign(who, cid, known=g.get("campaign_facts"))
        result = ballots.cast_ballot(who, campaign, uid, body.grade, g.get("seat_card"))
    return BallotOut(unit_id=result.unit_id, grade=result.grade)


@route(
    "/campaigns/<int:cid>/ballots/mine",
    "GET",
    summary="The calling seat's ballots",
    tag="briefing",
    responses={200: list[MyBallotOut], **ERRORS},
)
def my_ballots(cid: int) -> list[MyBallotOut]:
    who = require_login()
    mine = ballots.ballots_of_seat(who, briefing.campaign_for(who, cid))
    return [MyBallotOut.model_validate(b) for b in mine]


@route(
    "/campaigns/<int:cid>/briefing/current",
    "GET",
    summary="What the calling seat's ballot page shows now (seat; ETag, 304 when unchanged)",
    tag="briefing",
    responses={200: SeatScreenOut, 304: "not modified", **ERRORS},
)
def seat_current(cid: int) -> Response:
    who = require_login()
    briefing.require_seat(who)
    campaign = briefing.campaign_for(who, cid)
    seat = briefing.seat_of_actor(who)
    numbers = poll.seat_numbers(seat.id)  # read before the rows they vouch for (briefing/version.py)
    view = briefing_live.seat_view(seat, campaign)
    screen = view.etag()
    etag = poll.etag_of(cid, seat.id, numbers, screen, view.changes_at)
    if poll.unchanged(screen):
        response = Response(status=304)
        response.set_etag(etag)
        response.headers["Cache-Control"] = "no-cache"
        return response
    return conditional(SeatScreenOut.model_validate(view.as_dict()), etag)


# --- paper fallback -------------------------------------------------------------------------------


@route(
    "/campaigns/<int:cid>/scoring-sheets",
    "GET",
    summary="Blank paper forms (评定表, PDF) of every seat, or of one with ?seat=ID (office)",
    tag="briefing",
    query=SheetQuery,
    responses={200: "application/pdf", **ERRORS, 409: "wrong_phase"},
)
def scoring_sheets(cid: int, query: SheetQuery) -> Response:
    who = require_login()
    pdf = paper.sheets_pdf(who, briefing.campaign_for(who, cid), query.seat)
    return files.send_pdf(pdf, f"sheets-{cid}.pdf")


def reconciliation(result: Reconciliation) -> dict[str, list[dict[str, object]]]:
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
    summary="One clerk keys one paper form (double entry); agreeing boxes become paper ballots (office)",
    tag="briefing",
    body=PaperEntryIn,
    responses={200: SheetEntryOut, 400: "invalid input", **ERRORS, 409: "wrong_phase"},
)
def paper_entry(cid: int, body: PaperEntryIn) -> SheetEntryOut:
    who = require_login()
    result = paper.enter_sheet(who, briefing.campaign_for(who, cid), body.clerk, body.sheet, body.grades)
    return SheetEntryOut(seat_id=result.seat.id, **reconciliation(result.reconciliation))


@route(
    "/campaigns/<int:cid>/paper-entries/report",
    "GET",
    summary="Double entry across all forms: recorded, mismatches, conflicts with online ballots, waiting (office)",
    tag="briefing",
    responses={200: ReconciliationOut, **ERRORS, 409: "wrong_phase"},
)
def paper_report(cid: int) -> ReconciliationOut:
    who = require_login()
    return ReconciliationOut(**reconciliation(paper.paper_report(who, briefing.campaign_for(who, cid))))
