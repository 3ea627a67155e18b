"""The commendation (审定表彰): the final notice, the commended units, the public list."""

from __future__ import annotations

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.notice.models import (
    Notice,
    Objection,
)
from evalflow.notice.rules import ObjectionState
from evalflow.notice.service import current_notice, units_of
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.errors import NotFound
from evalflow.shared.messages import N_, msg
from evalflow.shared.phases import Phase


def final_notice(campaign: Campaign) -> Notice | None:
    notice = current_notice(campaign.id)
    return notice if notice is not None and notice.published_at is not None else None


def commended_units(campaign: Campaign) -> list[Unit]:
    """The noticed units minus those with an upheld objection, by category and name."""
    notice = final_notice(campaign)
    if notice is None:
        return []
    upheld = set(
        db.session.scalars(
            sa.select(Objection.unit_id).where(
                Objection.notice_id == notice.id, Objection.state == ObjectionState.UPHELD
            )
        )
    )
    return [u for u in units_of(notice) if u.id not in upheld]


def public_commendation(campaign_id: int) -> tuple[Campaign, list[Unit]]:
    """The commendation list, public once the campaign is ``final`` (404 before)."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.phase is not Phase.FINAL:
        raise NotFound(msg(N_("表彰名单尚未审定公布。")))
    return campaign, commended_units(campaign)


def campaign_of_notice(notice: Notice) -> Campaign:
    campaign = db.session.get(Campaign, notice.campaign_id)
    assert campaign is not None
    return campaign
