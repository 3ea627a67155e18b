"""The presentation order of the briefing: set by hand, or drawn by lot with a recorded seed.

Fixed once the first presentation opens. The algorithm is :func:`evalflow.briefing.rules.draw_order`
(documented in docs/briefing.md), so anyone can reproduce a drawing from its seed and units.
"""

from __future__ import annotations

import sqlalchemy as sa

from evalflow.briefing import rules
from evalflow.briefing.agenda import AgendaItem, agenda_items, presentation_rows, write_order
from evalflow.briefing.models import BriefingDraw, Presentation
from evalflow.briefing.rules import PresentationState
from evalflow.extensions import db
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import Conflict
from evalflow.shared.messages import N_, msg

OPEN, CLOSED, PENDING = PresentationState.OPEN, PresentationState.CLOSED, PresentationState.PENDING


# --- the order ------------------------------------------------------------------------------------


def _require_order_open(campaign: Campaign) -> list[Presentation]:
    rows = [p for p, _ in presentation_rows(campaign.id)]
    if not rows:
        raise Conflict(msg(N_("还没有汇报单位。")), code="no_presentations")
    if any(p.status is not PENDING for p in rows):
        raise Conflict(msg(N_("已有单位开始汇报,汇报顺序不能再更改。")), code="order_fixed")
    return rows


def set_order(actor: Actor, campaign: Campaign, unit_ids: object) -> list[AgendaItem]:
    """The office sets the order by hand (every presenting unit once); removes any drawing."""
    require(actor, Action.PRESENTATION_MANAGE, campaign)
    rows = _require_order_open(campaign)
    order = rules.parse_order(unit_ids, [p.unit_id for p in rows])
    write_order(campaign, order)
    db.session.execute(sa.delete(BriefingDraw).where(BriefingDraw.campaign_id == campaign.id))
    audit.record(
        actor,
        "briefing.order",
        campaign_id=campaign.id,
        subject=("campaign", campaign.id),
        data={"order": order},
    )
    return agenda_items(campaign)


def draw(actor: Actor, campaign: Campaign, seed: object = None) -> tuple[BriefingDraw, list[AgendaItem]]:
    """Draw lots: the order is :func:`evalflow.briefing.rules.draw_order` of the units and the seed.

    The seed (given, e.g. read out in the hall, or made up here) and the algorithm are stored, so
    anyone can reproduce the order. Drawing again replaces the drawing while no one has presented.
    """
    require(actor, Action.PRESENTATION_MANAGE, campaign)
    rows = _require_order_open(campaign)
    clean_seed = rules.parse_seed(seed)
    units = sorted(p.unit_id for p in rows)
    order = rules.draw_order(units, clean_seed)
    write_order(campaign, order)
    db.session.execute(sa.delete(BriefingDraw).where(BriefingDraw.campaign_id == campaign.id))
    record = BriefingDraw(
        campaign_id=campaign.id,
        seed=clean_seed,
        algorithm=rules.DRAW_ALGORITHM,
        unit_ids=units,
        drawn_by=actor.label,
        drawn_at=clock.now(),
    )
    db.session.add(record)
    db.session.flush()
    audit.record(
        actor,
        "briefing.draw",
        campaign_id=campaign.id,
        subject=("campaign", campaign.id),
        data={"seed": clean_seed, "algorithm": rules.DRAW_ALGORITHM, "units": units, "order": order},
    )
    return record, agenda_items(campaign)
