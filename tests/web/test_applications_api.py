"""Applications through the API: the draft, submission, review, versions and their diff, the
intake deadline, the review queue and the intake → training guard."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.intake.models import Application
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.campaigns.models import Campaign
from tests.intake_steps import SECRET_TEXT, review, submit, submitted, write_report
from tests.intake_world import (
    PDF,
    PNG,
    World,
    build,
    upload,
)


@pytest.fixture
def world(app) -> World:
    return build()


# --- the application ---------------------------------------------------------------------------------


def test_get_application_has_contract_shape(client, world):
    response = client.get(world.app_url(), headers=world.headers("a"))
    body = response.get_json()
    assert response.status_code == 200
    assert {"status", "report_title", "report_text", "attachments", "review_comment"} <= set(body)
    assert (body["status"], body["report_title"], body["report_text"], body["attachments"], body["review_comment"]) == (
        "draft", "", "", [], ""
    )  # fmt: skip


def test_put_application_saves_draft_and_outline(client, world):
    response = write_report(client, world, text="前言\n一、加强领导\n(一)健全机构\n二、丰富活动")
    body = response.get_json()
    assert response.status_code == 200
    assert body["report_title"] == "甲社区文明创建工作汇报" and body["status"] == "draft"
    assert [o["text"] for o in body["outline"]] == ["加强领导", "健全机构", "丰富活动"]
    assert (
        client.get(world.app_url(), headers=world.headers("office"))
        .get_json()["report_text"]
        .startswith("前言")
    )


def test_put_application_too_long_is_400_and_changes_nothing(client, world):
    write_report(client, world)
    response = write_report(client, world, text="字" * 20_001)
    assert response.status_code == 400
    assert "report_text" in response.get_json()["error"]["fields"]
    assert (
        db.session.scalar(sa.select(Application.report_text).where(Application.unit_id == world.a.id))
        == SECRET_TEXT
    )


def test_put_application_outside_intake_is_wrong_phase(client, world):
    world.campaign.phase = "training"
    db.session.commit()
    response = write_report(client, world)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "wrong_phase"


def test_submit_empty_application_is_400(client, world):
    response = submit(client, world)
    error = response.get_json()["error"]
    assert response.status_code == 400
    assert set(error["fields"]) == {"report_title", "report_text"}
    assert client.get(world.app_url(), headers=world.headers("a")).get_json()["status"] == "draft"


def test_submit_freezes_application(client, world):
    write_report(client, world)
    response = submit(client, world)
    assert response.status_code == 200 and response.get_json()["status"] == "submitted"
    assert response.get_json()["submitted_at"]
    assert write_report(client, world, text="改").status_code == 409
    assert upload(client, world, "a", PDF).status_code == 409
    assert submit(client, world).status_code == 409
    versions = client.get(world.app_url(None, "/versions"), headers=world.headers("a")).get_json()
    assert [(v["number"], v["report_text"]) for v in versions] == [(1, SECRET_TEXT)]


def test_review_accept_return_reject(client, world):
    submitted(client, world)
    submitted(client, world, world.b)
    accepted = review(client, world, "accept", "同意")
    rejected = review(client, world, "reject", "材料不实", unit=world.b)
    assert (accepted.status_code, accepted.get_json()["status"]) == (200, "accepted")
    assert (rejected.get_json()["status"], rejected.get_json()["review_comment"]) == ("rejected", "材料不实")
    assert review(client, world, "accept").status_code == 409
    assert write_report(client, world, "b", world.b).status_code == 409


def test_return_lets_unit_edit_and_resubmit_with_diff(client, world):
    write_report(client, world, text="一、宣传\n内容甲")
    upload(client, world, "a", PDF, "旧材料.pdf")
    submit(client, world)
    returned = review(client, world, "return", "请补充数据")
    assert returned.get_json()["status"] == "returned"
    mine = client.get(world.app_url(), headers=world.headers("a")).get_json()
    assert mine["review_comment"] == "请补充数据"
    write_report(client, world, title="新标题", text="一、宣传\n内容乙")
    upload(client, world, "a", PNG, "照片.png")
    assert submit(client, world).get_json()["status"] == "submitted"
    diff = client.get(world.app_url(None, "/diff"), headers=world.headers("office")).get_json()
    assert (diff["from"], diff["to"], diff["changed"]) == (1, 2, True)
    assert diff["title"] == {"from": "甲社区文明创建工作汇报", "to": "新标题"}
    assert {"op": "-", "text": "内容甲"} in diff["lines"] and {"op": "+", "text": "内容乙"} in diff["lines"]
    assert diff["attachments_added"] == ["照片.png"] and diff["attachments_removed"] == []


def test_diff_unknown_version_is_404(client, world):
    submitted(client, world)
    response = client.get(world.app_url(None, "/diff?from=1&to=7"), headers=world.headers("office"))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"decision": "maybe"}, "decision"), ({"decision": "return", "comment": ""}, "comment"),
     ({"decision": "reject"}, "comment"), ({"decision": "accept", "comment": 3}, "comment")],
)  # fmt: skip
def test_review_invalid_input_is_400(client, world, payload, field):
    submitted(client, world)
    response = client.post(world.app_url(None, "/review"), json=payload, headers=world.headers("office"))
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    assert client.get(world.app_url(), headers=world.headers("a")).get_json()["status"] == "submitted"


def test_review_of_draft_is_409(client, world):
    response = review(client, world, "accept")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_submitted"


def test_every_state_change_is_audited(client, world):
    submitted(client, world)
    review(client, world, "return", "改")
    rows = db.session.execute(
        sa.select(AuditEntry.action, AuditEntry.from_state, AuditEntry.to_state).order_by(AuditEntry.id)
    ).all()
    assert ("application.submit", "draft", "submitted") in rows
    assert ("application.review", "submitted", "returned") in rows


# --- deadline, veto, guard -----------------------------------------------------------------------------------


def test_deadline_blocks_submit_until_extended(client, app, world):
    app.config["FROZEN_TODAY"] = "2026-12-10"
    write_report(client, world)
    client.put(f"/api/v1/campaigns/{world.campaign.id}/intake-deadline", json={"deadline": "2026-12-09"},
               headers=world.headers("office"))  # fmt: skip
    late = submit(client, world)
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "deadline_passed"
    extended = client.put(f"/api/v1/campaigns/{world.campaign.id}/intake-deadline",
                          json={"deadline": "2026-12-10", "reason": "延期一天"}, headers=world.headers("office"))  # fmt: skip
    assert extended.get_json() == {"intake_deadline": "2026-12-10"}
    assert submit(client, world).status_code == 200
    entry = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "campaign.intake_deadline")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert (entry.from_state, entry.to_state, entry.reason) == ("2026-12-09", "2026-12-10", "延期一天")


def test_deadline_bad_date_is_400(client, world):
    response = client.put(f"/api/v1/campaigns/{world.campaign.id}/intake-deadline", json={"deadline": "明天"},
                          headers=world.headers("office"))  # fmt: skip
    assert response.status_code == 400 and "deadline" in response.get_json()["error"]["fields"]


def test_intake_to_training_guard_through_the_api(client, world):
    submitted(client, world)
    url = f"/api/v1/campaigns/{world.campaign.id}/transitions"
    blocked = client.post(url, json={"to": "training"}, headers=world.headers("office"))
    assert blocked.status_code == 409 and len(blocked.get_json()["error"]["reasons"]) == 2
    review(client, world, "accept")
    submitted(client, world, world.b)
    review(client, world, "accept", unit=world.b)
    moved = client.post(url, json={"to": "training"}, headers=world.headers("office"))
    assert moved.status_code == 200 and moved.get_json()["phase"] == "training"


def test_review_queue_counts_per_status(client, world):
    submitted(client, world)
    body = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/applications", headers=world.headers("office")
    ).get_json()
    assert body["counts"] == {"draft": 1, "submitted": 1, "accepted": 0, "returned": 0, "rejected": 0}
    assert [(i["name"], i["status"]) for i in body["items"]] == [("甲社区", "submitted"), ("乙社区", "draft")]
    only = client.get(f"/api/v1/campaigns/{world.campaign.id}/applications?status=submitted",
                      headers=world.headers("office")).get_json()  # fmt: skip
    assert [i["name"] for i in only["items"]] == ["甲社区"]


def test_campaign_model_unchanged_by_reads(client, world):
    client.get(world.app_url(), headers=world.headers("office"))
    assert db.session.get(Campaign, world.campaign.id).intake_deadline is None


def test_openapi_documents_multipart_uploads(client, world):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    body = paths["/api/v1/campaigns/{cid}/units/{uid}/application/attachments"]["post"]["requestBody"]
    assert body["content"]["multipart/form-data"]["schema"]["required"] == ["file"]
    application = paths["/api/v1/campaigns/{cid}/units/{uid}/application"]["get"]["responses"]["200"]
    assert application["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ApplicationOut"
    }
