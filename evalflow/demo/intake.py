"""Demo applicants: the units of the seed's summaries 1, 2, 3, 4 and 6, each with that summary as its
report, in various review states. Built through the services, so the demo obeys the real rules.

Idempotent: units that already exist are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.intake import applications as intake
from evalflow.intake import units
from evalflow.shared.access import Actor
from evalflow.shared.accounts import actors
from evalflow.shared.accounts import service as accounts
from evalflow.shared.campaigns.models import Campaign, Unit

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class DemoUnit:
    summary: int
    name: str
    username: str
    contact: str
    title: str
    outcome: str  # accepted | submitted | returned | resubmitted-accepted


DEMO_UNITS: tuple[DemoUnit, ...] = (
    DemoUnit(1, "人民路街道xx社区", "renminlu", "王主任", "xx社区上半年精神文明建设工作总结", "accepted"),
    DemoUnit(
        2, "五塔北街社区", "wutabeijie", "李主任", "五塔北街社区文明创建工作汇报", "resubmitted-accepted"
    ),
    DemoUnit(3, "财源社区", "caiyuan", "赵书记", "财源社区创建文明社区工作总结", "submitted"),
    DemoUnit(
        4, "城关镇xx社区", "chengguan", "陈主任", "城关镇xx社区春节元宵期间精神文明创建工作总结", "returned"
    ),
    DemoUnit(6, "乌山社区", "wushan", "林书记", "乌山社区创建文明城区工作汇报", "accepted"),
)

RETURN_COMMENT = "请补充创建工作的具体数据(活动场次、参与人数),并附活动照片。"


def report_text(summary: int) -> str:
    return (DATA / f"report_{summary}.txt").read_text(encoding="utf-8").strip()


def _unit_actor(unit: Unit, username: str, password: str) -> Actor:
    user = units.login_of(unit)
    user.username = username
    user.password_hash = accounts.hash_password(password)
    db.session.flush()
    return actors.actor_for_user(user)


def _apply(office: Actor, campaign: Campaign, spec: DemoUnit, password: str) -> None:
    created = units.create_unit(
        office,
        campaign,
        {
            "name": spec.name,
            "category": "社区",
            "contact_name": spec.contact,
            "contact_phone": "0551-12345678",
        },
    )
    unit = created.unit
    me = _unit_actor(unit, spec.username, password)
    text = report_text(spec.summary)
    first = text if spec.outcome != "resubmitted-accepted" else text.split("\n三、")[0]
    intake.save_draft(me, campaign, unit.id, {"report_title": spec.title, "report_text": first})
    intake.submit(me, campaign, unit.id)
    if spec.outcome in ("returned", "resubmitted-accepted"):
        intake.review(office, campaign, unit.id, "return", RETURN_COMMENT)
    if spec.outcome == "resubmitted-accepted":
        intake.save_draft(me, campaign, unit.id, {"report_title": spec.title, "report_text": text})
        intake.submit(me, campaign, unit.id)
    if spec.outcome in ("accepted", "resubmitted-accepted"):
        intake.review(office, campaign, unit.id, "accept", "材料齐全,同意参评。")


def load(office: Actor, campaign: Campaign, password: str) -> list[str]:
    """Add the demo applicants to *campaign* (in intake); return a summary for the console."""
    existing = set(db.session.scalars(sa.select(Unit.name).where(Unit.campaign_id == campaign.id)))
    for spec in DEMO_UNITS:
        if spec.name not in existing:
            _apply(office, campaign, spec, password)
    logins = ", ".join(s.username for s in DEMO_UNITS)
    return [f"demo units: {len(DEMO_UNITS)} (logins {logins}; same password as admin)"]
