"""A world for the 实地考察 tests: a campaign in training with a tree whose inspection leaves are
A2 (4 points), G1 (graded A/B/C) and T3 (bonus), two accepted units, the office, and inspectors —
甲's own employee among them — plus small helpers to schedule, fill and sign."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from PIL import Image

from evalflow.extensions import db
from evalflow.intake.models import ApplicationStatus
from evalflow.shared import clock
from evalflow.shared.access import Role
from evalflow.shared.accounts.models import User
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.phases import Phase
from tests import factories


def tree_data() -> dict[str, Any]:
    return {
        "mode": "points",
        "items": [
            {"code": "A", "title": "组织领导", "children": [
                {"code": "A1", "title": "制度", "points": 6, "method": "materials"},
                {"code": "A2", "title": "阵地建设", "points": 4, "method": "inspection"},
                {"code": "G1", "title": "环境卫生", "points": 8, "method": "inspection",
                 "rubric": {"grades": [{"label": "好", "fraction": 1}, {"label": "较好", "fraction": 0.75},
                                       {"label": "一般", "fraction": 0.5}]}},
            ]},
            {"code": "B", "title": "汇报", "points": 10, "method": "briefing"},
            {"code": "T", "title": "特色", "bonus": True, "children": [
                {"code": "T3", "title": "志愿服务亮点", "points": 2, "method": "inspection"},
            ]},
        ],
    }  # fmt: skip


@dataclass
class World:
    campaign: Campaign
    a: Unit
    b: Unit
    office: User
    lead: User  # leader
    mate: User  # a second inspector
    insider: User  # works for 甲
    stranger: User  # an inspector on no visit


def inspector(username: str, name: str, works_for: Unit | None = None) -> User:
    user = factories.user(username, Role.INSPECTOR)
    user.display_name = name
    user.affiliation_unit_id = works_for.id if works_for else None
    db.session.flush()
    return user


def build(phase: Phase = Phase.TRAINING) -> World:
    campaign = factories.campaign("实地考察评选", phase=phase)
    a = factories.unit(campaign, "甲社区", ApplicationStatus.ACCEPTED, report=True)
    b = factories.unit(campaign, "乙社区", ApplicationStatus.ACCEPTED, report=True)
    factories.indicators(campaign, tree_data())
    world = World(campaign, a, b, factories.office(), inspector("lead", "王组长"), inspector("mate", "李组员"),
                  inspector("insider", "赵内部", a), inspector("stranger", "钱旁人"))  # fmt: skip
    db.session.commit()
    return world


def later(hours: float = 48) -> str:
    return (clock.now() + timedelta(hours=hours)).isoformat()


def visit_body(world: World, unit: Unit | None = None, **extra: Any) -> dict[str, Any]:
    return {"unit_id": (unit or world.a).id, "inspector_ids": [world.lead.id, world.mate.id],
            "leader_id": world.lead.id, "starts_at": later(), "announced": True, **extra}  # fmt: skip


def jpeg(size: tuple[int, int] = (64, 48), exif: Any = None) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, "JPEG", **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def upload(
    data: bytes, code: str = "A2", client_id: str | None = None, name: str = "p.jpg"
) -> dict[str, Any]:
    form: dict[str, Any] = {"file": (io.BytesIO(data), name), "code": code}
    if client_id is not None:
        form["client_id"] = client_id
    return form
