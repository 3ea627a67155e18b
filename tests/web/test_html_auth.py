"""HTML sign-in: CSRF on forms, sessions ended server-side on logout, role pages."""

from __future__ import annotations

import pytest

from evalflow.extensions import db
from evalflow.shared.access import Actor, Role
from evalflow.shared.accounts import service as accounts
from evalflow.shared.accounts.models import User
from evalflow.shared.phases import Phase
from tests import factories
from tests.factories import PASSWORD, csrf_from, login


@pytest.fixture
def office(app):
    return factories.admin()


def test_login_with_csrf_token_redirects_to_dashboard(client, office):
    response = login(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/office/")
    page = client.get("/office/").get_data(as_text=True)
    assert "评选活动" in page and "新建评选活动" in page


def test_login_without_csrf_token_is_refused(client, office):
    response = client.post("/login", data={"username": "office", "password": PASSWORD})
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)
    assert client.get("/office/").status_code == 302


def test_login_wrong_password_shows_error(client, office):
    response = login(client, password="wrong-pass")
    assert response.status_code == 400
    assert "用户名或密码错误。" in response.get_data(as_text=True)


def test_login_ignores_offsite_next(client, office):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        data={
            "username": "office",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "https://evil.example/",
        },
    )
    assert response.headers["Location"].endswith("/office/")


def test_session_cookie_flags(client, office):
    response = login(client)
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_secure_over_https(client, office):
    token = csrf_from(client.get("/login", base_url="https://localhost").get_data(as_text=True))
    response = client.post(
        "/login",
        data={"username": "office", "password": PASSWORD, "csrf_token": token},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
    )
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    assert "Secure" in cookie


def test_logout_invalidates_copied_session_cookie(app, client, office):
    login(client)
    stolen = client.get_cookie("session").value
    token = csrf_from(client.get("/office/").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/office/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_disabling_account_ends_sessions(app, client, office):
    login(client)
    accounts.set_active(db.session.get(User, office.id), False, Actor(Role.OFFICE, label="admin"))
    db.session.commit()
    assert client.get("/office/").status_code == 302


def test_logout_requires_csrf(client, office):
    login(client)
    client.post("/logout", data={})
    assert client.get("/office/").status_code == 200


def test_office_pages_refuse_anonymous_and_unit(app, client):
    assert client.get("/office/").status_code == 302
    campaign = factories.campaign("c", Phase.DRAFT)
    factories.user("unit1", Role.UNIT, factories.unit(campaign, "乌山社区", None))
    db.session.commit()
    login(client, "unit1")
    response = client.get("/office/")
    assert response.status_code == 403
    assert "没有权限" in response.get_data(as_text=True)


def test_unknown_page_is_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_server_error_page_hides_details(app, client):
    @app.route("/_boom")
    def boom():
        raise RuntimeError("internal detail")

    response = client.get("/_boom")
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "服务器出错了" in text and "internal detail" not in text


def test_language_switch_to_english(client):
    response = client.get("/?lang=en")
    assert "Civilized unit selection" in response.get_data(as_text=True)
    assert "evalflow_lang=en" in response.headers["Set-Cookie"]
    assert "Civilized unit selection" in client.get("/").get_data(as_text=True)


def test_api_requests_with_a_bearer_token_neither_read_nor_write_the_session_cookie(
    app, client, office, auth
):
    """A bearer request is its token's caller alone: the browser's session is not decoded (the
    phone's ballot and poll skip that work) and no cookie is set, even if the view touched it."""
    from flask import request

    from evalflow.shared.security import TokenRequestSession

    unit = factories.unit(factories.campaign("甲评选"), "甲社区")
    factories.campaign("乙评选")  # the office sees it, the unit does not
    member = factories.user("jia", Role.UNIT, unit)
    headers = auth.headers(member)
    auth.browser(office)  # the same browser also holds the office's session
    interface = app.session_interface
    for path, given, token_session in (("/api/v1/campaigns", headers, True),
                                       ("/api/v1/campaigns", {"Authorization": "BEARER x"}, True),
                                       ("/api/v1/campaigns", {}, False),
                                       ("/office/", headers, False)):  # fmt: skip
        with app.test_request_context(path, headers=given):
            opened = interface.open_session(app, request)
            assert isinstance(opened, TokenRequestSession) is token_session, path
    with app.test_request_context("/api/v1/campaigns", headers=headers):
        opened = interface.open_session(app, request)
        opened["touched"] = True
        response = app.response_class()
        interface.save_session(app, opened, response)
        assert "Set-Cookie" not in response.headers
    answered = client.get("/api/v1/campaigns", headers=headers)
    assert answered.status_code == 200 and "Set-Cookie" not in answered.headers
    assert [c["title"] for c in answered.get_json()] == ["甲评选"]  # the unit's view, not the office's
    assert client.get("/office/").status_code == 200  # the browser's session is still good


@pytest.mark.parametrize(
    ("header", "token"),
    [("Bearer abc", "abc"), ("bearer  abc ", "abc"), ("BEARER x.y", "x.y"), ("Bearer ", None),
     ("Bearer", None), ("Basic abc", None), ("", None), ("Bearerabc", None)],
)  # fmt: skip
def test_bearer_token_is_read_one_way(header, token):
    """caller._bearer, the cookie session and the phone's poll read the header through this one
    function, so they can never disagree on who sent a token."""
    from evalflow.shared.security import bearer_token

    assert bearer_token(header) == token


def test_an_empty_bearer_token_keeps_the_cookie_session_and_is_refused(app, client):
    from flask import request

    from evalflow.shared.security import TokenRequestSession

    with app.test_request_context("/api/v1/campaigns", headers={"Authorization": "Bearer "}):
        assert not isinstance(app.session_interface.open_session(app, request), TokenRequestSession)
    answered = client.get("/api/v1/campaigns", headers={"Authorization": "Bearer "})
    assert answered.status_code == 401
    assert answered.get_json()["error"]["message"] == "无法识别的认证方式,请使用 Bearer 令牌。"
