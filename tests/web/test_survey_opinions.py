"""征求意见 through the API: departments by token link, their opinions, who has not answered, and the
office's decisions on a reported problem — a veto in the existing veto records, a deduction from a
deduction leaf, or no effect — audited; on both engines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from evalflow.assessment.marks import Mark
from evalflow.extensions import db
from evalflow.intake.models import VetoIncident
from evalflow.intake.veto import vetoed_unit_ids
from evalflow.shared.audit.models import AuditEntry
from evalflow.survey.models import Department, Opinion
from evalflow.survey.results import deduction_marks, opinion_gaps
from tests import factories
from tests.survey_world import build


def _department(client: Any, auth: Any, world: Any, name: str = "公安局", **extra: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/campaigns/{world.campaign.id}/departments", json={"name": name, **extra},
                           headers=auth.headers(world.office))  # fmt: skip
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _opinion(client: Any, world: Any, token: str, unit: Any, body: dict[str, Any]) -> Any:
    return client.put(f"/api/v1/campaigns/{world.campaign.id}/units/{unit.id}/opinion", json=body,
                      headers=factories.bearer(token))  # fmt: skip


def test_a_department_gets_a_link_whose_token_is_only_hashed(app, client, auth):
    world = build()
    made = _department(client, auth, world, deadline="2026-12-20")
    assert made["name"] == "公安局" and made["deadline"] == "2026-12-20"
    assert made["url"].endswith(f"/d/{made['token']}")
    row = db.session.get(Department, made["id"])
    assert row.token_hash != made["token"] and len(row.token_hash) == 64
    again = client.post(f"/api/v1/campaigns/{world.campaign.id}/departments", json={"name": "公安局"},
                        headers=auth.headers(world.office))  # fmt: skip
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "duplicate")
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.action == "survey.department_add"))


def test_opinions_and_who_has_not_answered(app, client, auth):
    world = build()
    police = _department(client, auth, world)
    _department(client, auth, world, "市场监管局")
    assert _opinion(client, world, police["token"], world.a, {"verdict": "none"}).status_code == 200
    answered = _opinion(
        client, world, police["token"], world.b, {"verdict": "problem", "text": "存在消防隐患"}
    )
    assert answered.status_code == 200, answered.get_json()
    assert (answered.get_json()["verdict"], answered.get_json()["text"]) == ("problem", "存在消防隐患")
    rows = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/opinions", headers=auth.headers(world.office)
    ).get_json()
    seen = sorted((r["department_name"], r["unit_id"], r["verdict"]) for r in rows)
    assert seen == sorted([("公安局", world.a.id, "none"), ("公安局", world.b.id, "problem"),
                           ("市场监管局", world.a.id, None), ("市场监管局", world.b.id, None)])  # fmt: skip
    gaps = opinion_gaps(world.campaign.id)
    assert "“市场监管局”尚未就“甲社区”反馈意见。" in [m.render() for m in gaps[world.a.id]]


def test_opinion_needs_a_valid_token_a_text_for_a_problem_and_its_own_campaign(app, client, auth):
    world = build()
    police = _department(client, auth, world)
    assert _opinion(client, world, "not-a-token", world.a, {"verdict": "none"}).status_code == 401
    assert client.put(f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/opinion",
                      json={"verdict": "none"}).status_code == 401  # fmt: skip
    bad = _opinion(client, world, police["token"], world.a, {"verdict": "problem"})
    assert (bad.status_code, list(bad.get_json()["error"]["fields"])) == (400, ["text"])
    assert _opinion(client, world, police["token"], world.a, {"verdict": "maybe"}).status_code == 400
    assert (
        _opinion(client, world, police["token"], world.a, {"verdict": "none", "text": "a\x00b"}).status_code
        == 400
    )
    other = factories.campaign("另一次评选")
    db.session.commit()
    wrong = client.put(f"/api/v1/campaigns/{other.id}/units/{world.a.id}/opinion", json={"verdict": "none"},
                       headers=factories.bearer(police["token"]))  # fmt: skip
    assert wrong.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Opinion)) == 0


def _problem(client: Any, auth: Any, world: Any) -> dict[str, Any]:
    police = _department(client, auth, world)
    assert (
        _opinion(
            client, world, police["token"], world.a, {"verdict": "problem", "text": "发生重大安全事故"}
        ).status_code
        == 200
    )
    return police


def _decide(client: Any, auth: Any, world: Any, department_id: int, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/campaigns/{world.campaign.id}/departments/{department_id}/units/{world.a.id}/decision",
                       json=body, headers=auth.headers(world.office))  # fmt: skip


def test_a_problem_turned_into_a_veto_uses_the_veto_records(app, client, auth):
    world = build()
    police = _problem(client, auth, world)
    decided = _decide(client, auth, world, police["id"],
                      {"outcome": "veto", "reason": "经核实属实", "kind": "发生重大安全生产事故"})  # fmt: skip
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["outcome"] == "veto"
    assert vetoed_unit_ids(world.campaign.id) == {world.a.id}
    incident = db.session.scalar(sa.select(VetoIncident))
    assert incident.description.startswith("公安局反映:发生重大安全事故")
    assert (
        db.session.scalar(sa.select(AuditEntry.reason).where(AuditEntry.action == "survey.case_decide"))
        == "经核实属实"
    )
    again = _decide(client, auth, world, police["id"], {"outcome": "no_effect", "reason": "改变主意"})
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "decided")
    locked = _opinion(client, world, police["token"], world.a, {"verdict": "none"})
    assert (locked.status_code, locked.get_json()["error"]["code"]) == (409, "decided")


def test_a_problem_turned_into_a_deduction_gives_a_mark_on_the_deduction_leaf(app, client, auth):
    world = build()
    police = _problem(client, auth, world)
    too_much = _decide(
        client,
        auth,
        world,
        police["id"],
        {"outcome": "deduction", "reason": "属实", "code": "D1", "points": 6},
    )
    assert too_much.status_code == 400 and "points" in too_much.get_json()["error"]["fields"]
    not_a_deduction = _decide(
        client,
        auth,
        world,
        police["id"],
        {"outcome": "deduction", "reason": "属实", "code": "S1", "points": 1},
    )
    assert not_a_deduction.status_code == 400 and "code" in not_a_deduction.get_json()["error"]["fields"]
    done = _decide(
        client,
        auth,
        world,
        police["id"],
        {"outcome": "deduction", "reason": "属实", "code": "D1", "points": 2.5},
    )
    assert done.status_code == 200, done.get_json()
    marks = deduction_marks(world.campaign.id)
    assert marks == {
        world.a.id: {"D1": [Mark("公安局", Decimal("2.5"), f"opinion-{police['id']}-{world.a.id}")]}
    }
    assert vetoed_unit_ids(world.campaign.id) == set()


def test_no_effect_needs_a_reason_and_a_none_verdict_is_no_case(app, client, auth):
    world = build()
    police = _problem(client, auth, world)
    assert (
        _decide(client, auth, world, police["id"], {"outcome": "no_effect", "reason": ""}).status_code == 400
    )
    assert (
        _decide(
            client, auth, world, police["id"], {"outcome": "no_effect", "reason": "已整改到位"}
        ).status_code
        == 200
    )
    assert deduction_marks(world.campaign.id) == {} and vetoed_unit_ids(world.campaign.id) == set()
    other = _department(client, auth, world, "卫健委")
    assert _opinion(client, world, other["token"], world.a, {"verdict": "none"}).status_code == 200
    assert (
        _decide(client, auth, world, other["id"], {"outcome": "no_effect", "reason": "x"}).status_code == 404
    )
