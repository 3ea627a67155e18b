"""A second demo campaign, in the training phase (集中培训): schedule, attendance, Q&A and delegates.

Units and their accepted applications are written directly (their intake is not the point here); the
phase moves and everything of the training go through the services. Idempotent: once the campaign
exists, nothing is changed.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from evalflow.briefing import seats
from evalflow.extensions import db
from evalflow.intake.models import Application, ApplicationStatus
from evalflow.shared import clock
from evalflow.shared.access import Actor, Role
from evalflow.shared.accounts import service as accounts
from evalflow.shared.accounts.models import User
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.phases import Phase
from evalflow.training import faq
from evalflow.training import service as training

TITLE = "2025年度社区文明单位评选(集中培训演示)"
DESCRIPTION = "集中培训阶段的演示:培训安排、签到、培训问答(信息共享)和参会代表。"

UNITS: tuple[tuple[str, str], ...] = (
    ("白马河社区", "baimahe"),
    ("道山路社区", "daoshanlu"),
    ("南一巷社区", "nanyixiang"),
    ("翠园康城小区", "cuiyuan"),
)

QA: tuple[tuple[str, str], ...] = (
    ("申报材料需要提交几份?", "汇报材料一份(电子版上传即可),附件按实际情况上传,单个文件不超过 20 MB。"),
    ("集中汇报时每个单位汇报多长时间?", "每个单位汇报 8 分钟,之后由其他单位的代表现场评分。"),
    (
        "参加汇报会的三名代表有什么要求?",
        "一名汇报人、一名中层干部代表、一名群众代表;群众代表应为本单位的普通群众。",
    ),
    ("实地考察会提前通知吗?", "会。实地考察前三个工作日通知,请按培训讲解的内容主动做好迎检准备。"),
)

SEATS: dict[str, tuple[tuple[str, str], ...]] = {
    "白马河社区": (("reporter", "林海"), ("cadre", "陈静"), ("public", "王秀英")),
    "道山路社区": (("reporter", "郑明"), ("cadre", "黄丽")),
}


def _unit(campaign: Campaign, name: str, username: str, password: str) -> Unit:
    unit = Unit(campaign_id=campaign.id, name=name, contact_name="联系人")
    db.session.add(unit)
    db.session.flush()
    db.session.add(
        Application(unit_id=unit.id, status=ApplicationStatus.ACCEPTED, report_title=f"{name}创建工作汇报")
    )
    if not db.session.scalar(sa.select(User.id).where(User.username == username)):
        db.session.add(
            User(
                username=username,
                password_hash=accounts.hash_password(password),
                role=Role.UNIT,
                unit_id=unit.id,
                display_name=name,
            )
        )
    db.session.flush()
    return unit


def _training(office: Actor, campaign: Campaign, units: dict[str, Unit]) -> None:
    starts = clock.local(clock.now()).replace(hour=9, minute=30, second=0, microsecond=0) + timedelta(days=3)
    training.save_schedule(
        office, campaign, {"starts_at": starts.isoformat(), "place": "社区文明办二楼会议室"}
    )
    training.mark_attendance(office, campaign, units["白马河社区"].id, {"status": "attended"})
    training.mark_attendance(office, campaign, units["道山路社区"].id, {"status": "attended"})
    training.mark_attendance(
        office, campaign, units["南一巷社区"].id, {"status": "excused", "note": "主任外出学习,已领取资料"}
    )


def _qa_and_seats(office: Actor, campaign: Campaign, units: dict[str, Unit]) -> None:
    for question, answer in QA:
        faq.add_entry(office, campaign, {"question": question, "answer": answer})
    asker = units["翠园康城小区"]
    unit_actor = Actor(Role.UNIT, unit_id=asker.id, campaign_id=campaign.id, label="cuiyuan")
    faq.ask(unit_actor, campaign, {"question": "小区物业可以作为群众代表参加吗?"})
    for unit_name, delegates in SEATS.items():
        for role, name in delegates:
            seats.create_seat(office, campaign, units[unit_name].id, {"role": role, "name": name})


def load(office: Actor, password: str) -> list[str]:
    """Create the training demo campaign once; report it either way."""
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.title == TITLE))
    if campaign is None:
        campaign = campaigns.create_campaign(office, {"title": TITLE, "description": DESCRIPTION})
        phases.advance_phase(office, campaign, Phase.INTAKE, "演示数据")
        units = {name: _unit(campaign, name, username, password) for name, username in UNITS}
        phases.advance_phase(office, campaign, Phase.TRAINING, "演示数据")
        _training(office, campaign, units)
        _qa_and_seats(office, campaign, units)
    logins = ", ".join(username for _, username in UNITS)
    return [
        f"training demo campaign #{campaign.id}: {campaign.title} ({campaign.phase.value})",
        f"training demo unit logins: {logins} (same password as admin)",
    ]
