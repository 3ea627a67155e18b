"""Units through the API: creation with a login shown once, list, password reset, CSV/XLSX import,
self-registration and its approval."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared.accounts.models import User
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.campaigns.models import Unit
from tests.intake_steps import token_for
from tests.intake_world import (
    PNG,
    World,
    build,
)


@pytest.fixture
def world(app) -> World:
    return build()


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
