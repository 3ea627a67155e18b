"""Reviewers over the API: assigning them to units (409 ``conflict`` for their own unit or a declared
conflict), the balanced proposal, divergent leaves resolved by a decision or a third reviewer, and
sources closed with a reason."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from evalflow.assessment import divergence
from evalflow.assessment.models import ReviewerAssignment
from evalflow.assessment.rules import Method
from evalflow.extensions import db
from evalflow.intake.models import ApplicationStatus
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.phases import Phase
from tests import assessment_world, factories


@pytest.fixture
def world(app):
    return assessment_world.build(Phase.TRAINING, assign=False)


def assign(client, world, who: str, units, as_: str = "office"):
    user_id = world.users[who].id
    return client.put(
        f"/api/v1/campaigns/{world.cid}/reviewers/{user_id}",
        json={"unit_ids": [u.id for u in units]},
        headers=world.headers(as_),
    )


def assigned(world) -> list[tuple[str, str]]:
    stmt = sa.select(ReviewerAssignment.reviewer_id, ReviewerAssignment.unit_id).order_by(
        ReviewerAssignment.id
    )
    names = {u.id: n for n, u in world.users.items()}
    units = {world.a.id: "甲", world.b.id: "乙"}
    return [(names[r], units[u]) for r, u in db.session.execute(stmt)]


def test_reviewer_units_are_set_replaced_and_audited(client, world):
    response = assign(client, world, "zhang", [world.a, world.b])
    assert response.status_code == 200
    assert response.get_json() == {
        "user_id": world.users["zhang"].id, "username": "zhang", "name": "张评审", "unit_id": None,
        "active": True, "unit_ids": [world.a.id, world.b.id], "conflict_ids": [],
    }  # fmt: skip
    assign(client, world, "zhang", [world.b])
    assert assigned(world) == [("zhang", "乙")]
    entries = db.session.scalars(
        sa.select(AuditEntry.data).where(AuditEntry.action == "reviewers.assign")
    ).all()
    assert entries == [
        {"added": [world.a.id, world.b.id], "removed": []},
        {"added": [], "removed": [world.a.id]},
    ]


def test_reviewer_who_works_for_the_unit_is_a_409_conflict(client, world):
    response = assign(client, world, "wang", [world.a])
    assert response.status_code == 409
    assert response.get_json()["error"] == {
        "code": "conflict",
        "message": "王评审在该申报单位工作,不能审核该单位。",
    }
    assert assign(client, world, "wang", [world.b]).status_code == 200
    assert assigned(world) == [("wang", "乙")]


def test_reviewer_declared_conflict_keeps_them_off(client, world):
    url = f"/api/v1/campaigns/{world.cid}/reviewers/{world.users['li'].id}/conflicts"
    response = client.put(
        url, json={"unit_ids": [world.b.id], "note": "亲属在乙社区"}, headers=world.headers("office")
    )
    assert response.get_json()["conflict_ids"] == [world.b.id]
    refused = assign(client, world, "li", [world.a, world.b])
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "conflict"
    assert assigned(world) == []


def test_reviewer_bad_units_and_accounts(client, world):
    pending = factories.unit(world.campaign, "丙社区", ApplicationStatus.SUBMITTED)
    elsewhere = factories.unit(factories.campaign("别的评选"), "外社区", ApplicationStatus.ACCEPTED)
    db.session.commit()
    for unit in (pending, elsewhere):
        response = assign(client, world, "zhang", [unit])
        assert response.status_code == 400
        assert list(response.get_json()["error"]["fields"]) == ["unit_ids"]
    office_id = world.users["office"].id
    not_reviewer = client.put(
        f"/api/v1/campaigns/{world.cid}/reviewers/{office_id}",
        json={"unit_ids": []},
        headers=world.headers("office"),
    )
    assert not_reviewer.status_code == 404
    huge = client.put(
        f"/api/v1/campaigns/{world.cid}/reviewers/{world.users['zhang'].id}",
        json={"unit_ids": [2**63]},
        headers=world.headers("office"),
    )
    assert huge.status_code == 400
    assert assign(client, world, "zhang", [world.a], as_="unit").status_code in (403, 404)
    assert assign(client, world, "zhang", [world.a], as_="li").status_code == 404


def test_reviewer_with_marks_cannot_be_taken_off(client, world):
    assign(client, world, "zhang", [world.a])
    client.put(world.sheet_url(), json={"scores": {"A1": 1}}, headers=world.headers("zhang"))
    response = assign(client, world, "zhang", [])
    assert response.status_code == 409
    assert "已开始审核" in response.get_json()["error"]["message"]


def test_reviewers_after_the_briefing_are_wrong_phase(client, world):
    assessment_world.set_phase(world, Phase.REVIEW)
    assert assign(client, world, "zhang", [world.a]).get_json()["error"]["code"] == "wrong_phase"


def test_reviewer_proposal_is_balanced_and_keeps_conflicts(client, world):
    c = factories.unit(world.campaign, "丙社区", ApplicationStatus.ACCEPTED)
    db.session.commit()
    assign(client, world, "zhang", [world.a])
    response = client.get(
        f"/api/v1/campaigns/{world.cid}/reviewers/proposal", headers=world.headers("office")
    )
    assert response.status_code == 200
    plan = {u["unit_id"]: u["reviewer_ids"] for u in response.get_json()["units"]}
    assert response.get_json()["per_unit"] == 2
    assert sorted(plan) == [world.a.id, world.b.id, c.id]
    assert all(len(set(rids)) == 2 for rids in plan.values())
    assert world.users["zhang"].id in plan[world.a.id]  # kept
    assert world.users["wang"].id not in plan[world.a.id]  # works for 甲
    loads = [
        sum(rid in rids for rids in plan.values())
        for rid in (world.users[n].id for n in ("zhang", "li", "wang"))
    ]
    assert sorted(loads) == [2, 2, 2]
    assert assigned(world) == [("zhang", "甲")]  # nothing saved
    too_many = client.get(
        f"/api/v1/campaigns/{world.cid}/reviewers/proposal?per_unit=4", headers=world.headers("office")
    )
    assert too_many.status_code == 400


# --- divergences --------------------------------------------------------------------------------


@pytest.fixture
def diverged(client, world):
    """张 and 李 both submitted 甲: A1 5 and 2 (gap 30 % of 6 = 1.8 → flagged), T1 3 and 3."""
    for who, points in (("zhang", 5), ("li", 2)):
        assign(client, world, who, [world.a, world.b])
        response = client.put(
            world.sheet_url(),
            json={"scores": {"A1": points, "T1": 3}, "submit": True},
            headers=world.headers(who),
        )
        assert response.status_code == 200
    return world


def divergences(client, world):
    return client.get(
        f"/api/v1/campaigns/{world.cid}/divergences", headers=world.headers("office")
    ).get_json()


def test_divergence_is_flagged_after_two_submitted_sheets(client, diverged):
    world = diverged
    assert divergences(client, world) == [
        {
            "unit_id": world.a.id, "unit": "甲社区", "code": "A1", "title": "制度", "points": 6, "low": 2, "high": 5,
            "allowed": 1.8, "sheets": 2, "status": "open",
            "marks": [{"scorer": "li", "points": 2}, {"scorer": "zhang", "points": 5}],
            "decision": None, "third_reviewer": None,
        }
    ]  # fmt: skip
    tree = divergence.load_tree(world.cid)
    assert divergence.open_divergences(world.cid, tree) == {world.a.id: {"A1"}}


def test_divergence_decided_with_a_reason(client, diverged):
    world = diverged
    url = f"/api/v1/campaigns/{world.cid}/units/{world.a.id}/divergences/decision"
    no_reason = client.post(
        url, json={"code": "A1", "points": 4, "reason": " "}, headers=world.headers("office")
    )
    assert no_reason.status_code == 400 and list(no_reason.get_json()["error"]["fields"]) == ["reason"]
    too_much = client.post(
        url, json={"code": "A1", "points": 7, "reason": "x"}, headers=world.headers("office")
    )
    assert list(too_much.get_json()["error"]["fields"]) == ["points"]
    not_flagged = client.post(
        url, json={"code": "T1", "points": 3, "reason": "x"}, headers=world.headers("office")
    )
    assert not_flagged.status_code == 404
    done = client.post(
        url, json={"code": "A1", "points": 4, "reason": "复核台账后认定"}, headers=world.headers("office")
    )
    assert done.status_code == 200
    body = done.get_json()
    assert (body["status"], body["decision"]["points"], body["decision"]["reason"]) == (
        "decided",
        4,
        "复核台账后认定",
    )
    decisions = divergence.decisions_of(world.cid)
    assert {u: {c: (str(d.points), d.reason, d.by) for c, d in m.items()} for u, m in decisions.items()} == {
        world.a.id: {"A1": ("4", "复核台账后认定", "office")}
    }
    assert divergence.open_divergences(world.cid, divergence.load_tree(world.cid)) == {}
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "divergence.decide")).one()
    assert (entry.reason, entry.data["code"], entry.data["points"]) == ("复核台账后认定", "A1", "4")


def test_divergence_third_reviewer_resolves_it_with_their_sheet(client, diverged):
    world = diverged
    chen = factories.reviewer("chen", "陈评审")
    db.session.commit()
    url = f"/api/v1/campaigns/{world.cid}/units/{world.a.id}/divergences/third-reviewer"
    for who, status in (("wang", 409), ("li", 409)):
        response = client.post(
            url, json={"code": "A1", "reviewer_id": world.users[who].id}, headers=world.headers("office")
        )
        assert response.status_code == status
    response = client.post(url, json={"code": "A1", "reviewer_id": chen.id}, headers=world.headers("office"))
    assert response.status_code == 200
    assert (response.get_json()["status"], response.get_json()["third_reviewer"]) == (
        "open",
        {"user_id": chen.id, "name": "陈评审"},
    )
    twice = client.post(url, json={"code": "A1", "reviewer_id": chen.id}, headers=world.headers("office"))
    assert twice.status_code == 409
    token = factories.token(chen)
    db.session.commit()
    sheet = client.put(
        world.sheet_url(), json={"scores": {"A1": 4}, "submit": True}, headers=factories.bearer(token)
    )
    assert sheet.status_code == 200
    [flag] = divergences(client, world)
    assert (flag["status"], flag["sheets"]) == ("third_sheet", 3)


# --- closures -----------------------------------------------------------------------------------


def test_source_closed_with_a_reason_and_reopened(client, world):
    url = f"/api/v1/campaigns/{world.cid}/closures"
    headers = world.headers("office")
    assert client.post(url, json={"method": "survey", "reason": ""}, headers=headers).status_code == 400
    closed = client.post(url, json={"method": "survey", "reason": "样本量未达到"}, headers=headers)
    assert closed.status_code == 200
    assert (closed.get_json()["method"], closed.get_json()["reason"]) == ("survey", "样本量未达到")
    assert [c["method"] for c in client.get(url, headers=headers).get_json()] == ["survey"]
    assert client.get(url, headers=world.headers("unit")).status_code == 403
    assert client.post(url + "/reopen", json={"method": "survey"}, headers=headers).status_code == 200
    assert client.post(url + "/reopen", json={"method": "survey"}, headers=headers).status_code == 404
    assert client.get(url, headers=headers).get_json() == []
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("source.%"))).all()
    assert actions == ["source.close", "source.reopen"]
    assert Method.SURVEY.value == "survey"


def test_divergence_decided_again_answers_the_new_decision(client, diverged):
    world = diverged
    url = f"/api/v1/campaigns/{world.cid}/units/{world.a.id}/divergences/decision"
    first = client.post(
        url, json={"code": "A1", "points": 4, "reason": "初定"}, headers=world.headers("office")
    )
    assert first.status_code == 200
    again = client.post(
        url, json={"code": "A1", "points": 3, "reason": "复核后改定"}, headers=world.headers("office")
    )
    assert again.status_code == 200
    decision = again.get_json()["decision"]
    assert (decision["points"], decision["reason"]) == (3, "复核后改定")
    listed = divergences(client, world)
    assert [(f["decision"]["points"], f["decision"]["reason"]) for f in listed] == [(3, "复核后改定")]
