"""Campaign endpoints: create, list, get (with transitions), edit, and phase transitions."""

from __future__ import annotations

from typing import Any

from flask import Response

from ..domain.errors import InvalidInput
from ..domain.messages import N_, msg
from ..domain.phases import parse_phase
from ..i18n import tr, tr_all
from ..models import Campaign
from ..services import campaigns as svc
from ..services import phases
from .common import body, reply, require_login, route
from .schemas import CAMPAIGN_WRITE, PHASES, list_of, ref


def campaign_json(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "title": campaign.title,
        "description": campaign.description,
        "phase": campaign.phase.value,
        "phase_label": tr(campaign.phase.label),
        "notice_working_days": campaign.notice_working_days,
        "scale": [g.as_dict() for g in campaign.scale],
        "transitions": [
            {"to": o.target.value, "allowed": o.allowed, "reasons": tr_all(o.reasons)}
            for o in phases.transition_options(campaign)
        ],
        "created_at": campaign.created_at.isoformat(),
        "updated_at": campaign.updated_at.isoformat(),
    }


@route(
    "/campaigns",
    "POST",
    summary="Create a campaign (office)",
    tag="campaigns",
    request_schema={**CAMPAIGN_WRITE, "required": ["title"]},
    responses={
        201: {"schema": ref("Campaign")},
        400: "invalid input",
        401: "unauthenticated",
        403: "forbidden",
    },
)
def create_campaign() -> Response:
    campaign = svc.create_campaign(require_login(), body())
    return reply(campaign_json(campaign), 201)


@route(
    "/campaigns",
    "GET",
    summary="List campaigns (office: all; unit: its own)",
    tag="campaigns",
    responses={200: {"schema": list_of("Campaign")}, 401: "unauthenticated"},
)
def list_campaigns() -> Response:
    return reply([campaign_json(c) for c in svc.list_campaigns(require_login())])


@route(
    "/campaigns/<int:cid>",
    "GET",
    summary="Get a campaign with its possible transitions and why they are blocked",
    tag="campaigns",
    responses={200: {"schema": ref("Campaign")}, 401: "unauthenticated", 404: "not found"},
)
def get_campaign(cid: int) -> Response:
    return reply(campaign_json(svc.get_campaign(require_login(), cid)))


@route(
    "/campaigns/<int:cid>",
    "PATCH",
    summary="Edit a campaign; scale and notice period only in draft",
    tag="campaigns",
    request_schema=CAMPAIGN_WRITE,
    responses={200: {"schema": ref("Campaign")}, 400: "invalid input", 404: "not found", 409: "wrong phase"},
)
def patch_campaign(cid: int) -> Response:
    who = require_login()
    campaign = svc.get_campaign(who, cid)
    return reply(campaign_json(svc.update_campaign(who, campaign, body())))


TRANSITION_REQUEST = {
    "type": "object",
    "required": ["to"],
    "properties": {"to": {"type": "string", "enum": PHASES}, "reason": {"type": "string"}},
}


@route(
    "/campaigns/<int:cid>/transitions",
    "POST",
    summary="Move a campaign to another phase (office)",
    tag="campaigns",
    request_schema=TRANSITION_REQUEST,
    responses={
        200: {"schema": ref("Campaign")},
        400: "invalid input",
        404: "not found",
        409: "transition_blocked (with reasons), invalid_transition or wrong_phase",
    },
)
def transition(cid: int) -> Response:
    who = require_login()
    data = body()
    campaign = svc.get_campaign(who, cid)
    if "to" not in data:
        raise InvalidInput(fields={"to": [msg(N_("请指定目标阶段。"))]})
    reason = data.get("reason") or ""
    if not isinstance(reason, str):
        raise InvalidInput(fields={"reason": [msg(N_("原因须为文字。"))]})
    phases.advance_phase(who, campaign, parse_phase(data["to"]), reason)
    return reply(campaign_json(campaign))
