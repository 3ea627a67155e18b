"""Office accounts page: add an account, disable it (its sessions end), never disable oneself."""

from __future__ import annotations

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared.accounts.models import User
from tests import factories
from tests.factories import PASSWORD, csrf_from, login


def test_office_adds_account_that_can_sign_in(app, client):
    factories.admin()
    login(client)
    token = csrf_from(client.get("/office/accounts/").get_data(as_text=True))
    response = client.post(
        "/office/accounts/",
        data={"csrf_token": token, "username": "wmb2", "display_name": "李四", "password": "second-pass-1"},
    )
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.username == "wmb2"))
    assert (user.role.value, user.display_name, user.active) == ("office", "李四", True)
    other = app.test_client()
    assert login(other, "wmb2", "second-pass-1").headers["Location"].endswith("/office/")


def test_office_account_duplicate_and_short_password_refused(client):
    factories.admin()
    login(client)
    token = csrf_from(client.get("/office/accounts/").get_data(as_text=True))
    response = client.post(
        "/office/accounts/", data={"csrf_token": token, "username": "office", "password": "x"}
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "密码至少 10 个字符。" in text
    response = client.post(
        "/office/accounts/", data={"csrf_token": token, "username": "office", "password": "long-enough-1"}
    )
    assert "用户名“office”已被使用。" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_disabling_account_ends_its_live_session(app, client):
    factories.admin()
    factories.admin("second")
    victim = app.test_client()
    login(victim, "second", PASSWORD)
    assert victim.get("/office/").status_code == 200
    login(client)
    second = db.session.scalar(sa.select(User).where(User.username == "second"))
    token = csrf_from(client.get("/office/accounts/").get_data(as_text=True))
    client.post(f"/office/accounts/{second.id}/active", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(User, second.id).active is False
    assert victim.get("/office/").status_code == 302
    refused = login(victim, "second", PASSWORD)
    assert refused.status_code == 400
    assert "该账号已停用,请联系文明办。" in refused.get_data(as_text=True)


def test_cannot_disable_own_account(client):
    me = factories.admin()
    login(client)
    token = csrf_from(client.get("/office/accounts/").get_data(as_text=True))
    response = client.post(
        f"/office/accounts/{me.id}/active", data={"csrf_token": token}, follow_redirects=True
    )
    assert "不能停用自己正在使用的账号。" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, me.id).active is True
