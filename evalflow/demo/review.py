"""The 综合测评 demo: a campaign in review whose composite combines 材料审核, 实地考察 and the briefing.

Four units with accepted applications (written directly, as the tally demo does); the tree, the
reviewers' assignments and sheets, the visits (暗访, two days ago) and their signatures, the seats, the phase moves and the
proposed list go through the use cases; the briefing's ballots are written directly (one grade per unit
from every delegate, so its tally score is that grade's points). Leaving the briefing seals the ballots
and every composite input. Idempotent: once the campaign exists, nothing is changed.

The figures (docs/assessment.md, *The demo*): A1 材料审核 10 points (two reviewers), B1 实地考察 10 (a
leader and a member), C1 集中汇报互评 20 (tally score ÷ 100), bonus T1 材料审核 3 (cap 3), threshold 30:

==========  ===========  ==========  =======  =====  ======  ====  =========
unit        A1           B1          C1       T1     total   rank  qualifies
==========  ===========  ==========  =======  =====  ======  ====  =========
鼓楼社区     9, 9.5       9, 9        好 → 20  2, 2   40.25   1     yes
台江社区     8, 8         8, 7        较好 → 16        31.50   3     yes
仓山社区     7, 7.5       6, 7        一般 → 12        25.75   4     no (below 30)
晋安社区     8.5, 9       9, 8        较好 → 16        33.25   2     yes
==========  ===========  ==========  =======  =====  ======  ====  =========
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from evalflow.assessment import reviewers, sheets, tree
from evalflow.assessment.parse import parse_tree
from evalflow.briefing import seats
from evalflow.briefing.models import Ballot
from evalflow.briefing.rules import BallotSource
from evalflow.demo.tally import _close_presentations
from evalflow.extensions import db
from evalflow.inspection import sheets as visit_sheets
from evalflow.inspection import signoff, visits
from evalflow.intake.models import Application, ApplicationStatus
from evalflow.review import proposals
from evalflow.shared import clock
from evalflow.shared.access import Actor, Role
from evalflow.shared.accounts import actors
from evalflow.shared.accounts import service as accounts
from evalflow.shared.accounts.models import User
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.campaigns.models import Campaign, Seat, Unit
from evalflow.shared.phases import Phase
from evalflow.training import service as training

TITLE = "2026年度社区文明单位评选(综合测评演示)"
DESCRIPTION = "综合测评的演示:材料审核、实地考察与集中汇报互评按声明的公式合成总分,每个分数可追溯到评分表。"
# name → (A1 by 评审一/评审二, B1 by leader/member, the briefing's grade, T1 by both or None)
UNITS: dict[str, tuple[tuple[float, float], tuple[float, float], str, float | None]] = {
    "鼓楼社区": ((9, 9.5), (9, 9), "好", 2),
    "台江社区": ((8, 8), (8, 7), "较好", None),
    "仓山社区": ((7, 7.5), (6, 7), "一般", None),
    "晋安社区": ((8.5, 9), (9, 8), "较好", None),
}
REVIEWERS = (("pingshen1", "陈评审"), ("pingshen2", "林评审"))
INSPECTORS = (("kaocha4", "郑组长"), ("kaocha5", "黄组员"))


def tree_data() -> dict[str, Any]:
    return {"mode": "points", "bonus_cap": 3, "threshold": 30, "items": [
        {"code": "A1", "title": "创建工作制度与台账", "points": 10, "method": "materials",
         "criteria": "看资料:创建规划、工作制度、活动台账齐全。"},
        {"code": "B1", "title": "社区环境与文明实践阵地", "points": 10, "method": "inspection",
         "criteria": "看实地:环境整洁、阵地有标识有活动。"},
        {"code": "C1", "title": "创建工作汇报", "points": 20, "method": "briefing"},
        {"code": "T", "title": "特色工作", "bonus": True, "children": [
            {"code": "T1", "title": "特色品牌", "points": 3, "method": "materials"},
        ]},
    ]}  # fmt: skip


def _units(campaign: Campaign) -> dict[str, Unit]:
    units = {}
    for name in UNITS:
        unit = Unit(campaign_id=campaign.id, name=name, category="社区", contact_name="联系人")
        db.session.add(unit)
        db.session.flush()
        db.session.add(
            Application(
                unit_id=unit.id, status=ApplicationStatus.ACCEPTED, report_title=f"{name}创建工作汇报"
            )
        )
        units[name] = unit
    db.session.flush()
    return units


def _person(username: str, name: str, role: Role, password: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    return user or accounts.create_user(username, password, role, display_name=name)


def _materials(office: Actor, campaign: Campaign, units: dict[str, Unit], password: str) -> None:
    people = [_person(u, n, Role.REVIEWER, password) for u, n in REVIEWERS]
    for person in people:
        reviewers.set_units(office, campaign, person.id, [u.id for u in units.values()])
    for name, (a1, _, _, t1) in UNITS.items():
        for index, person in enumerate(people):
            scores: dict[str, object] = {"A1": a1[index], **({"T1": t1} if t1 is not None else {})}
            comments = {"A1": "制度与台账齐全。" if a1[index] >= 9 else "台账有缺项,建议补齐。"}
            sheets.save_sheet(actors.actor_for_user(person), campaign, units[name].id,
                              {"scores": scores, "comments": comments}, submit=True)  # fmt: skip


def _inspection(office: Actor, campaign: Campaign, units: dict[str, Unit], password: str) -> None:
    lead, mate = (_person(u, n, Role.INSPECTOR, password) for u, n in INSPECTORS)
    start = clock.now() - timedelta(days=2)
    for name, (_, b1, _, _) in UNITS.items():
        visit = visits.create_visit(office, campaign, {
            "unit_id": units[name].id, "inspector_ids": [lead.id, mate.id], "leader_id": lead.id,
            "starts_at": start.isoformat(), "announced": False,
        })  # fmt: skip
        for person, points in zip((lead, mate), b1, strict=True):
            visit_sheets.save_sheet(actors.actor_for_user(person), visit.id, {
                "scores": {"B1": points}, "comments": {"B1": "环境整洁,阵地活动记录完整。"}, "submit": True,
            })  # fmt: skip
        signoff.sign(actors.actor_for_user(lead), visit.id)


def _ballots(units: dict[str, Unit]) -> None:
    by_id = {u.id: name for name, u in units.items()}
    seat_rows = db.session.execute(sa.select(Seat.id, Seat.unit_id).where(Seat.unit_id.in_(list(by_id))))
    rows = [
        {"seat_id": seat_id, "unit_id": unit.id, "grade": UNITS[name][2], "source": BallotSource.ONLINE,
         "updated_at": clock.now()}
        for seat_id, seat_unit in seat_rows
        for name, unit in units.items()
        if unit.id != seat_unit
    ]  # fmt: skip
    db.session.execute(sa.insert(Ballot), rows)


def load(office: Actor, password: str) -> list[str]:
    """Create the composite demo campaign once; report it either way."""
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.title == TITLE))
    if campaign is None:
        campaign = campaigns.create_campaign(office, {"title": TITLE, "description": DESCRIPTION})
        phases.advance_phase(office, campaign, Phase.INTAKE, "演示数据")
        units = _units(campaign)
        tree.save_tree(office, campaign, parse_tree(tree_data()), source="demo")
        phases.advance_phase(office, campaign, Phase.TRAINING, "演示数据")
        _materials(office, campaign, units, password)
        _inspection(office, campaign, units, password)
        for unit in units.values():
            training.mark_attendance(office, campaign, unit.id, {"status": "attended"})
            for role, label in (("reporter", "汇报人"), ("cadre", "干部代表"), ("public", "群众代表")):
                seats.create_seat(
                    office, campaign, unit.id, {"role": role, "name": f"{unit.name[:2]}{label}"}
                )
        phases.advance_phase(office, campaign, Phase.BRIEFING, "演示数据")
        _ballots(units)
        _close_presentations(campaign)
        phases.advance_phase(office, campaign, Phase.REVIEW, "演示数据:集中汇报互评结束")
        proposals.propose(office, campaign, {})
    return [
        f"composite demo campaign #{campaign.id}: {campaign.title} ({campaign.phase.value})",
        "composite demo logins: reviewers pingshen1, pingshen2; inspectors kaocha4, kaocha5 (same password as admin)",
    ]
