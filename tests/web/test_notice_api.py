"""The contract's *Notice and objections* section through the JSON API, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import os
import threading
import uuid
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from evalflow import create_app
from evalflow.extensions import db
from evalflow.notice.models import Objection, ObjectionFile
from tests.factories import PASSWORD, bearer, make_config
from tests.intake_world import PDF, PNG
from tests.notice_world import CONTACT, NoticeWorld, review_world, set_today

REDIS_URL = os.environ.get("EVALFLOW_TEST_REDIS_URL", "")
OBJECTION = {"name": "张三", "phone": "13800138000", "content": "该单位去年发生过安全事故,情况属实。"}


def token(client: Any) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": "office", "password": PASSWORD})
    return bearer(response.get_json()["token"])


def draft(client: Any, world: NoticeWorld, headers: dict[str, str], **extra: Any) -> Any:
    body = {"unit_ids": [world.a.id, world.b.id, world.c.id], "contact": CONTACT, **extra}
    return client.post(f"/api/v1/campaigns/{world.campaign.id}/notice", json=body, headers=headers)


def publish(client: Any, world: NoticeWorld, headers: dict[str, str]) -> Any:
    return client.post(
        f"/api/v1/campaigns/{world.campaign.id}/transitions", json={"to": "notice"}, headers=headers
    )


@pytest.fixture
def world(app):
    return review_world(app)


@pytest.fixture
def office(client, world):
    return token(client)


@pytest.fixture
def nid(client, world, office):
    response = draft(client, world, office)
    assert response.status_code == 201, response.get_json()
    assert publish(client, world, office).status_code == 200
    return response.get_json()["id"]


def objection_url(nid: int) -> str:
    return f"/api/v1/notices/{nid}/objections"


def test_create_notice_returns_draft_with_period(client, world, office):
    response = draft(client, world, office, starts_on="2026-09-29", title="关于拟表彰单位的公示")
    body = response.get_json()
    assert response.status_code == 201
    assert (body["starts_on"], body["ends_on"], body["status"], body["published"]) == (
        "2026-09-29",
        "2026-10-10",
        "open",
        False,
    )
    assert [u["name"] for u in body["units"]] == ["丙公司", "乙单位", "甲单位"]
    assert body["contact"] == CONTACT and body["title"] == "关于拟表彰单位的公示"


def test_create_notice_five_days_from_monday_contract_example(app, client, world, office):
    set_today(app, date(2022, 10, 31))
    body = draft(client, world, office).get_json()
    assert (body["starts_on"], body["ends_on"]) == ("2022-10-31", "2022-11-04")


def test_create_notice_vetoed_unit_400(client, world, office):
    response = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/notice",
        json={"unit_ids": [world.a.id, world.d.id], "contact": CONTACT},
        headers=office,
    )
    assert response.status_code == 400
    assert "丁单位" in response.get_json()["error"]["fields"]["unit_ids"][0]


def test_create_notice_missing_contact_400(client, world, office):
    response = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/notice", json={"unit_ids": [world.a.id]}, headers=office
    )
    assert response.status_code == 400 and "contact" in response.get_json()["error"]["fields"]


def test_create_notice_public_401_and_wrong_phase_409(client, world, office, nid):
    assert client.post(f"/api/v1/campaigns/{world.campaign.id}/notice", json={}).status_code in (400, 401)
    response = draft(client, world, office)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "wrong_phase"


def test_get_notice_404_before_published(client, world, office):
    nid = draft(client, world, office).get_json()["id"]
    response = client.get(f"/api/v1/notices/{nid}")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_transition_to_notice_blocked_without_notice(client, world, office):
    response = publish(client, world, office)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "transition_blocked"


def test_get_notice_public_after_publish_without_scores(client, nid):
    response = client.get(f"/api/v1/notices/{nid}")
    body = response.get_json()
    assert response.status_code == 200
    assert {"id", "campaign_id", "title", "starts_on", "ends_on", "status", "units", "contact"} <= body.keys()
    assert body["status"] == "open" and body["published"] is True
    assert all(set(u) == {"id", "name", "category"} for u in body["units"])
    assert "score" not in response.get_data(as_text=True) and "rank" not in response.get_data(as_text=True)


def test_get_notice_status_scheduled_then_closed(app, client, world, office):
    nid = draft(client, world, office, starts_on="2026-10-08").get_json()["id"]
    publish(client, world, office)
    assert client.get(f"/api/v1/notices/{nid}").get_json()["status"] == "scheduled"
    set_today(app, date(2026, 10, 16))
    assert client.get(f"/api/v1/notices/{nid}").get_json()["status"] == "closed"


def test_post_objection_201_with_receipt(client, world, nid):
    response = client.post(objection_url(nid), json={**OBJECTION, "unit_id": world.a.id})
    body = response.get_json()
    assert response.status_code == 201 and set(body) >= {"id", "receipt"}
    assert len(body["receipt"]) >= 24 and body["status_url"].endswith("/objections/" + body["receipt"])


@pytest.mark.parametrize("missing", ["name", "phone"])
def test_post_objection_without_real_name_or_phone_400(client, world, nid, missing):
    response = client.post(objection_url(nid), json={**OBJECTION, missing: "", "unit_id": world.a.id})
    error = response.get_json()["error"]
    assert response.status_code == 400 and missing in error["fields"]
    assert any("不受理匿名异议" in r for r in error["reasons"])


def test_post_objection_unit_not_on_notice_400(client, world, nid):
    response = client.post(objection_url(nid), json={**OBJECTION, "unit_id": world.d.id})
    assert response.status_code == 400 and list(response.get_json()["error"]["fields"]) == ["unit_id"]


def test_post_objection_before_start_and_after_end_409(app, client, world, office):
    nid = draft(client, world, office, starts_on="2026-10-08").get_json()["id"]
    publish(client, world, office)
    assert client.post(objection_url(nid), json={**OBJECTION, "unit_id": world.a.id}).status_code == 409
    set_today(app, date(2026, 10, 16))
    response = client.post(objection_url(nid), json={**OBJECTION, "unit_id": world.a.id})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "notice_not_open"


def test_post_objection_unpublished_notice_404(client, world, office):
    nid = draft(client, world, office).get_json()["id"]
    assert client.post(objection_url(nid), json={**OBJECTION, "unit_id": world.a.id}).status_code == 404


def test_post_objection_rate_limited_every_post_counted(client, world, nid):
    statuses = [client.post(objection_url(nid), json={"unit_id": world.a.id}).status_code for _ in range(5)]
    statuses += [client.post(objection_url(nid), data="not json").status_code for _ in range(5)]
    assert set(statuses) == {400}
    response = client.post(objection_url(nid), json={**OBJECTION, "unit_id": world.a.id})
    assert response.status_code == 429
    error = response.get_json()["error"]
    assert error["code"] == "rate_limited" and "每分钟最多提交 10 次" in error["message"]
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    other = client.post(
        objection_url(nid),
        json={**OBJECTION, "unit_id": world.a.id},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert other.status_code == 201


@pytest.mark.skipif(not REDIS_URL, reason="set EVALFLOW_TEST_REDIS_URL (Redis db 15) to test shared limits")
def test_post_objection_limit_shared_through_redis(app, tmp_path):
    """Two app instances (two server processes) on one Redis count the same posts."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    prefix = "evalflow-test-" + uuid.uuid4().hex  # this test's own counters in the shared Redis
    apps = [
        create_app(make_config(url, tmp_path, REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix))
        for _ in range(2)
    ]
    statuses = []
    for i in range(12):
        with apps[i % 2].test_client() as c:
            statuses.append(
                c.post("/api/v1/notices/1/objections", json={**OBJECTION, "unit_id": 1}).status_code
            )
    assert statuses[:10] == [404] * 10 and statuses[10:] == [429, 429]
    for other in apps:
        with other.app_context():
            db.engine.dispose()


def test_office_lists_and_resolves_objections(client, world, office, nid):
    oid = client.post(objection_url(nid), json={**OBJECTION, "unit_id": world.a.id}).get_json()["id"]
    listing = client.get(f"/api/v1/campaigns/{world.campaign.id}/objections", headers=office).get_json()
    assert [(o["id"], o["status"], o["state"]) for o in listing] == [(oid, "open", "received")]
    assert client.get(f"/api/v1/campaigns/{world.campaign.id}/objections").status_code == 401
    response = client.post(f"/api/v1/objections/{oid}/investigate", json={}, headers=office)
    assert response.get_json()["status"] == "open" and response.get_json()["investigating"] is True
    bad = client.post(
        f"/api/v1/objections/{oid}/resolve", json={"outcome": "upheld", "reply": ""}, headers=office
    )
    assert bad.status_code == 400 and "reply" in bad.get_json()["error"]["fields"]
    done = client.post(
        f"/api/v1/objections/{oid}/resolve",
        json={"outcome": "upheld", "reply": "经核实属实。"},
        headers=office,
    )
    assert done.status_code == 200 and done.get_json()["status"] == "upheld"
    again = client.post(
        f"/api/v1/objections/{oid}/resolve", json={"outcome": "dismissed", "reply": "再议"}, headers=office
    )
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_resolved"


def test_final_guard_then_commendation_and_read_only(app, client, world, office, nid):
    oid = client.post(objection_url(nid), json={**OBJECTION, "unit_id": world.a.id}).get_json()["id"]
    assert client.get(f"/api/v1/campaigns/{world.campaign.id}/commendation").status_code == 404
    blocked = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/transitions", json={"to": "final"}, headers=office
    )
    assert blocked.status_code == 409 and len(blocked.get_json()["error"]["reasons"]) == 2
    client.post(
        f"/api/v1/objections/{oid}/resolve", json={"outcome": "upheld", "reply": "属实"}, headers=office
    )
    set_today(app, date(2026, 10, 11))  # Sunday after the last day (10-10): the period has ended
    final = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/transitions", json={"to": "final"}, headers=office
    )
    assert final.status_code == 200 and final.get_json()["phase"] == "final"
    commendation = client.get(f"/api/v1/campaigns/{world.campaign.id}/commendation").get_json()
    assert [u["name"] for u in commendation["units"]] == ["丙公司", "乙单位"]
    patch = client.patch(f"/api/v1/campaigns/{world.campaign.id}", json={"title": "改"}, headers=office)
    assert patch.status_code == 409 and patch.get_json()["error"]["code"] == "wrong_phase"
    unit = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/units", json={"name": "新单位"}, headers=office
    )
    assert unit.status_code == 409
    assert client.get(f"/api/v1/campaigns/{world.campaign.id}", headers=office).status_code == 200


def test_calendar_day_api_and_2027_period(client, world, office):
    for day in ("2027-10-04", "2027-10-05"):
        response = client.put(
            "/api/v1/calendar/days", json={"day": day, "is_workday": False, "note": "国庆节"}, headers=office
        )
        assert response.status_code == 200
    world_body = draft(client, world, office, starts_on="2027-10-01").get_json()
    assert (world_body["ends_on"], world_body["beyond_known_calendar"]) == ("2027-10-11", False)
    assert [d["day"] for d in client.get("/api/v1/calendar/days", headers=office).get_json()] == [
        "2027-10-04",
        "2027-10-05",
    ]


def test_notice_beyond_known_calendar_flagged(client, world, office):
    body = draft(client, world, office, starts_on="2026-12-28").get_json()
    assert body["beyond_known_calendar"] is True


def test_post_objection_concurrent_posts_all_kept(app, client, world, nid):
    results: list[int] = []
    unit_id = world.a.id  # read here: the threads must not touch this thread's session

    def post(i: int) -> None:
        with app.app_context(), app.test_client() as c:
            body = {**OBJECTION, "unit_id": unit_id, "name": f"群众{i}号"}
            results.append(
                c.post(objection_url(nid), json=body, environ_base={"REMOTE_ADDR": f"10.1.0.{i}"}).status_code
            )

    threads = [threading.Thread(target=post, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [201] * 6
    receipts = {o.receipt for o in db.session.scalars(sa.select(Objection))}
    assert len(receipts) == 6


def test_post_objection_limit_uses_forwarded_client_behind_proxy(app, tmp_path, world, nid):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    proxied = create_app(
        make_config(url, tmp_path, TRUSTED_PROXIES=1, FROZEN_TODAY=app.config["FROZEN_TODAY"])
    )
    body = {"unit_id": world.a.id}
    with proxied.app_context():
        with proxied.test_client() as c:
            first = [
                c.post(objection_url(nid), json=body, headers={"X-Forwarded-For": "203.0.113.7"}).status_code
                for _ in range(11)
            ]
            other = c.post(objection_url(nid), json=body, headers={"X-Forwarded-For": "203.0.113.8"})
        db.session.remove()
        db.engine.dispose()
    assert first[:10] == [400] * 10 and first[10] == 429
    assert other.status_code == 400


def test_withdrawn_notice_leaves_public_and_a_new_one_is_published(client, world, office, nid):
    back = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/transitions",
        json={"to": "review", "reason": "名单有误"},
        headers=office,
    )
    assert back.status_code == 200 and back.get_json()["phase"] == "review"
    assert client.get(f"/api/v1/notices/{nid}").status_code == 404
    blocked = publish(client, world, office)
    assert blocked.status_code == 409  # the withdrawn notice does not count: a new one must be drafted
    new = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/notice",
        json={"unit_ids": [world.c.id], "contact": CONTACT},
        headers=office,
    ).get_json()
    assert publish(client, world, office).status_code == 200
    body = client.get(f"/api/v1/notices/{new['id']}").get_json()
    assert [u["name"] for u in body["units"]] == ["丙公司"] and body["status"] == "open"


def test_post_objection_upload_unit_with_seal_and_evidence(client, world, nid):
    data = {
        "kind": "unit", "unit_id": str(world.b.id), "name": "某某街道办事处", "contact_name": "李四",
        "phone": "0591-1234567", "content": "该单位存在拖欠农民工工资问题。",
        "seal": (io.BytesIO(PNG), "公章.png"), "evidence": [(io.BytesIO(PDF), "证明.pdf")],
    }  # fmt: skip
    response = client.post(f"{objection_url(nid)}/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    objection = db.session.scalar(sa.select(Objection))
    files = db.session.scalars(
        sa.select(ObjectionFile).where(ObjectionFile.objection_id == objection.id)
    ).all()
    assert (objection.kind.value, objection.contact_name) == ("unit", "李四")
    assert sorted((f.role.value, f.filename) for f in files) == [
        ("evidence", "证明.pdf"),
        ("seal", "公章.png"),
    ]


def test_post_objection_upload_unit_without_seal_400(client, world, nid):
    data = {"kind": "unit", "unit_id": str(world.b.id), "name": "某某街道办事处", "contact_name": "李四",
            "phone": "0591-1234567", "content": "该单位存在拖欠农民工工资问题。"}  # fmt: skip
    response = client.post(f"{objection_url(nid)}/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and "seal" in response.get_json()["error"]["fields"]
    json_response = client.post(objection_url(nid), json={**data, "unit_id": world.b.id})
    assert json_response.status_code == 400 and "seal" in json_response.get_json()["error"]["fields"]


def test_post_objection_upload_seal_must_be_an_image(client, world, nid):
    data = {"kind": "unit", "unit_id": str(world.b.id), "name": "某某街道办事处", "contact_name": "李四",
            "phone": "0591-1234567", "content": "该单位存在拖欠农民工工资问题。", "seal": (io.BytesIO(PDF), "公章.pdf")}  # fmt: skip
    response = client.post(f"{objection_url(nid)}/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 415 and response.get_json()["error"]["code"] == "unsupported_type"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Objection)) == 0


def test_post_objection_upload_shares_the_rate_limit(client, world, nid):
    for _ in range(10):
        client.post(objection_url(nid), json={"unit_id": world.a.id})
    response = client.post(f"{objection_url(nid)}/upload", data={}, content_type="multipart/form-data")
    assert response.status_code == 429 and response.get_json()["error"]["code"] == "rate_limited"
