"""A campaign at the end of the briefing whose 综合测评 combines materials, inspection and the
briefing, with hand-computed totals (the figures are in :data:`EXPECTED`).

Tree (mode points, bonus cap 4): A1 材料审核 6, A2 实地考察 4, B 集中汇报互评 10, bonus T1/T2 材料审核
3 each, deduction F 征求意见 2. Three accepted units 甲 乙 丙, three seats each; each unit gets six
ballots: 甲 6×好 (trimmed mean 100), 乙 6×较好 (80), 丙 好 较好 较好 一般 一般 一般 (trimmed 70).

=====  ============  =============  ========  ===========================  =====  =====
unit   A1 (张, 李)    A2 (林, 赵)     B         bonus T1+T2 → capped          F      total
=====  ============  =============  ========  ===========================  =====  =====
甲     5, 6 → 5.5    4, 3 → 3.5     10        (3,3)+(2,2) = 5 → 4           0      23
乙     4, 5 → 4.5    3, 3 → 3       8         (1.5,1.5) = 1.5               0      17
丙     5, 5 → 5      4, 4 → 4       7         (1,1) = 1                     2      15
=====  ============  =============  ========  ===========================  =====  =====
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evalflow.assessment.rules import Method
from evalflow.extensions import db
from evalflow.shared.access import Role
from evalflow.shared.accounts.models import User
from evalflow.shared.campaigns.models import Campaign, Unit
from tests import factories, tally_world
from tests.factories import bearer

EXPECTED = {
    "甲": {"sources": {"materials": 5.5, "inspection": 3.5, "briefing": 10.0}, "bonus": 4.0, "deductions": 0.0,
           "total": 23.0, "rank": 1},
    "乙": {"sources": {"materials": 4.5, "inspection": 3.0, "briefing": 8.0}, "bonus": 1.5, "deductions": 0.0,
           "total": 17.0, "rank": 2},
    "丙": {"sources": {"materials": 5.0, "inspection": 4.0, "briefing": 7.0}, "bonus": 1.0, "deductions": 2.0,
           "total": 15.0, "rank": 3},
}  # fmt: skip

MATERIALS = {  # unit index → (张's marks, 李's marks)
    0: ({"A1": 5, "T1": 3, "T2": 2}, {"A1": 6, "T1": 3, "T2": 2}),
    1: ({"A1": 4, "T1": 1.5}, {"A1": 5, "T1": 1.5}),
    2: ({"A1": 5, "T1": 1}, {"A1": 5, "T1": 1}),
}
INSPECTION = {0: (4, 3), 1: (3, 3), 2: (4, 4)}  # unit index → (林's A2, 赵's A2)


def tree_data(extra: tuple[dict[str, Any], ...] = (), **settings: Any) -> dict[str, Any]:
    """The tree above; *extra* leaves are added after the deduction item."""
    return {
        "mode": "points",
        "bonus_cap": 4,
        **settings,
        "items": [
            {"code": "A", "title": "组织领导", "children": [
                {"code": "A1", "title": "制度健全", "points": 6, "method": "materials"},
                {"code": "A2", "title": "阵地建设", "points": 4, "method": "inspection"},
            ]},
            {"code": "B", "title": "创建工作汇报", "points": 10, "method": "briefing"},
            {"code": "T", "title": "特色", "bonus": True, "children": [
                {"code": "T1", "title": "品牌", "points": 3, "method": "materials"},
                {"code": "T2", "title": "推广", "points": 3, "method": "materials"},
            ]},
            {"code": "F", "title": "负面清单", "deduction": True, "points": 2, "method": "opinions"},
            *extra,
        ],
    }  # fmt: skip


@dataclass
class World:
    campaign: Campaign
    units: list[Unit]
    users: dict[str, User]
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return bearer(self.tokens[who])

    @property
    def cid(self) -> int:
        return self.campaign.id

    def by_name(self) -> dict[str, Unit]:
        return {u.name: u for u in self.units}


def _people(a: Unit) -> dict[str, User]:
    users = {
        "office": factories.office(),
        "zhang": factories.reviewer("zhang", "张评审"),
        "li": factories.reviewer("li", "李评审"),
        "lin": factories.user("lin", Role.INSPECTOR),
        "zhao": factories.user("zhao", Role.INSPECTOR),
        "unit": factories.user("unit-a", Role.UNIT, a),
    }
    users["lin"].display_name, users["zhao"].display_name = "林组长", "赵组员"
    return users


def build(
    *, score: bool = True, settings: dict[str, Any] | None = None, extra: tuple[dict[str, Any], ...] = ()
) -> World:
    """The campaign in the briefing, every unit presented; *score*: the sheets and visits above;
    *extra*: more leaves for the tree."""
    table = {0: ["好"] * 6, 1: ["较好"] * 6, 2: ["好", "较好", "较好", "一般", "一般", "一般"]}
    tally = tally_world.build(["甲", "乙", "丙"], tally_world.grades_table(table))
    tally_world.present_all(tally)
    campaign, units = tally.campaign, tally.units
    factories.indicators(campaign, tree_data(extra, **(settings or {})))
    users = _people(units[0])
    for unit in units:
        factories.assignment(unit, users["zhang"])
        factories.assignment(unit, users["li"])
    if score:
        for index, unit in enumerate(units):
            for who, marks in zip(("zhang", "li"), MATERIALS[index], strict=True):
                factories.submitted_sheet(unit, users[who], marks)
            lin, zhao = INSPECTION[index]
            factories.signed_visit(unit, {users["lin"]: {"A2": lin}, users["zhao"]: {"A2": zhao}})
        factories.submitted_sheet(units[2], users["office"], {"F": 2}, Method.OPINIONS)
    db.session.flush()
    tokens = {name: factories.token(user) for name, user in users.items()}
    db.session.commit()
    return World(campaign, units, users, tokens)
