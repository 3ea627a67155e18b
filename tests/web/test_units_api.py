"""Contract section *Units and applications* through the API, on SQLite and PostgreSQL.

Every endpoint has a row in the access matrix (caller → status, and no data of another unit in
the body); the contract's behaviour and the evil cases (disguised executables, oversized files,
other units) are tested one by one, asserting on bodies, on the database and on the upload folder.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.models import Application, AuditEntry, Campaign, Unit, User, VetoIncident
from tests.intake_world import (
    EXE,
    PDF,
    PNG,
    World,
    build,
    docx_bytes,
    file_rows,
    raw_upload,
    stored_files,
    upload,
)

SECRET_TEXT = "甲社区的机密汇报正文"


@pytest.fixture
def world(app) -> World:
    return build()


def write_report(client, world, who="a", unit=None, title="甲社区文明创建工作汇报", text=SECRET_TEXT):
    return client.put(
        world.app_url(unit, ""), json={"report_title": title, "report_text": text}, headers=world.headers(who)
    )


def submit(client, world, who="a", unit=None):
    return client.post(world.app_url(unit, "/submit"), headers=world.headers(who))


def submitted(client, world, unit=None):
    who = "b" if unit is world.b else "a"
    assert write_report(client, world, who, unit).status_code == 200
    assert submit(client, world, who, unit).status_code == 200


def review(client, world, decision, comment="", who="office", unit=None):
    return client.post(
        world.app_url(unit, "/review"),
        json={"decision": decision, "comment": comment},
        headers=world.headers(who),
    )


def token_for(client, username, password):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


# --- access matrix --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: Callable[[World, dict], str]
    expected: dict[str, int]
    prepare: Callable[[Any, World], dict] = lambda client, world: {}
    kwargs: Callable[[World], dict] = lambda world: {}


def _with_attachment(client, world):
    response = upload(client, world, "a", PDF)
    assert response.status_code == 201
    write_report(client, world)
    return {"aid": response.get_json()["id"]}


def _with_submission(client, world):
    submitted(client, world)
    return {}


def _pending_registration(client, world):
    response = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/registrations",
        json={"name": "丁社区", "username": "dingshequ", "password": "ding-pass-123"},
    )
    return {"uid": response.get_json()["id"]}


def _recorded_veto(client, world):
    response = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/vetoes",
        json={"kind": "发生群体性事件", "occurred_on": "2026-01-05", "description": SECRET_TEXT},
        headers=world.headers("office"),
    )
    assert response.status_code == 201
    return {"vid": response.get_json()["id"]}


def _multipart(content, name):
    return lambda world: {
        "data": {"file": (io.BytesIO(content), name)},
        "content_type": "multipart/form-data",
    }


C = "/api/v1/campaigns/{c}"
OFFICE_ONLY = {"office": 200, "a": 403, "b": 403, "stranger": 404, "seat": 403, "public": 401}
A_OR_OFFICE = {"office": 200, "a": 200, "b": 403, "stranger": 404, "seat": 403, "public": 401}
A_ONLY = {"office": 403, "a": 200, "b": 403, "stranger": 404, "seat": 403, "public": 401}

ENDPOINTS = [
    Endpoint("list units", "GET", lambda w, p: f"/api/v1/campaigns/{w.campaign.id}/units",
             {**A_OR_OFFICE, "b": 200}),
    Endpoint("create unit", "POST", lambda w, p: f"/api/v1/campaigns/{w.campaign.id}/units",
             {**OFFICE_ONLY, "office": 201}, kwargs=lambda w: {"json": {"name": "新单位"}}),
    Endpoint("import units", "POST", lambda w, p: f"/api/v1/campaigns/{w.campaign.id}/units/import",
             {**OFFICE_ONLY, "office": 201}, kwargs=_multipart("name\n新单位\n".encode(), "list.csv")),
    Endpoint("reset password", "POST", lambda w, p: f"/api/v1/campaigns/{w.campaign.id}/units/{w.a.id}/password",
             OFFICE_ONLY),
    Endpoint("decide registration", "POST",
             lambda w, p: f"/api/v1/campaigns/{w.campaign.id}/units/{p['uid']}/registration",
             OFFICE_ONLY, prepare=_pending_registration, kwargs=lambda w: {"json": {"approve": True}}),
    Endpoint("get application", "GET", lambda w, p: w.app_url(), A_OR_OFFICE),
    Endpoint("put application", "PUT", lambda w, p: w.app_url(), A_ONLY,
             kwargs=lambda w: {"json": {"report_title": "t", "report_text": "x"}}),
    Endpoint("add attachment", "POST", lambda w, p: w.app_url(None, "/attachments"), {**A_ONLY, "a": 201},
             kwargs=_multipart(PDF, "a.pdf")),
    Endpoint("download attachment", "GET", lambda w, p: w.app_url(None, f"/attachments/{p['aid']}"),
             A_OR_OFFICE, prepare=_with_attachment),
    Endpoint("delete attachment", "DELETE", lambda w, p: w.app_url(None, f"/attachments/{p['aid']}"),
             {**A_ONLY, "a": 204}, prepare=_with_attachment),
    Endpoint("import docx", "POST", lambda w, p: w.app_url(None, "/report-docx"), A_ONLY,
             kwargs=_multipart(docx_bytes("标题", "一、正文"), "r.docx")),
    Endpoint("submit", "POST", lambda w, p: w.app_url(None, "/submit"), A_ONLY, prepare=_with_attachment),
    Endpoint("review", "POST", lambda w, p: w.app_url(None, "/review"), OFFICE_ONLY, prepare=_with_submission,
             kwargs=lambda w: {"json": {"decision": "accept"}}),
    Endpoint("versions", "GET", lambda w, p: w.app_url(None, "/versions"), A_OR_OFFICE, prepare=_with_submission),
    Endpoint("diff", "GET", lambda w, p: w.app_url(None, "/diff?from=1&to=1"), A_OR_OFFICE,
             prepare=_with_submission),
    Endpoint("review queue", "GET", lambda w, p: f"/api/v1/campaigns/{w.campaign.id}/applications", OFFICE_ONLY,
             prepare=_with_submission),
    Endpoint("deadline", "PUT", lambda w, p: f"/api/v1/campaigns/{w.campaign.id}/intake-deadline", OFFICE_ONLY,
             kwargs=lambda w: {"json": {"deadline": "2026-12-31", "reason": "设定"}}),
    Endpoint("list vetoes", "GET", lambda w, p: f"/api/v1/campaigns/{w.campaign.id}/vetoes", OFFICE_ONLY),
    Endpoint("record veto", "POST", lambda w, p: f"/api/v1/campaigns/{w.campaign.id}/units/{w.a.id}/vetoes",
             {**OFFICE_ONLY, "office": 201},
             kwargs=lambda w: {"json": {"kind": "发生群体性事件", "occurred_on": "2026-01-05", "description": "事件"}}),
    Endpoint("withdraw veto", "POST", lambda w, p: f"/api/v1/campaigns/{w.campaign.id}/vetoes/{p['vid']}/withdraw",
             OFFICE_ONLY, prepare=_recorded_veto, kwargs=lambda w: {"json": {"reason": "录入错误"}}),
]  # fmt: skip
CALLERS = ["office", "a", "b", "stranger", "seat", "public"]


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_access_matrix_status_and_no_leak(client, world, endpoint, who):
    params = endpoint.prepare(client, world)
    response = client.open(
        endpoint.url(world, params),
        method=endpoint.method,
        headers=world.headers(who),
        **endpoint.kwargs(world),
    )
    text = response.get_data(as_text=True)
    response.close()
    assert response.status_code == endpoint.expected[who], text
    if response.status_code >= 400:
        body = response.get_json()
        assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"]
        assert SECRET_TEXT not in text
        assert "%PDF" not in text


def test_every_intake_route_is_in_the_matrix(app):
    from evalflow.api.common import SPEC_PATHS

    covered = {
        ("/campaigns/{cid}/units", "post"), ("/campaigns/{cid}/units", "get"),
        ("/campaigns/{cid}/units/import", "post"), ("/campaigns/{cid}/units/{uid}/password", "post"),
        ("/campaigns/{cid}/units/{uid}/registration", "post"), ("/campaigns/{cid}/applications", "get"),
        ("/campaigns/{cid}/intake-deadline", "put"), ("/campaigns/{cid}/vetoes", "get"),
        ("/campaigns/{cid}/units/{uid}/vetoes", "post"), ("/campaigns/{cid}/vetoes/{vid}/withdraw", "post"),
    }  # fmt: skip
    app_paths = {
        ("", "get"), ("", "put"), ("/attachments", "post"), ("/attachments/{aid}", "get"),
        ("/attachments/{aid}", "delete"), ("/report-docx", "post"), ("/submit", "post"), ("/review", "post"),
        ("/versions", "get"), ("/diff", "get"),
    }  # fmt: skip
    covered |= {(f"/campaigns/{{cid}}/units/{{uid}}/application{s}", m) for s, m in app_paths}
    # Public or evidence endpoints tested on their own below.
    covered |= {("/campaigns/{cid}/registrations", "post"), ("/campaigns/{cid}/vetoes/{vid}/evidence", "get")}
    mine = {
        (path.removeprefix("/api/v1"), method)
        for path, ops in SPEC_PATHS.items()
        for method, op in ops.items()
        if op["tags"][0] in {"units", "applications", "veto"}
    }
    assert mine == covered


# --- units ----------------------------------------------------------------------------------------


def test_create_unit_returns_login_shown_once(client, world):
    response = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/units",
        json={
            "name": "乌山社区",
            "category": "社区",
            "contact_name": "林书记",
            "contact_phone": "0591-1234567",
        },
        headers=world.headers("office"),
    )
    body = response.get_json()
    assert response.status_code == 201
    assert {"id", "name", "category", "username", "password"} <= set(body)
    assert (body["name"], body["category"]) == ("乌山社区", "社区")
    login = token_for(client, body["username"], body["password"]).get_json()
    assert login["role"] == "unit" and login["unit_id"] == body["id"]
    user = db.session.scalar(sa.select(User).where(User.username == body["username"]))
    assert body["password"] not in user.password_hash


def test_create_unit_duplicate_name_is_409(client, world):
    response = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/units",
        json={"name": "甲社区"},
        headers=world.headers("office"),
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "duplicate"
    assert "甲社区" in response.get_json()["error"]["message"]


def test_create_unit_same_name_in_other_campaign_is_fine(client, world):
    response = client.post(
        f"/api/v1/campaigns/{world.other.id}/units", json={"name": "甲社区"}, headers=world.headers("office")
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "payload", [{}, {"name": " "}, {"name": 5}, {"name": "x" * 121}, {"name": "a", "contact_phone": "电话"}]
)
def test_create_unit_invalid_input_is_400_and_writes_nothing(client, world, payload):
    before = db.session.query(Unit).count()
    response = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/units", json=payload, headers=world.headers("office")
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_input"
    assert response.get_json()["error"]["fields"]
    assert db.session.query(Unit).count() == before


def test_list_units_office_sees_all_unit_sees_itself(client, world):
    office = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/units", headers=world.headers("office")
    ).get_json()
    mine = client.get(f"/api/v1/campaigns/{world.campaign.id}/units", headers=world.headers("b")).get_json()
    assert [u["name"] for u in office] == ["甲社区", "乙社区"]
    assert [u["name"] for u in mine] == ["乙社区"]
    assert "vetoed" in office[0] and "vetoed" not in mine[0]


def test_reset_password_old_password_and_token_stop_working(client, world):
    created = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/units",
        json={"name": "丙社区"},
        headers=world.headers("office"),
    ).get_json()
    old_token = token_for(client, created["username"], created["password"]).get_json()["token"]
    response = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/units/{created['id']}/password",
        headers=world.headers("office"),
    )
    fresh = response.get_json()
    assert response.status_code == 200 and fresh["username"] == created["username"]
    assert fresh["password"] != created["password"]
    assert token_for(client, created["username"], created["password"]).status_code == 401
    assert (
        client.get(
            f"/api/v1/campaigns/{world.campaign.id}/units", headers={"Authorization": f"Bearer {old_token}"}
        ).status_code
        == 401
    )
    assert token_for(client, created["username"], fresh["password"]).status_code == 201
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert "unit.password_reset" in actions


# --- import -----------------------------------------------------------------------------------------


def _import(client, world, content, name="list.csv"):
    return client.post(
        f"/api/v1/campaigns/{world.campaign.id}/units/import",
        data={"file": (io.BytesIO(content), name)},
        headers=world.headers("office"),
        content_type="multipart/form-data",
    )


def test_import_csv_creates_every_row_with_logins(client, world):
    csv = "单位名称,类别,联系人,联系电话\n丙社区,社区,王五,010-1234\n丁中学,学校,,\n\n".encode()
    response = _import(client, world, csv)
    created = response.get_json()["created"]
    assert response.status_code == 201
    assert [(r["row"], r["name"]) for r in created] == [(2, "丙社区"), (3, "丁中学")]
    assert token_for(client, created[0]["username"], created[0]["password"]).status_code == 201
    unit = db.session.get(Unit, created[0]["id"])
    assert (unit.category, unit.contact_name, unit.contact_phone) == ("社区", "王五", "010-1234")


def test_import_xlsx_creates_units(client, world):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["name", "category", "contact", "phone"])
    book.active.append(["戊企业", "企业", "赵六", "139 0000 0000"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = _import(client, world, buffer.getvalue(), "名单.xlsx")
    assert response.status_code == 201
    assert [r["name"] for r in response.get_json()["created"]] == ["戊企业"]


def test_import_with_bad_rows_imports_nothing_and_reports_each(client, world):
    before = (db.session.query(Unit).count(), db.session.query(User).count())
    csv = "name,category,contact,phone\n丙社区,社区,,\n甲社区,社区,,\n丙社区,,,\n,学校,某人,\n".encode()
    response = _import(client, world, csv)
    error = response.get_json()["error"]
    assert response.status_code == 400
    assert error["code"] == "invalid_input"
    assert len(error["reasons"]) == 3
    assert error["reasons"][0].startswith("第 3 行(甲社区)")
    assert "第 4 行" in error["reasons"][1] and "第 5 行" in error["reasons"][2]
    assert (db.session.query(Unit).count(), db.session.query(User).count()) == before


@pytest.mark.parametrize(
    ("content", "name", "status"),
    [(b"", "empty.csv", 400), (b"category\nx\n", "noname.csv", 400), (PNG, "list.csv", 415)],
)
def test_import_unreadable_list_is_refused(client, world, content, name, status):
    response = _import(client, world, content, name)
    assert response.status_code == status
    assert response.get_json()["error"]["message"]


# --- self-registration ----------------------------------------------------------------------------


def _register(client, campaign, **extra):
    data = {
        "name": "丁社区",
        "category": "社区",
        "username": "dingshequ",
        "password": "ding-pass-123",
        **extra,
    }
    return client.post(f"/api/v1/campaigns/{campaign.id}/registrations", json=data)


def test_registration_waits_for_approval(client, world):
    response = _register(client, world.campaign)
    uid = response.get_json()["id"]
    assert response.status_code == 201 and response.get_json()["registration"] == "pending"
    pending = token_for(client, "dingshequ", "ding-pass-123")
    assert pending.status_code == 401
    assert pending.get_json()["error"]["message"] == "您的单位注册正在等待文明办审核,审核通过后即可登录。"
    assert (
        token_for(client, "dingshequ", "wrong-pass-1").get_json()["error"]["message"] == "用户名或密码错误。"
    )
    decided = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/units/{uid}/registration",
        json={"approve": True},
        headers=world.headers("office"),
    )
    assert decided.status_code == 200
    assert token_for(client, "dingshequ", "ding-pass-123").status_code == 201
    again = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/units/{uid}/registration",
        json={"approve": True},
        headers=world.headers("office"),
    )
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_pending"


def test_registration_declined_removes_unit_and_login(client, world):
    uid = _register(client, world.campaign).get_json()["id"]
    response = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/units/{uid}/registration",
        json={"approve": False},
        headers=world.headers("office"),
    )
    assert response.status_code == 200
    assert db.session.get(Unit, uid) is None
    assert db.session.scalar(sa.select(User).where(User.username == "dingshequ")) is None


def test_registration_outside_intake_is_409(client, world):
    world.campaign.phase = "training"
    db.session.commit()
    response = _register(client, world.campaign)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "wrong_phase"


def test_registration_bad_input_is_400(client, world):
    response = _register(client, world.campaign, password="short", name="")
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) >= {"name"}
    assert db.session.query(Unit).filter_by(name="").count() == 0


def test_registration_unknown_campaign_is_404(client, world):
    body = {"name": "丁社区", "username": "unit-d", "password": "long-enough-1"}
    assert client.post("/api/v1/campaigns/999/registrations", json=body).status_code == 404


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


# --- attachments -----------------------------------------------------------------------------------------


def test_attachment_upload_and_download_keep_chinese_name(client, world):
    response = upload(client, world, "a", PDF, "创建工作台账.pdf")
    body = response.get_json()
    assert response.status_code == 201
    assert body == {
        "id": body["id"], "filename": "创建工作台账.pdf", "size": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(), "content_type": "application/pdf",
    }  # fmt: skip
    download = client.get(world.app_url(None, f"/attachments/{body['id']}"), headers=world.headers("office"))
    assert download.status_code == 200 and download.data == PDF
    download.close()
    assert download.headers["Content-Type"] == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E5%88%9B%E5%BB%BA%E5%B7%A5%E4%BD%9C%E5%8F%B0%E8%B4%A6.pdf" in disposition
    listed = client.get(world.app_url(), headers=world.headers("a")).get_json()["attachments"]
    assert listed == [body]


@pytest.mark.parametrize(
    ("content", "name", "kind"),
    [
        (PNG, "photo.jpg", "image/png"),
        (
            docx_bytes("正文"),
            "材料",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_attachment_type_comes_from_content(client, world, content, name, kind):
    body = upload(client, world, "a", content, name).get_json()
    assert body["content_type"] == kind


@pytest.mark.parametrize(
    ("content", "name"),
    [(EXE, "申报材料.pdf"), (b"\x7fELF\x02\x01" + b"\x00" * 50, "photo.png"), (b"PK\x03\x04notreallyazip", "x.docx"),
     (b"<html><script>alert(1)</script>", "page.pdf")],
)  # fmt: skip
def test_disguised_file_is_415_and_leaves_nothing(client, app, world, content, name):
    response = upload(client, world, "a", content, name)
    error = response.get_json()["error"]
    assert response.status_code == 415
    assert error["code"] == "unsupported_type" and "PDF" in error["message"]
    assert stored_files(app) == [] and file_rows() == 0


def test_sixty_megabyte_file_is_413_and_leaves_nothing(client, app, world):
    big = b"%PDF-1.4\n" + b"0" * (60 * 1024 * 1024)
    response = raw_upload(client, world, "a", big, "big.pdf")
    error = response.get_json()["error"]
    assert response.status_code == 413
    assert error["code"] == "too_large" and "20 MB" in error["message"]
    assert stored_files(app) == [] and file_rows() == 0


def test_file_just_over_the_cap_is_413_and_leaves_nothing(client, app, world):
    response = raw_upload(client, world, "a", b"%PDF-" + b"0" * (20 * 1024 * 1024))
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"
    assert stored_files(app) == [] and file_rows() == 0


def test_missing_file_is_400(client, world):
    response = client.post(world.app_url(None, "/attachments"), data={}, headers=world.headers("a"),
                           content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 400 and "file" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("who", ["b", "stranger", "office"])
def test_other_callers_cannot_upload_and_leave_nothing(client, app, world, who):
    response = upload(client, world, who, PDF)
    assert response.status_code in (403, 404)
    assert stored_files(app) == [] and file_rows() == 0


def test_other_unit_cannot_read_attachment_by_its_own_url(client, world):
    aid = upload(client, world, "a", PDF).get_json()["id"]
    # b asks for a's file through b's own application URL: not found, no bytes.
    response = client.get(world.app_url(world.b, f"/attachments/{aid}"), headers=world.headers("b"))
    assert response.status_code == 404 and b"%PDF" not in response.data


def test_delete_attachment_removes_row_and_file(client, app, world):
    aid = upload(client, world, "a", PDF).get_json()["id"]
    assert len(stored_files(app)) == 1
    response = client.delete(world.app_url(None, f"/attachments/{aid}"), headers=world.headers("a"))
    assert response.status_code == 204
    assert stored_files(app) == [] and file_rows() == 0
    assert (
        client.get(world.app_url(None, f"/attachments/{aid}"), headers=world.headers("a")).status_code == 404
    )


def test_delete_attachment_after_submit_is_409_and_keeps_file(client, app, world):
    aid = upload(client, world, "a", PDF).get_json()["id"]
    submitted(client, world)
    response = client.delete(world.app_url(None, f"/attachments/{aid}"), headers=world.headers("a"))
    assert response.status_code == 409
    assert len(stored_files(app)) == 1 and file_rows() == 1


# --- .docx report ---------------------------------------------------------------------------------------


def test_docx_report_fills_body_and_outline(client, app, world):
    content = docx_bytes(
        "乌山社区文明创建工作汇报",
        "我们乌山社区认真学习。",
        "一、领导重视,健全组织机构",
        "正文一",
        "二、宣传发动,营造氛围",
    )
    response = client.post(world.app_url(None, "/report-docx"), data={"file": (io.BytesIO(content), "汇报.docx")},
                           headers=world.headers("a"), content_type="multipart/form-data")  # fmt: skip
    body = response.get_json()
    assert response.status_code == 200
    assert body["report_title"] == "乌山社区文明创建工作汇报"
    assert body["report_text"].startswith("我们乌山社区认真学习。\n一、领导重视")
    assert [o["text"] for o in body["outline"]] == ["领导重视,健全组织机构", "宣传发动,营造氛围"]
    assert body["status"] == "draft"
    assert stored_files(app) == [] and file_rows() == 0  # the Word file itself is not kept


def test_docx_report_refuses_pdf_with_415(client, world):
    response = client.post(world.app_url(None, "/report-docx"), data={"file": (io.BytesIO(PDF), "汇报.docx")},
                           headers=world.headers("a"), content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 415


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


def _veto(client, world, occurred_on, unit=None):
    unit = unit or world.a
    return client.post(
        f"/api/v1/campaigns/{world.campaign.id}/units/{unit.id}/vetoes",
        json={"kind": "申报材料弄虚作假", "occurred_on": occurred_on, "description": "伪造活动照片"},
        headers=world.headers("office"),
    )


def test_vetoed_unit_cannot_be_accepted(client, app, world):
    app.config["FROZEN_TODAY"] = "2026-11-28"
    submitted(client, world)
    recorded = _veto(client, world, "2026-10-01")
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
    recorded = _veto(client, world, "2024-11-27")
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
    vid = _veto(client, world, "2026-10-01").get_json()["id"]
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
    body = _veto(client, world, "2026-10-01").get_json()
    assert (body["withdrawn_at"], body["withdrawal_reason"]) == (None, "")


def test_withdraw_veto_twice_is_409(client, app, world):
    app.config["FROZEN_TODAY"] = "2026-11-28"
    vid = _veto(client, world, "2026-10-01").get_json()["id"]
    assert _withdraw(client, world, vid, {"reason": "第一次"}).status_code == 200
    again = _withdraw(client, world, vid, {"reason": "第二次"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_withdrawn"
    assert db.session.get(VetoIncident, vid).withdrawal_reason == "第一次"


@pytest.mark.parametrize(
    "payload", [{}, {"reason": ""}, {"reason": "  "}, {"reason": 5}, {"reason": "长" * 501}]
)
def test_withdraw_veto_without_reason_is_400_and_changes_nothing(client, app, world, payload):
    app.config["FROZEN_TODAY"] = "2026-11-28"
    vid = _veto(client, world, "2026-10-01").get_json()["id"]
    response = _withdraw(client, world, vid, payload)
    assert response.status_code == 400 and "reason" in response.get_json()["error"]["fields"]
    assert db.session.get(VetoIncident, vid).withdrawn_at is None
    assert db.session.query(AuditEntry).filter_by(action="veto.withdraw").count() == 0


def test_withdraw_unknown_or_other_campaign_veto_is_404(client, world):
    vid = _veto(client, world, "2026-10-01", unit=world.a).get_json()["id"]
    response = _withdraw(client, world, vid + 1000, {"reason": "x"})
    assert response.status_code == 404
    other = client.post(f"/api/v1/campaigns/{world.other.id}/vetoes/{vid}/withdraw", json={"reason": "x"},
                        headers=world.headers("office"))  # fmt: skip
    assert other.status_code == 404
    assert db.session.get(VetoIncident, vid).withdrawn_at is None


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


def test_veto_on_accepted_unit_in_intake_withdraws_acceptance(client, app, world):
    app.config["FROZEN_TODAY"] = "2026-11-28"
    submitted(client, world)
    review(client, world, "accept")
    assert _veto(client, world, "2026-06-01").status_code == 201
    body = client.get(world.app_url(), headers=world.headers("office")).get_json()
    assert body["status"] == "rejected" and body["review_comment"] == "一票否决:申报材料弄虚作假"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "application.veto_reject"))
    assert (entry.from_state, entry.to_state) == ("accepted", "rejected")


def test_veto_after_intake_keeps_status_but_marks_unit(client, app, world):
    from evalflow.services.veto import vetoed_unit_ids

    app.config["FROZEN_TODAY"] = "2026-11-28"
    submitted(client, world)
    review(client, world, "accept")
    world.campaign.phase = "training"
    db.session.commit()
    _veto(client, world, "2026-06-01")
    assert client.get(world.app_url(), headers=world.headers("office")).get_json()["status"] == "accepted"
    assert vetoed_unit_ids(world.campaign.id) == {world.a.id}
    units = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/units", headers=world.headers("office")
    ).get_json()
    assert [u["vetoed"] for u in units] == [True, False]


def test_openapi_documents_multipart_uploads(client, world):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    body = paths["/api/v1/campaigns/{cid}/units/{uid}/application/attachments"]["post"]["requestBody"]
    assert body["content"]["multipart/form-data"]["schema"]["required"] == ["file"]
    application = paths["/api/v1/campaigns/{cid}/units/{uid}/application"]["get"]["responses"]["200"]
    assert application["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ApplicationOut"
    }
