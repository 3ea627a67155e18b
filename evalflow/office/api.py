"""Campaign endpoints: create, list, get (with transitions), edit, and phase transitions."""

from __future__ import annotations

from evalflow.office.schemas import CampaignCreate, CampaignOut, CampaignPatch, TransitionIn
from evalflow.shared.api.caller import require_login
from evalflow.shared.api.routes import route
from evalflow.shared.campaigns import service as svc
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.i18n import tr, tr_all
from evalflow.shared.phases import parse_phase


def campaign_out(campaign: Campaign) -> CampaignOut:
    return CampaignOut(
        id=campaign.id,
        title=campaign.title,
        description=campaign.description,
        phase=campaign.phase,
        phase_label=tr(campaign.phase.label),
        notice_working_days=campaign.notice_working_days,
        scale=[g.as_dict() for g in campaign.scale],
        transitions=[
            {"to": o.target, "allowed": o.allowed, "reasons": tr_all(o.reasons)}
            # the seal's check (every ballot read) only for the office, whose business it is
            for o in phases.transition_options(campaign, check_seal=require_login().is_office)
        ],
        created_at=campaign.created_at,
        updated_at=campaign.updated_at,
    )


@route(
    "/campaigns",
    "POST",
    summary="Create a campaign (office)",
    tag="campaigns",
    body=CampaignCreate,
    responses={201: CampaignOut, 400: "invalid input", 401: "unauthenticated", 403: "forbidden"},
)
def create_campaign(body: CampaignCreate) -> CampaignOut:
    campaign = svc.create_campaign(require_login(), body.model_dump(exclude_unset=True))
    return campaign_out(campaign)


@route(
    "/campaigns",
    "GET",
    summary="List campaigns (office: all; unit: its own)",
    tag="campaigns",
    responses={200: list[CampaignOut], 401: "unauthenticated"},
)
def list_campaigns() -> list[CampaignOut]:
    return [campaign_out(c) for c in svc.list_campaigns(require_login())]


@route(
    "/campaigns/<int:cid>",
    "GET",
    summary="Get a campaign with its possible transitions and why they are blocked",
    tag="campaigns",
    responses={200: CampaignOut, 401: "unauthenticated", 404: "not found"},
)
def get_campaign(cid: int) -> CampaignOut:
    return campaign_out(svc.get_campaign(require_login(), cid))


@route(
    "/campaigns/<int:cid>",
    "PATCH",
    summary="Edit a campaign; scale and notice period only in draft",
    tag="campaigns",
    body=CampaignPatch,
    responses={200: CampaignOut, 400: "invalid input", 404: "not found", 409: "wrong phase"},
)
def patch_campaign(cid: int, body: CampaignPatch) -> CampaignOut:
    who = require_login()
    campaign = svc.get_campaign(who, cid)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    return campaign_out(svc.update_campaign(who, campaign, changes))


@route(
    "/campaigns/<int:cid>/transitions",
    "POST",
    summary="Move a campaign to another phase (office)",
    tag="campaigns",
    body=TransitionIn,
    responses={
        200: CampaignOut,
        400: "invalid input",
        404: "not found",
        409: "transition_blocked (with reasons), invalid_transition or wrong_phase",
    },
)
def transition(cid: int, body: TransitionIn) -> CampaignOut:
    who = require_login()
    campaign = svc.get_campaign(who, cid)
    phases.advance_phase(who, campaign, parse_phase(body.to), body.reason)
    return campaign_out(campaign)
