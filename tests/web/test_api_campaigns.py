"""Contract sections Campaigns and Phases through the API."""

from __future__ import annotations

import pytest

from evalflow.extensions import db
from evalflow.intake.models import ApplicationStatus
from evalflow.shared.campaigns.models import Campaign
from tests import factories
from tests.factories import bearer, office_token

DEFAULT_SCALE_POINTS = [("好", 100), ("较好", 80), ("一般", 60)]


@pytest.fixture
def token(client):
    return office_token(client)


def create(client, token, **data):
    data.setdefault("title", "2026年度文明单位评选")
    response = client.post("/api/v1/campaigns", json=data, headers=bearer(token))
    return response


def test_create_campaign_defaults(client, token):
    response = create(client, token, description="说明")
    body = response.get_json()
    assert response.status_code == 201
    assert body["title"] == "2026年度文明单位评选"
    assert body["description"] == "说明"
    assert body["phase"] == "draft"
    assert body["notice_working_days"] == 5
    assert [(g["label"], g["points"]) for g in body["scale"]] == DEFAULT_SCALE_POINTS
    assert all(g["criteria"] for g in body["scale"])
    assert body["transitions"] == [{"to": "intake", "allowed": True, "reasons": []}]
    assert isinstance(body["id"], int)


def test_create_campaign_with_scale_and_days(client, token):
    scale = [
        {"label": "优秀", "points": 95, "criteria": "a"},
        {"label": "合格", "points": 70.5, "criteria": "b"},
    ]
    body = create(client, token, notice_working_days=7, scale=scale).get_json()
    assert body["notice_working_days"] == 7
    assert body["scale"] == scale


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": 5}, "title"),
        ({"title": "ok", "notice_working_days": 0}, "notice_working_days"),
        ({"title": "ok", "notice_working_days": "5"}, "notice_working_days"),
        ({"title": "ok", "scale": [{"label": "好", "points": 100}, {"label": "好", "points": 1}]}, "scale"),
    ],
)
def test_create_campaign_invalid_input_names_field(client, token, data, field):
    response = client.post("/api/v1/campaigns", json=data, headers=bearer(token))
    body = response.get_json()
    assert response.status_code == 400
    assert body["error"]["code"] == "invalid_input"
    assert list(body["error"]["fields"]) == [field]
    assert body["error"]["fields"][field][0]
    assert db.session.query(Campaign).count() == 0


def test_list_and_get_campaign(client, token):
    first = create(client, token, title="甲").get_json()
    second = create(client, token, title="乙").get_json()
    listed = client.get("/api/v1/campaigns", headers=bearer(token)).get_json()
    assert [c["id"] for c in listed] == [second["id"], first["id"]]
    got = client.get(f"/api/v1/campaigns/{first['id']}", headers=bearer(token)).get_json()
    assert got["title"] == "甲" and got["phase"] == "draft"


def test_get_missing_campaign_is_404(client, token):
    response = client.get("/api/v1/campaigns/999", headers=bearer(token))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_patch_in_draft_changes_scale_and_days(client, token):
    cid = create(client, token).get_json()["id"]
    scale = [{"label": "好", "points": 10, "criteria": ""}, {"label": "一般", "points": 5, "criteria": ""}]
    response = client.patch(
        f"/api/v1/campaigns/{cid}",
        json={"notice_working_days": 3, "scale": scale, "title": "新标题"},
        headers=bearer(token),
    )
    body = response.get_json()
    assert response.status_code == 200
    assert (body["title"], body["notice_working_days"], body["scale"]) == ("新标题", 3, scale)


@pytest.mark.parametrize("field", ["scale", "notice_working_days"])
def test_patch_after_draft_is_wrong_phase(client, token, field):
    cid = create(client, token).get_json()["id"]
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "intake"}, headers=bearer(token))
    value = (
        7 if field == "notice_working_days" else [{"label": "a", "points": 1}, {"label": "b", "points": 2}]
    )
    response = client.patch(f"/api/v1/campaigns/{cid}", json={field: value}, headers=bearer(token))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "wrong_phase"
    after = client.get(f"/api/v1/campaigns/{cid}", headers=bearer(token)).get_json()
    assert after["notice_working_days"] == 5 and [g["points"] for g in after["scale"]] == [100, 80, 60]


def test_patch_title_allowed_after_draft(client, token):
    cid = create(client, token).get_json()["id"]
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "intake"}, headers=bearer(token))
    response = client.patch(f"/api/v1/campaigns/{cid}", json={"title": "改名"}, headers=bearer(token))
    assert response.status_code == 200 and response.get_json()["title"] == "改名"


def test_transition_draft_to_intake(client, token):
    cid = create(client, token).get_json()["id"]
    response = client.post(
        f"/api/v1/campaigns/{cid}/transitions", json={"to": "intake", "reason": "开始"}, headers=bearer(token)
    )
    body = response.get_json()
    assert response.status_code == 200
    assert body["phase"] == "intake"
    assert body["transitions"][0]["to"] == "training"
    assert body["transitions"][0]["allowed"] is False


def test_transition_blocked_lists_every_reason(client, token):
    cid = create(client, token).get_json()["id"]
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "intake"}, headers=bearer(token))
    campaign = db.session.get(Campaign, cid)
    factories.unit(campaign, "乌山社区", ApplicationStatus.ACCEPTED)
    factories.unit(campaign, "五塔北街社区", ApplicationStatus.SUBMITTED)
    db.session.commit()
    response = client.post(
        f"/api/v1/campaigns/{cid}/transitions", json={"to": "training"}, headers=bearer(token)
    )
    error = response.get_json()["error"]
    assert response.status_code == 409
    assert error["code"] == "transition_blocked"
    assert error["reasons"] == [
        "至少需要 2 个已通过审核的申报单位,目前只有 1 个。",
        "还有 1 份已提交的申报材料未审核。",
    ]
    got = client.get(f"/api/v1/campaigns/{cid}", headers=bearer(token)).get_json()
    assert got["transitions"] == [{"to": "training", "allowed": False, "reasons": error["reasons"]}]


def test_transition_intake_to_training_when_guard_holds(client, token):
    cid = create(client, token).get_json()["id"]
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "intake"}, headers=bearer(token))
    campaign = db.session.get(Campaign, cid)
    factories.unit(campaign, "甲", ApplicationStatus.ACCEPTED)
    factories.unit(campaign, "乙", ApplicationStatus.ACCEPTED)
    factories.unit(campaign, "丙", ApplicationStatus.REJECTED)
    db.session.commit()
    response = client.post(
        f"/api/v1/campaigns/{cid}/transitions", json={"to": "training"}, headers=bearer(token)
    )
    assert response.status_code == 200 and response.get_json()["phase"] == "training"


@pytest.mark.parametrize("target", ["training", "final", "draft"])
def test_transition_not_an_edge_is_invalid(client, token, target):
    cid = create(client, token).get_json()["id"]
    response = client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": target}, headers=bearer(token))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "invalid_transition"


def test_transition_unknown_phase_is_invalid(client, token):
    cid = create(client, token).get_json()["id"]
    response = client.post(
        f"/api/v1/campaigns/{cid}/transitions", json={"to": "approved"}, headers=bearer(token)
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "invalid_transition"


def test_transition_without_target_is_400(client, token):
    cid = create(client, token).get_json()["id"]
    response = client.post(f"/api/v1/campaigns/{cid}/transitions", json={}, headers=bearer(token))
    assert response.status_code == 400
    assert "to" in response.get_json()["error"]["fields"]
