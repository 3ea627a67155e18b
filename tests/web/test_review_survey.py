"""The survey and the departments' opinions in the 综合测评 (contract: *Assessment*, *问卷调查 and
征求意见*): a ``survey`` leaf is worth its points × the unit's 满意率 over valid answers, a deduction
the office decided on a department's problem counts on its deduction leaf, and the
``briefing → review`` guard names a sample not reached and a department that has not answered —
until the office closes the source with a reason. Figures on top of tests/review_world.py."""

from __future__ import annotations

from decimal import Decimal

from evalflow.assessment.rules import Method
from evalflow.extensions import db
from evalflow.survey.models import Opinion
from tests import factories
from tests.review_world import EXPECTED, build

SURVEY_LEAF = {"code": "S1", "title": "群众满意度", "points": 10, "method": "survey"}
OPTIONS = [
    {"label": "满意", "points": 10, "satisfied": True},
    {"label": "不满意", "points": 0, "satisfied": False},
]
QUESTIONNAIRE = {"mode": "open", "sample": 2, "respondents": ["resident"],
                 "questions": [{"text": "您对该单位是否满意?", "options": OPTIONS},
                               {"text": "您对周边环境是否满意?", "options": OPTIONS}]}  # fmt: skip


def _composite(client, world) -> dict[str, dict]:
    body = client.get(f"/api/v1/campaigns/{world.cid}/composite", headers=world.headers("office")).get_json()
    names = {u.id: u.name for u in world.units}
    return {names[u["unit_id"]]: u for u in body["units"]}


def _reasons(client, world) -> list[str]:
    response = client.post(f"/api/v1/campaigns/{world.cid}/transitions", json={"to": "review"},
                           headers=world.headers("office"))  # fmt: skip
    assert response.status_code == 409, response.get_json()
    return response.get_json()["error"]["reasons"]


def _answers(world, per_unit: dict[str, list[tuple[int, int]]]) -> None:
    """Per unit name, answers as (satisfied choices, chosen choices) of a resident."""
    units = world.by_name()
    for name, answers in per_unit.items():
        for satisfied, chosen in answers:
            choices = [0] * satisfied + [1] * (chosen - satisfied)
            factories.survey_answer(units[name], "resident", choices, satisfied=satisfied, chosen=chosen)
    db.session.commit()


def test_the_survey_leaf_is_its_points_times_the_satisfied_rate(app, client):
    world = build(extra=(SURVEY_LEAF,))
    factories.survey(world.campaign, QUESTIONNAIRE)
    _answers(world, {"甲": [(2, 2), (1, 2)], "乙": [(2, 2), (2, 2)], "丙": [(0, 2), (1, 1)]})
    got = _composite(client, world)
    # 甲 3 of 4 choices satisfied → 7.5; 乙 4 of 4 → 10; 丙 1 of 3 → 3.33 (exact 10/3 in the total)
    assert got["甲"]["sources"]["survey"] == 7.5 and got["甲"]["total"] == EXPECTED["甲"]["total"] + 7.5
    assert got["乙"]["sources"]["survey"] == 10.0 and got["乙"]["total"] == EXPECTED["乙"]["total"] + 10
    assert got["丙"]["sources"]["survey"] == 3.33 and got["丙"]["total"] == 18.33
    assert [got[n]["rank"] for n in ("甲", "乙", "丙")] == [1, 2, 3]
    assert all(u["complete"] for u in got.values())


def test_an_invalidated_answer_does_not_count(app, client):
    world = build(extra=(SURVEY_LEAF,))
    factories.survey(world.campaign, QUESTIONNAIRE)
    _answers(world, {"乙": [(2, 2)], "丙": [(2, 2)]})
    factories.survey_answer(world.by_name()["甲"], "resident", [0, 0], satisfied=2, chosen=2)
    factories.survey_answer(
        world.by_name()["甲"], "resident", [1, 1], satisfied=0, chosen=2, invalid="同一地址集中提交"
    )
    db.session.commit()
    assert _composite(client, world)["甲"]["sources"]["survey"] == 10.0


def test_a_deduction_decided_on_a_departments_problem_counts_on_its_leaf(app, client):
    world = build()
    police = factories.department(world.campaign, "公安局")
    problem = factories.opinion(police, world.by_name()["乙"], "problem", "该单位有未结案件。")
    problem.outcome, problem.outcome_reason = "deduction", "属实"
    problem.deduction_code, problem.deduction_points = "F", Decimal("1.5")
    for unit in world.units:
        if unit.name != "乙":
            factories.opinion(police, unit, "none")
    db.session.commit()
    got = _composite(client, world)
    assert got["乙"]["deductions"] == 1.5 and got["乙"]["total"] == EXPECTED["乙"]["total"] - 1.5
    assert got["丙"]["deductions"] == EXPECTED["丙"]["deductions"]  # the office's own opinions sheet
    assert db.session.get(Opinion, (police.id, world.by_name()["乙"].id)).outcome == "deduction"


def test_the_guard_names_a_sample_not_reached_and_a_silent_department_until_closed(app, client):
    world = build(extra=(SURVEY_LEAF,))
    factories.survey(world.campaign, QUESTIONNAIRE)
    _answers(world, {"甲": [(2, 2), (2, 2)], "乙": [(2, 2), (2, 2)], "丙": [(2, 2)]})
    factories.department(world.campaign, "市场监管局")
    db.session.commit()
    reasons = _reasons(client, world)
    assert any("丙" in r and "未达样本量" in r and "还差 1 份" in r for r in reasons), reasons
    assert not any("甲" in r and "未达样本量" in r for r in reasons), reasons
    assert sum("市场监管局" in r and "尚未" in r for r in reasons) == 3, reasons
    for method in (Method.SURVEY, Method.OPINIONS):
        closed = client.post(f"/api/v1/campaigns/{world.cid}/closures",
                             json={"method": method.value, "reason": "经研究不再补充"}, headers=world.headers("office"))  # fmt: skip
        assert closed.status_code == 200, closed.get_json()
    after = client.post(f"/api/v1/campaigns/{world.cid}/transitions", json={"to": "review"},
                        headers=world.headers("office"))  # fmt: skip
    assert after.status_code == 200, after.get_json()
