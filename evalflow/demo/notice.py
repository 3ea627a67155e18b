"""Two demo campaigns of the last phases: one whose notice (公示) is open today — the landing page
lists it and an objection can be filed — and one that is final (审定表彰) with its commendation list.

Units, their accepted applications, attendance and closed presentations are written directly (the
earlier phases are not the point here); the notice, the objections, their answers and every phase
move go through the services. The finished campaign's notice period is moved into the past once its
objection is answered, so that its ``notice → final`` guard holds today. Idempotent.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from evalflow.briefing.models import Presentation
from evalflow.briefing.rules import PresentationState
from evalflow.extensions import db
from evalflow.intake.models import Application, ApplicationStatus
from evalflow.notice import objections
from evalflow.notice import service as notice
from evalflow.notice.models import Notice
from evalflow.shared import clock
from evalflow.shared.access import Actor
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.phases import Phase
from evalflow.training.models import Attendance, AttendanceStatus

OPEN_TITLE = "2026年度市级文明单位评选(公示演示)"
FINAL_TITLE = "2025年度市级文明单位评选(审定表彰演示)"
CONTACT = {
    "phone": "0591-87110000",
    "email": "wmb@example.gov.cn",
    "address": "福州市鼓楼区示例路 1 号市文明办",
    "postcode": "350001",
}
OPEN_UNITS: tuple[tuple[str, str], ...] = (
    ("市图书馆", "机关事业单位"),
    ("市第一医院", "机关事业单位"),
    ("鼓楼区温泉街道", "街道社区"),
    ("闽江水务集团", "企业"),
    ("三坊七巷管理委员会", "机关事业单位"),
)
FINAL_UNITS: tuple[tuple[str, str], ...] = (
    ("市博物馆", "机关事业单位"),
    ("台江区瀛洲街道", "街道社区"),
    ("福州港务集团", "企业"),
    ("市公交集团第三分公司", "企业"),
)


def _units(campaign: Campaign, rows: tuple[tuple[str, str], ...]) -> list[Unit]:
    units = []
    for name, category in rows:
        unit = Unit(campaign_id=campaign.id, name=name, category=category, contact_name="联系人")
        db.session.add(unit)
        db.session.flush()
        db.session.add(
            Application(
                unit_id=unit.id, status=ApplicationStatus.ACCEPTED, report_title=f"{name}创建工作汇报"
            )
        )
        units.append(unit)
    db.session.flush()
    return units


def _to_review(office: Actor, campaign: Campaign, units: list[Unit]) -> None:
    phases.advance_phase(office, campaign, Phase.INTAKE, "演示数据")
    phases.advance_phase(office, campaign, Phase.TRAINING, "演示数据")
    for unit in units:
        db.session.add(Attendance(unit_id=unit.id, status=AttendanceStatus.ATTENDED))
    db.session.flush()
    phases.advance_phase(office, campaign, Phase.BRIEFING, "演示数据")
    now = clock.now()
    db.session.execute(
        sa.update(Presentation)
        .where(Presentation.campaign_id == campaign.id)
        .values(status=PresentationState.CLOSED, opened_at=now, closed_at=now)
    )
    phases.advance_phase(office, campaign, Phase.REVIEW, "演示数据")


def _publish(office: Actor, campaign: Campaign, units: list[Unit]) -> Notice:
    item = notice.create_notice(office, campaign, {"unit_ids": [u.id for u in units], "contact": CONTACT})
    notice.publish(office, campaign, "演示数据")
    return item


def _open_campaign(office: Actor) -> Campaign:
    campaign = campaigns.create_campaign(office, {"title": OPEN_TITLE, "description": "公示阶段的演示。"})
    units = _units(campaign, OPEN_UNITS)
    _to_review(office, campaign, units)
    item = _publish(office, campaign, units[:4])  # the fifth unit was not proposed
    received = objections.file_objection(
        item.id,
        {"unit_id": units[1].id, "name": "李明", "phone": "13800000001",
         "content": "该医院门诊大厅秩序混乱,挂号排队时间长,与文明单位称号不符,请予核查。"},
    )  # fmt: skip
    objections.start_investigation(office, received.id, "已请卫健委协助核查")
    objections.file_objection(
        item.id,
        {"unit_id": units[3].id, "name": "陈芳", "phone": "13800000002",
         "content": "该集团下属工地夜间施工噪音扰民,多次反映未解决。"},
    )  # fmt: skip
    return campaign


def _final_campaign(office: Actor) -> Campaign:
    campaign = campaigns.create_campaign(
        office, {"title": FINAL_TITLE, "description": "审定表彰阶段的演示。"}
    )
    units = _units(campaign, FINAL_UNITS)
    _to_review(office, campaign, units)
    item = _publish(office, campaign, units)
    upheld = objections.file_objection(
        item.id,
        {"unit_id": units[3].id, "name": "张华", "phone": "13800000003",
         "content": "该分公司今年发生一起重大交通安全责任事故,已被通报。"},
    )  # fmt: skip
    objections.resolve_objection(
        office,
        upheld.id,
        {"outcome": "upheld", "reply": "经核实,该单位今年发生安全责任事故,不予表彰。感谢您的监督。"},
    )
    dismissed = objections.file_objection(
        item.id,
        {"unit_id": units[0].id, "name": "赵强", "phone": "13800000004",
         "content": "博物馆周末讲解员不足,服务不到位。"},
    )  # fmt: skip
    objections.resolve_objection(
        office, dismissed.id, {"outcome": "dismissed", "reply": "经核查,周末已增设志愿讲解员,服务符合要求。"}
    )
    # Demo only: the period ended a week ago, so the notice → final guard holds today.
    shift = (item.ends_on - clock.today()) + timedelta(days=7)
    item.starts_on -= shift
    item.ends_on -= shift
    db.session.flush()
    phases.advance_phase(office, campaign, Phase.FINAL, "演示数据:公示期满,异议已处理完毕")
    return campaign


def load(office: Actor) -> list[str]:
    """Create both campaigns once; report them either way."""
    lines = []
    for title, build in ((OPEN_TITLE, _open_campaign), (FINAL_TITLE, _final_campaign)):
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.title == title))
        if campaign is None:
            campaign = build(office)
        lines.append(f"notice demo campaign #{campaign.id}: {campaign.title} ({campaign.phase.value})")
    return lines
