"""The 实地考察 demo: a campaign in training with an indicator tree, two inspection teams, one visit
done and signed (with its photos) and one scheduled — built through the use cases (the tree through
the 测评体系's, everything after it through the inspection's)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from evalflow.assessment import tree
from evalflow.assessment.parse import parse_tree
from evalflow.demo.training import _unit
from evalflow.extensions import db
from evalflow.inspection import photos, sheets, signoff, teams, visits
from evalflow.shared import clock
from evalflow.shared.access import Actor, Role
from evalflow.shared.accounts import actors
from evalflow.shared.accounts import service as accounts
from evalflow.shared.accounts.models import User
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.phases import Phase

TITLE = "2026年度社区文明单位评选(实地考察演示)"
DESCRIPTION = "实地考察的演示:考察组、回避、事先通知与暗访、离线填写的评分表、现场照片、组长签字。"
UNITS = (("温泉街道", "wenquan"), ("东街社区", "dongjie"), ("三坊七巷社区", "sanfang"))
INSPECTORS = (("kaocha1", "王建国", None), ("kaocha2", "李芳", None), ("kaocha3", "张伟", "三坊七巷社区"))


def _tree() -> dict[str, Any]:
    grades = {"grades": [{"label": "好", "fraction": 1}, {"label": "较好", "fraction": 0.8},
                         {"label": "一般", "fraction": 0.6}]}  # fmt: skip
    return {"mode": "points", "items": [
        {"code": "A", "title": "思想道德建设", "children": [
            {"code": "A1", "title": "理论学习制度", "points": 10, "method": "materials"},
            {"code": "A2", "title": "新时代文明实践站(所)阵地", "points": 6, "method": "inspection",
             "criteria": "看实地:阵地有场所、有标识、有活动记录。"},
        ]},
        {"code": "B", "title": "创建环境", "children": [
            {"code": "B1", "title": "环境卫生与公共秩序", "points": 8, "method": "inspection", "rubric": grades,
             "criteria": "看实地:无乱堆乱放、无卫生死角,公益广告醒目。"},
            {"code": "B2", "title": "创建工作汇报", "points": 10, "method": "briefing"},
        ]},
    ]}  # fmt: skip


def _photo(color: tuple[int, int, int]) -> Any:
    import io

    from PIL import Image
    from werkzeug.datastructures import FileStorage

    out = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(out, "JPEG")
    out.seek(0)
    return FileStorage(out, filename="现场.jpg", content_type="image/jpeg")


def _people(password: str, units: dict[str, Unit]) -> dict[str, User]:
    people = {}
    for username, name, works_for in INSPECTORS:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            user = accounts.create_user(username, password, Role.INSPECTOR, display_name=name)
        user.affiliation_unit_id = units[works_for].id if works_for else None
        people[username] = user
    db.session.flush()
    return people


def _done_visit(office: Actor, campaign: Campaign, unit: Unit, people: dict[str, User]) -> None:
    lead, mate = people["kaocha1"], people["kaocha2"]
    start = clock.now() - timedelta(days=1)
    visit = visits.create_visit(office, campaign, {"unit_id": unit.id, "inspector_ids": [lead.id, mate.id],
                                                   "leader_id": lead.id, "starts_at": start.isoformat(),
                                                   "announced": False})  # fmt: skip
    for user, a2, b1, color in ((lead, 5.5, "好", (40, 120, 60)), (mate, 5, "较好", (180, 150, 60))):
        actor = actors.actor_for_user(user)
        photos.add_photo(actor, visit.id, _photo(color), "A2")
        sheets.save_sheet(actor, visit.id, {
            "scores": {"A2": a2}, "grades": {"B1": b1}, "comments": {"A2": "阵地标识清楚,活动台账齐全。"},
            "arrived_at": start.isoformat(), "left_at": (start + timedelta(hours=2)).isoformat(),
            "people_met": "街道党工委书记、文明办主任、志愿者代表", "summary": "看实地、听介绍、评资料,整体较好。",
            "submit": True,
        })  # fmt: skip
    signoff.sign(actors.actor_for_user(lead), visit.id)


def load(office: Actor, password: str) -> list[str]:
    """Create the inspection demo campaign once; report it either way."""
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.title == TITLE))
    if campaign is None:
        campaign = campaigns.create_campaign(office, {"title": TITLE, "description": DESCRIPTION})
        phases.advance_phase(office, campaign, Phase.INTAKE, "演示数据")
        units = {name: _unit(campaign, name, username, password) for name, username in UNITS}
        tree.save_tree(office, campaign, parse_tree(_tree()), source="demo")
        phases.advance_phase(office, campaign, Phase.TRAINING, "演示数据")
        people = _people(password, units)
        team = teams.create_team(office, campaign, "第一考察组", [people["kaocha1"].id, people["kaocha2"].id],
                                 people["kaocha1"].id)  # fmt: skip
        teams.declare_conflict(office, campaign, units["东街社区"].id, people["kaocha2"].id, "曾在该社区挂职")
        _done_visit(office, campaign, units["温泉街道"], people)
        later = clock.local(clock.now()).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(
            days=3
        )
        visits.create_visit(office, campaign, {"unit_id": units["东街社区"].id,
                                               "inspector_ids": [people["kaocha1"].id, people["kaocha3"].id],
                                               "leader_id": people["kaocha1"].id, "starts_at": later.isoformat(),
                                               "announced": True, "team_id": team.id})  # fmt: skip
    return [
        f"inspection demo campaign #{campaign.id}: {campaign.title} ({campaign.phase.value})",
        "inspection demo logins: kaocha1 (leader), kaocha2, kaocha3; units wenquan, dongjie, sanfang (same password as admin)",
    ]
