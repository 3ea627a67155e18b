"""Reviewers' and inspectors' accounts (contract: ``POST /api/v1/accounts``): the office makes them with
the unit they work for; they sign in, act for no unit, and land on their own page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.intake.models import ApplicationStatus
from evalflow.shared.access import Role
from evalflow.shared.accounts.models import User
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.phases import Phase
from tests import factories

PASSWORD = "expert-pass-2026!"


@pytest.fixture
def setup(app):
    campaign = factories.campaign(phase=Phase.TRAINING)
    unit = factories.unit(campaign, "甲社区", ApplicationStatus.ACCEPTED)
    office = factories.office()
    login = factories.user("unit-a", Role.UNIT, unit)
    tokens = {"office": factories.token(office), "unit": factories.token(login)}
    db.session.commit()
    return unit, tokens


def create(client, tokens, who="office", **body):
    data = {"username": "expert1", "password": PASSWORD, "name": "赵专家", "role": "reviewer", **body}
    return client.post("/api/v1/accounts", json=data, headers=factories.bearer(tokens[who]))


def test_accounts_create_a_reviewer_who_works_for_a_unit(client, setup):
    unit, tokens = setup
    response = create(client, tokens, unit_id=unit.id)
    assert response.status_code == 201
    body = response.get_json()
    assert {k: body[k] for k in ("username", "role", "name", "unit_id", "active")} == {
        "username": "expert1", "role": "reviewer", "name": "赵专家", "unit_id": unit.id, "active": True,
    }  # fmt: skip
    user = db.session.get(User, body["id"])
    assert (user.role, user.unit_id, user.affiliation_unit_id) == (Role.REVIEWER, None, unit.id)
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "account.create_reviewer")
    ).one()
    assert (entry.subject_id, entry.data) == (user.id, {"unit_id": unit.id})
    listed = client.get(
        "/api/v1/accounts?role=reviewer", headers=factories.bearer(tokens["office"])
    ).get_json()
    assert [a["username"] for a in listed] == ["expert1"]


def test_accounts_inspector_signs_in_and_acts_for_no_unit(client, setup):
    _, tokens = setup
    assert create(client, tokens, role="inspector", username="insp").status_code == 201
    token = client.post("/api/v1/auth/token", json={"username": "insp", "password": PASSWORD})
    assert token.status_code == 201
    assert (token.get_json()["role"], token.get_json()["unit_id"]) == ("inspector", None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "office"}, "role"),
        ({"role": "unit"}, "role"),
        ({"unit_id": 999999}, "unit_id"),
        ({"unit_id": 2**63}, "unit_id"),
        ({"name": ""}, "name"),
        ({"name": "张\n三"}, "name"),
        ({"password": "short"}, "password"),
    ],
)
def test_accounts_bad_input_is_400(client, setup, body, field):
    _, tokens = setup
    response = create(client, tokens, **body)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    assert db.session.scalar(sa.select(User).where(User.username == "expert1")) is None


def test_accounts_duplicate_username_and_strangers(client, setup):
    _, tokens = setup
    assert create(client, tokens).status_code == 201
    again = create(client, tokens, username="EXPERT1")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "duplicate"
    assert create(client, tokens, who="unit", username="x2").status_code == 403
    anonymous = client.post("/api/v1/accounts", json={})
    assert anonymous.status_code == 401


def test_reviewer_signs_in_on_the_normal_page_and_lands_on_their_assignments(client, setup):
    _, tokens = setup
    create(client, tokens)
    page = client.get("/login")
    csrf = factories.csrf_from(page.get_data(as_text=True))
    response = client.post("/login", data={"username": "expert1", "password": PASSWORD, "csrf_token": csrf})
    assert response.status_code == 302
    assert response.headers["Location"] == "/review/"
    home = client.get("/review/")
    assert home.status_code == 200
    assert "我的评审任务" in home.get_data(as_text=True)
    assert client.get("/office/").status_code == 403


def test_office_makes_a_reviewer_on_the_accounts_page(client, setup, auth):
    unit, _ = setup
    office = db.session.scalar(sa.select(User).where(User.username == "office"))
    browser = auth.browser(office)
    page = browser.get("/office/accounts/").get_data(as_text=True)
    assert "评审专家与考察组成员" in page and f'<option value="{unit.id}">甲社区</option>' in page
    form = {
        "username": "expert2", "name": "钱专家", "role": "reviewer", "unit": str(unit.id),
        "password": PASSWORD, "csrf_token": factories.csrf_from(page),
    }  # fmt: skip
    response = browser.post("/office/accounts/assessors", data=form)
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.username == "expert2"))
    assert (user.role, user.display_name, user.affiliation_unit_id) == (Role.REVIEWER, "钱专家", unit.id)
    listed = browser.get("/office/accounts/").get_data(as_text=True)
    assert "钱专家" in listed and "甲社区" in listed.split("评审专家与考察组成员")[1]
    crafted = browser.post(
        "/office/accounts/assessors", data={**form, "username": "expert3", "unit": "999999"}
    )
    assert crafted.status_code == 400
    assert db.session.scalar(sa.select(User).where(User.username == "expert3")) is None


def test_inspector_lands_on_an_empty_task_list(client, setup):
    _, tokens = setup
    create(client, tokens, role="inspector", username="insp2")
    page = client.get("/login")
    csrf = factories.csrf_from(page.get_data(as_text=True))
    client.post("/login", data={"username": "insp2", "password": PASSWORD, "csrf_token": csrf})
    home = client.get("/review/").get_data(as_text=True)
    assert "目前没有分配给您的评审任务" in home


def test_an_account_added_twice_at_once_is_409_not_a_server_error(client, setup, monkeypatch):
    """Two offices add the same username at once: both pass the "taken?" check, the database's UNIQUE
    refuses the second insert inside the view — a 409 in the contract's shape, as at commit, and
    nothing of the loser's request is kept. (The check is made to miss here, as it does in the race.)"""
    unit, tokens = setup
    assert create(client, tokens, unit_id=unit.id).status_code == 201
    monkeypatch.setattr("evalflow.shared.accounts.service.username_taken", lambda _name: False)
    again = create(client, tokens, unit_id=unit.id, name="另一位")
    assert again.status_code == 409
    assert again.get_json()["error"] == {"code": "conflict", "message": "操作与当前状态冲突,请刷新后重试。"}
    db.session.expire_all()
    assert db.session.scalars(sa.select(User.display_name).where(User.username == "expert1")).all() == [
        "赵专家"
    ]
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "account.create_reviewer")
    ).all()
    assert len(entries) == 1
