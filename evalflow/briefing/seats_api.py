"""Seat endpoints (代表席位): name the three delegates, reissue credentials, print credential cards."""

from __future__ import annotations

from typing import Any

from flask import Response

from evalflow.briefing import seats
from evalflow.briefing.seat_schemas import IssuedSeatOut, SeatIn, SeatMeOut, SeatOut, SeatRename
from evalflow.briefing.seats import IssuedSeat
from evalflow.shared.api.caller import require_login
from evalflow.shared.api.routes import route
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns.models import Seat
from evalflow.shared.errors import Forbidden
from evalflow.shared.files import store as files
from evalflow.shared.i18n import tr

ERRORS = {401: "unauthenticated", 403: "forbidden", 404: "not found"}


def cards_response(campaign: Any, issued: list[IssuedSeat], filename: str) -> Response:
    return files.send_pdf(seats.cards_pdf(campaign, issued), filename)


def seat_fields(seat: Seat) -> dict[str, Any]:
    return {
        "id": seat.id,
        "unit_id": seat.unit_id,
        "role": seat.role,
        "role_label": tr(seat.role.label),
        "name": seat.name,
    }


def seat_out(seat: Seat) -> SeatOut:
    return SeatOut(**seat_fields(seat))


def issued_out(issued: IssuedSeat) -> IssuedSeatOut:
    return IssuedSeatOut(**seat_fields(issued.seat), token=issued.token, url=issued.url)


@route(
    "/campaigns/<int:cid>/units/<int:uid>/seats",
    "POST",
    summary="Name a delegate: reporter 汇报人, cadre 中层干部代表, public 群众代表 (office, or that unit before the briefing)",
    tag="seats",
    body=SeatIn,
    responses={
        201: IssuedSeatOut,
        400: "invalid input",
        **ERRORS,
        409: "duplicate (role taken) or wrong_phase",
    },
)
def create_seat(cid: int, uid: int, body: SeatIn) -> tuple[IssuedSeatOut, int]:
    who = require_login()
    issued = seats.create_seat(who, campaigns.get_campaign(who, cid), uid, body.model_dump())
    return issued_out(issued), 201


@route(
    "/campaigns/<int:cid>/units/<int:uid>/seats",
    "GET",
    summary="A unit's seats, without tokens (office, or that unit)",
    tag="seats",
    responses={200: list[SeatOut], **ERRORS},
)
def list_unit_seats(cid: int, uid: int) -> list[SeatOut]:
    who = require_login()
    return [seat_out(s) for s in seats.seats_of_unit(who, campaigns.get_campaign(who, cid), uid)]


@route(
    "/campaigns/<int:cid>/seats",
    "GET",
    summary="Every seat of the campaign, without tokens (office)",
    tag="seats",
    responses={200: list[SeatOut], **ERRORS},
)
def list_campaign_seats(cid: int) -> list[SeatOut]:
    who = require_login()
    return [seat_out(s) for s in seats.seats_of_campaign(who, campaigns.get_campaign(who, cid))]


@route(
    "/campaigns/<int:cid>/units/<int:uid>/seats/<int:sid>",
    "PATCH",
    summary="Correct a delegate's name; the credential stays valid (office, or that unit before the briefing)",
    tag="seats",
    body=SeatRename,
    responses={200: SeatOut, 400: "invalid input", **ERRORS, 409: "wrong_phase"},
)
def rename_seat(cid: int, uid: int, sid: int, body: SeatRename) -> SeatOut:
    who = require_login()
    seat = seats.rename_seat(who, campaigns.get_campaign(who, cid), uid, sid, body.model_dump())
    return seat_out(seat)


@route(
    "/campaigns/<int:cid>/units/<int:uid>/seats/<int:sid>/reissue",
    "POST",
    summary="Reissue a lost credential: new token and URL, the old card stops working at once",
    tag="seats",
    responses={200: IssuedSeatOut, **ERRORS, 409: "wrong_phase"},
)
def reissue_seat(cid: int, uid: int, sid: int) -> IssuedSeatOut:
    who = require_login()
    return issued_out(seats.reissue_seat(who, campaigns.get_campaign(who, cid), uid, sid))


@route(
    "/campaigns/<int:cid>/units/<int:uid>/seats/cards",
    "POST",
    summary="Credential cards (PDF) of a unit's seats; printing again reproduces the same cards",
    tag="seats",
    responses={200: "application/pdf", **ERRORS, 409: "wrong_phase"},
)
def unit_cards(cid: int, uid: int) -> Response:
    who = require_login()
    campaign = campaigns.get_campaign(who, cid)
    return cards_response(campaign, seats.issue_cards(who, campaign, uid), f"cards-unit-{uid}.pdf")


@route(
    "/campaigns/<int:cid>/seats/cards",
    "POST",
    summary="Credential cards (PDF) of every seat of the campaign (office); earlier cards stay valid",
    tag="seats",
    responses={200: "application/pdf", **ERRORS},
)
def campaign_cards(cid: int) -> Response:
    who = require_login()
    campaign = campaigns.get_campaign(who, cid)
    return cards_response(campaign, seats.issue_cards(who, campaign), f"cards-campaign-{cid}.pdf")


@route(
    "/seat",
    "GET",
    summary="The calling seat itself (seat token)",
    tag="seats",
    responses={200: SeatMeOut, 401: "unauthenticated", 403: "not a seat"},
)
def whoami_seat() -> SeatMeOut:
    who = require_login()
    if who.seat_id is None:
        raise Forbidden()
    cred = seats.seat_by_id(who.seat_id)
    return SeatMeOut(**seat_fields(cred.seat), unit_name=cred.unit.name, campaign_id=cred.campaign.id)
