"""Campaign set-up: create, edit (scale and notice period only in draft), list and fetch."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared.access import Action, Actor, Permission, decide
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.campaigns.rules import (
    MAX_DESCRIPTION,
    MAX_NOTICE_DAYS,
    MAX_TITLE,
    MIN_NOTICE_DAYS,
)
from evalflow.shared.campaigns.scale import Grade, parse_scale, scale_from_json, scale_to_json
from evalflow.shared.errors import Forbidden, InvalidInput, NotFound, WrongPhase
from evalflow.shared.messages import N_, Message, msg
from evalflow.shared.phases import Phase


def require(
    actor: Actor, action: Action, campaign: Campaign | CampaignFacts | None = None, unit_id: int | None = None
) -> None:
    """Raise the contract's error unless *actor* may do *action* (to *campaign* / *unit_id*) now.

    A stranger to the campaign gets 404, so that ids reveal nothing; a wrong role 403; a right actor
    at the wrong time 409 ``wrong_phase``.
    """
    decision = decide(
        actor,
        action,
        phase=campaign.phase if campaign else None,
        campaign_id=campaign.id if campaign else None,
        unit_id=unit_id,
    )
    if decision is Permission.ALLOWED:
        return
    if decision is Permission.WRONG_PHASE:
        raise WrongPhase(
            msg(N_("评选活动当前处于“%(phase)s”阶段,不能执行此操作。"), phase=msg(campaign.phase.label))
        )
    if campaign is not None and not actor.is_office and actor.campaign_id != campaign.id:
        raise NotFound()
    raise Forbidden()


def _text_errors(data: Mapping[str, Any], partial: bool) -> dict[str, list[Message]]:
    errors: dict[str, list[Message]] = {}
    if "title" in data or not partial:
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            errors["title"] = [msg(N_("请填写标题。"))]
        elif len(title.strip()) > MAX_TITLE:
            errors["title"] = [msg(N_("标题最多 %(max)d 个字。"), max=MAX_TITLE)]
    description = data.get("description")
    if description is not None and (not isinstance(description, str) or len(description) > MAX_DESCRIPTION):
        errors["description"] = [msg(N_("说明须为文字,最多 %(max)d 个字。"), max=MAX_DESCRIPTION)]
    days = data.get("notice_working_days")
    if "notice_working_days" in data and (
        isinstance(days, bool) or not isinstance(days, int) or not MIN_NOTICE_DAYS <= days <= MAX_NOTICE_DAYS
    ):
        errors["notice_working_days"] = [
            msg(
                N_("公示期须为 %(min)d 到 %(max)d 个工作日之间的整数。"),
                min=MIN_NOTICE_DAYS,
                max=MAX_NOTICE_DAYS,
            )
        ]
    return errors


def _validated(data: Mapping[str, Any], partial: bool) -> dict[str, Any]:
    errors = _text_errors(data, partial)
    clean: dict[str, Any] = {}
    if "scale" in data and data["scale"] is not None:
        try:
            clean["scale_json"] = scale_to_json(parse_scale(data["scale"]))
        except InvalidInput as exc:
            errors.update(exc.fields)
    if errors:
        raise InvalidInput(fields=errors)
    for key in ("title", "description"):
        if data.get(key) is not None:
            clean[key] = data[key].strip()
    if "notice_working_days" in data:
        clean["notice_working_days"] = data["notice_working_days"]
    return clean


def create_campaign(actor: Actor, data: Mapping[str, Any]) -> Campaign:
    require(actor, Action.CAMPAIGN_CREATE)
    clean = _validated(data, partial=False)
    campaign = Campaign(**clean)
    db.session.add(campaign)
    db.session.flush()
    audit.record(actor, "campaign.create", campaign_id=campaign.id, subject=("campaign", campaign.id))
    return campaign


def update_campaign(actor: Actor, campaign: Campaign, data: Mapping[str, Any]) -> Campaign:
    """Edit title and description any time; the scale and the notice period only while in draft."""
    require(actor, Action.CAMPAIGN_EDIT, campaign)
    clean = _validated(data, partial=True)
    draft_only = {"scale_json", "notice_working_days"} & clean.keys()
    if draft_only and campaign.phase is not Phase.DRAFT:
        raise WrongPhase(msg(N_("评定表和公示期只能在筹备阶段修改。")))
    changed = {k: v for k, v in clean.items() if getattr(campaign, k) != v}
    for key, value in changed.items():
        setattr(campaign, key, value)
    db.session.flush()
    if changed:
        audit.record(
            actor,
            "campaign.update",
            campaign_id=campaign.id,
            subject=("campaign", campaign.id),
            data={"fields": sorted(k.removesuffix("_json") for k in changed)},
        )
    return campaign


@dataclass(frozen=True)
class CampaignFacts:
    """What a hot write path needs of a campaign — its id, phase and scale — read without the ORM
    (the ballot per tap: the write guard reads it once and the ballot uses the same row)."""

    id: int
    phase: Phase
    scale: tuple[Grade, ...]


_FACTS = sa.select(Campaign.id, Campaign.phase, Campaign.scale_json).where(
    Campaign.id == sa.bindparam("cid", type_=sa.Integer)
)


def facts(campaign_id: int, known: CampaignFacts | None = None) -> CampaignFacts | None:
    """The campaign's id, phase and scale: *known* when the request already read them for this
    campaign (the write guard, a seat's token lookup), else one Core query."""
    if known is not None and known.id == campaign_id:
        return known
    row = db.session.connection().execute(_FACTS, {"cid": campaign_id}).first()
    return facts_of_row(*row) if row is not None else None


def facts_of_row(campaign_id: int, phase: Phase, scale_json: list[dict[str, Any]] | None) -> CampaignFacts:
    """:class:`CampaignFacts` from the columns ``id, phase, scale`` of a Core query."""
    return CampaignFacts(campaign_id, phase, scale_from_json(scale_json))


def get_campaign(actor: Actor, campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(msg(N_("评选活动不存在。")))
    require(actor, Action.CAMPAIGN_VIEW, campaign)
    return campaign


def list_campaigns(actor: Actor) -> list[Campaign]:
    require(actor, Action.CAMPAIGN_VIEW)
    stmt = sa.select(Campaign).order_by(Campaign.id.desc())
    if not actor.is_office:
        stmt = stmt.where(Campaign.id == actor.campaign_id)
    return list(db.session.scalars(stmt))
