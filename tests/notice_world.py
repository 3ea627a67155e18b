"""A campaign in ``review`` with accepted units, for the notice and objection tests.

Units 甲 (a, 机关), 乙 (b, 机关), 丙 (c, 企业) accepted; 丁 (d) accepted but vetoed; 戊 (e) rejected.
The office's "today" is pinned with ``FROZEN_TODAY`` (default 2026-09-29, a Tuesday before National Day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.intake.models import ApplicationStatus
from evalflow.notice import service as notice
from evalflow.shared.access import Actor
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.phases import Phase
from tests import factories

CONTACT = {
    "phone": "0591-87654321",
    "email": "wmb@example.gov.cn",
    "address": "福州市鼓楼区示例路1号",
    "postcode": "350001",
}
TODAY = date(2026, 9, 29)


@dataclass
class NoticeWorld:
    office: Actor
    campaign: Campaign
    a: Unit
    b: Unit
    c: Unit
    d: Unit
    e: Unit


def set_phase(campaign: Campaign, phase: Phase) -> None:
    """Test set-up only: put a campaign in *phase* directly (the product goes through advance_phase)."""
    db.session.execute(sa.update(Campaign).where(Campaign.id == campaign.id).values(phase=phase))
    db.session.refresh(campaign)


def set_today(app: Any, day: date) -> None:
    app.config["FROZEN_TODAY"] = day


def review_world(app: Any, title: str = "2026年度文明单位评选") -> NoticeWorld:
    set_today(app, TODAY)
    office = factories.actor(factories.admin())
    campaign = campaigns.create_campaign(office, {"title": title})
    a = factories.unit(campaign, "甲单位", ApplicationStatus.ACCEPTED)
    b = factories.unit(campaign, "乙单位", ApplicationStatus.ACCEPTED)
    c = factories.unit(campaign, "丙公司", ApplicationStatus.ACCEPTED)
    d = factories.unit(campaign, "丁单位", ApplicationStatus.ACCEPTED)
    e = factories.unit(campaign, "戊单位", ApplicationStatus.REJECTED)
    a.category = b.category = "机关事业单位"
    c.category = "企业"
    factories.veto(d, date(2026, 3, 1), "发生群体性事件", "事件")
    set_phase(campaign, Phase.REVIEW)
    db.session.commit()
    return NoticeWorld(office, campaign, a, b, c, d, e)


def published_world(app: Any, starts_on: date | None = None) -> tuple[NoticeWorld, Any]:
    """The world with a published notice of 甲、乙、丙 (open from *starts_on*, default today)."""
    world = review_world(app)
    data: dict[str, Any] = {"unit_ids": [world.a.id, world.b.id, world.c.id], "contact": CONTACT}
    if starts_on:
        data["starts_on"] = starts_on.isoformat()
    item = notice.create_notice(world.office, world.campaign, data)
    notice.publish(world.office, world.campaign)
    db.session.commit()
    return world, item
