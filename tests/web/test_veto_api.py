"""一票否决 (veto) through the API: recording (JSON or with evidence), the look-back window,
its effect on acceptance, withdrawal."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.intake.models import VetoIncident
from evalflow.shared.audit.models import AuditEntry
from tests.intake_steps import record_veto, review, submitted
from tests.intake_world import (
    EXE,
    PNG,
    World,
    build,
    stored_files,
)


@pytest.fixture
def world(app) -> World:
    return build()


def test_vetoed_unit_cannot_be_accepted(client, app, world):
    app.config["FROZEN_TODAY"] = "2026-11-28"
    submitted(client, world)
    recorded = record_veto(client, world, "2026-10-01")
    assert recorded.status_code == 201 and recorded.get_json()["applies"] is True
    response = review(client, world, "accept")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "vetoed"
    assert review(client, world, "reject", "一票否决").get_json()["status"] == "rejected"
    listed = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/vetoes", headers=world.headers("office")
    ).get_json()
    assert listed["lookback_months"] == 24 and "申报材料弄虚作假" in listed["types"]
    assert [(i["unit_name"], i["applies"]) for i in listed["incidents"]] == [("甲社区", True)]


def test_old_incident_outside_window_does_not_apply(client, app, world):
    app.config["FROZEN_TODAY"] = "2026-11-28"
    submitted(client, world)
    recorded = record_veto(client, world, "2024-11-27")
    assert recorded.get_json()["applies"] is False
    assert review(client, world, "accept").status_code == 200


def test_veto_with_evidence_file(client, app, world):
    response = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/vetoes",
        data={"kind": "发生群体性事件", "occurred_on": "2026-01-05", "description": "事件经过",
              "evidence": (io.BytesIO(PNG), "现场照片.png")},
        headers=world.headers("office"), content_type="multipart/form-data",
    )  # fmt: skip
    body = response.get_json()
    assert response.status_code == 201 and body["evidence"]["filename"] == "现场照片.png"
    download = client.get(f"/api/v1/campaigns/{world.campaign.id}/vetoes/{body['id']}/evidence",
                          headers=world.headers("office"))  # fmt: skip
    assert download.status_code == 200 and download.data == PNG
    download.close()
    refused = client.get(f"/api/v1/campaigns/{world.campaign.id}/vetoes/{body['id']}/evidence",
                         headers=world.headers("a"))  # fmt: skip
    assert refused.status_code == 403


def test_veto_bad_evidence_is_415_and_leaves_nothing(client, app, world):
    response = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/vetoes",
        data={"kind": "发生群体性事件", "occurred_on": "2026-01-05", "description": "x", "evidence": (io.BytesIO(EXE), "a.pdf")},
        headers=world.headers("office"), content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 415
    assert stored_files(app) == [] and db.session.query(VetoIncident).count() == 0


def test_veto_unknown_type_is_400(client, world):
    response = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/vetoes",
        json={"kind": "随便写", "occurred_on": "2026-01-05", "description": "x"},
        headers=world.headers("office"),
    )
    assert response.status_code == 400 and "kind" in response.get_json()["error"]["fields"]


def _withdraw(client, world, vid, payload, who="office"):
    return client.post(
        f"/api/v1/campaigns/{world.campaign.id}/vetoes/{vid}/withdraw",
        json=payload,
        headers=world.headers(who),
    )


def test_withdrawn_veto_no_longer_blocks_acceptance(client, app, world):
    app.config["FROZEN_TODAY"] = "2026-11-28"
    submitted(client, world)
    vid = record_veto(client, world, "2026-10-01").get_json()["id"]
    assert review(client, world, "accept").status_code == 409
    response = _withdraw(client, world, vid, {"reason": "录入错误,应为乙社区"})
    body = response.get_json()
    assert response.status_code == 200
    assert body["withdrawn_at"] and body["withdrawn_at"].endswith("+00:00")
    assert {k: body[k] for k in ("id", "unit_id", "kind", "applies", "withdrawal_reason")} == {
        "id": vid, "unit_id": world.a.id, "kind": "申报材料弄虚作假", "applies": False,
        "withdrawal_reason": "录入错误,应为乙社区",
    }  # fmt: skip
    listed = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/vetoes", headers=world.headers("office")
    ).get_json()
    assert [(i["id"], i["applies"], i["withdrawal_reason"]) for i in listed["incidents"]] == [
        (vid, False, "录入错误,应为乙社区")
    ]
    units = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/units", headers=world.headers("office")
    ).get_json()
    assert [u["vetoed"] for u in units] == [False, False]
    assert review(client, world, "accept").get_json()["status"] == "accepted"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "veto.withdraw"))
    assert entry.reason == "录入错误,应为乙社区" and entry.data["incident_id"] == vid


def test_new_incident_has_no_withdrawal(client, world):
    body = record_veto(client, world, "2026-10-01").get_json()
    assert (body["withdrawn_at"], body["withdrawal_reason"]) == (None, "")


def test_withdraw_veto_twice_is_409(client, app, world):
    app.config["FROZEN_TODAY"] = "2026-11-28"
    vid = record_veto(client, world, "2026-10-01").get_json()["id"]
    assert _withdraw(client, world, vid, {"reason": "第一次"}).status_code == 200
    again = _withdraw(client, world, vid, {"reason": "第二次"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_withdrawn"
    assert db.session.get(VetoIncident, vid).withdrawal_reason == "第一次"


@pytest.mark.parametrize(
    "payload", [{}, {"reason": ""}, {"reason": "  "}, {"reason": 5}, {"reason": "长" * 501}]
)
def test_withdraw_veto_without_reason_is_400_and_changes_nothing(client, app, world, payload):
    app.config["FROZEN_TODAY"] = "2026-11-28"
    vid = record_veto(client, world, "2026-10-01").get_json()["id"]
    response = _withdraw(client, world, vid, payload)
    assert response.status_code == 400 and "reason" in response.get_json()["error"]["fields"]
    assert db.session.get(VetoIncident, vid).withdrawn_at is None
    assert db.session.query(AuditEntry).filter_by(action="veto.withdraw").count() == 0


def test_withdraw_unknown_or_other_campaign_veto_is_404(client, world):
    vid = record_veto(client, world, "2026-10-01", unit=world.a).get_json()["id"]
    response = _withdraw(client, world, vid + 1000, {"reason": "x"})
    assert response.status_code == 404
    other = client.post(f"/api/v1/campaigns/{world.other.id}/vetoes/{vid}/withdraw", json={"reason": "x"},
                        headers=world.headers("office"))  # fmt: skip
    assert other.status_code == 404
    assert db.session.get(VetoIncident, vid).withdrawn_at is None


def test_veto_on_accepted_unit_in_intake_withdraws_acceptance(client, app, world):
    app.config["FROZEN_TODAY"] = "2026-11-28"
    submitted(client, world)
    review(client, world, "accept")
    assert record_veto(client, world, "2026-06-01").status_code == 201
    body = client.get(world.app_url(), headers=world.headers("office")).get_json()
    assert body["status"] == "rejected" and body["review_comment"] == "一票否决:申报材料弄虚作假"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "application.veto_reject"))
    assert (entry.from_state, entry.to_state) == ("accepted", "rejected")


def test_veto_after_intake_keeps_status_but_marks_unit(client, app, world):
    from evalflow.intake.veto import vetoed_unit_ids

    app.config["FROZEN_TODAY"] = "2026-11-28"
    submitted(client, world)
    review(client, world, "accept")
    world.campaign.phase = "training"
    db.session.commit()
    record_veto(client, world, "2026-06-01")
    assert client.get(world.app_url(), headers=world.headers("office")).get_json()["status"] == "accepted"
    assert vetoed_unit_ids(world.campaign.id) == {world.a.id}
    units = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/units", headers=world.headers("office")
    ).get_json()
    assert [u["vetoed"] for u in units] == [True, False]
