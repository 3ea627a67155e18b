"""Contract sections Conventions, Set-up and Roles (office): shapes, codes, auth."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared.accounts.models import ApiToken
from tests import factories
from tests.factories import PASSWORD, bearer, office_token


def test_healthz_is_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_json_keeps_chinese_unescaped(client):
    token = office_token(client)
    response = client.post("/api/v1/campaigns", json={"title": "文明单位评选"}, headers=bearer(token))
    raw = response.get_data(as_text=True)
    assert "文明单位评选" in raw
    assert "\\u6587" not in raw
    assert response.content_type.startswith("application/json")


def test_token_issued_for_office(client):
    factories.admin()
    response = client.post("/api/v1/auth/token", json={"username": "office", "password": PASSWORD})
    body = response.get_json()
    assert response.status_code == 201
    assert body["role"] == "office"
    assert body["unit_id"] is None
    assert len(body["token"]) >= 32


def test_token_refused_for_bad_password_in_contract_shape(client):
    factories.admin()
    response = client.post("/api/v1/auth/token", json={"username": "office", "password": "wrong-password"})
    assert response.status_code == 401
    assert response.get_json() == {"error": {"code": "unauthenticated", "message": "用户名或密码错误。"}}


def test_token_refused_for_unknown_user_same_message(client):
    response = client.post("/api/v1/auth/token", json={"username": "ghost", "password": "whatever1"})
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == "用户名或密码错误。"


def test_token_request_malformed_is_400(client):
    response = client.post("/api/v1/auth/token", data="not json", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_input"


def test_token_stored_hashed(client):
    token = office_token(client)
    stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert token not in stored
    assert len(stored) == 1 and len(stored[0]) == 64


def test_expired_token_is_401(client):
    token = office_token(client)
    row = db.session.scalar(sa.select(ApiToken))
    row.expires_at = row.created_at - timedelta(seconds=1)
    db.session.commit()
    response = client.get("/api/v1/campaigns", headers=bearer(token))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"


def test_missing_credentials_is_401(client):
    response = client.get("/api/v1/campaigns")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"


def test_garbage_bearer_is_401(client):
    response = client.get("/api/v1/campaigns", headers=bearer("nope"))
    assert response.status_code == 401


def test_non_bearer_scheme_is_401(client):
    response = client.get("/api/v1/campaigns", headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert response.status_code == 401


def test_logout_everywhere_revokes_token(client):
    token = office_token(client)
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 200
    response = client.get("/api/v1/campaigns", headers=bearer(token))
    assert response.status_code == 401


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json() == {"error": {"code": "not_found", "message": "未找到该内容。"}}


def test_wrong_method_is_json_405(client):
    response = client.delete("/api/v1/campaigns")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_english_error_message_on_request(client):
    response = client.get("/api/v1/nothing-here?lang=en")
    assert response.get_json()["error"]["message"] == "Not found."


@pytest.mark.parametrize(
    ("header", "query", "message"),
    [
        ("en-US,en;q=0.9", "", "Not found."),
        ("en", "", "Not found."),
        ("zh-CN,zh;q=0.9,en;q=0.8", "", "未找到该内容。"),
        ("fr, de;q=0.5", "", "未找到该内容。"),
        ("en", "?lang=zh_CN", "未找到该内容。"),
    ],
)
def test_api_messages_follow_accept_language_unless_lang_says_otherwise(client, header, query, message):
    response = client.get(f"/api/v1/nothing-here{query}", headers={"Accept-Language": header})
    assert response.get_json()["error"]["message"] == message


def test_pages_stay_chinese_whatever_the_browser_asks(client):
    response = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert response.status_code == 200
    assert "登录" in response.get_data(as_text=True)


def test_server_error_is_json_without_traceback(app, client):
    @app.route("/api/v1/_boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/api/v1/_boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "server_error"
    assert "secret internals" not in body and "Traceback" not in body


def test_security_headers_on_api_and_pages(client):
    for path in ("/healthz", "/", "/api/v1/openapi.json", "/login"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("method", ["GET", "PATCH"])
@pytest.mark.parametrize("cid", [2**31, 2**63, 10**30])
def test_id_past_the_id_column_is_404_not_an_overflow(client, method, cid):
    response = client.open(f"/api/v1/campaigns/{cid}", method=method, json={})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def _operations(document: dict) -> list[tuple[str, str, bool]]:
    """Every operation of the document as (method, path with ids filled in, whether it is public)."""
    return [
        (method.upper(), re.sub(r"\{\w+\}", "1", path), operation.get("security") == [])
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_every_protected_operation_answers_anonymous_401_before_looking_at_the_body(client):
    """An anonymous ``{}`` is told to sign in, never which fields it lacks (nor a 404 that says
    whether an id exists): authentication comes before validation (shared/api/routes.py, ``route``)."""
    operations = _operations(client.get("/api/v1/openapi.json").get_json())
    protected = [(method, path) for method, path, public in operations if not public]
    answers = {
        (method, path): (response.status_code, (response.get_json() or {}).get("error", {}))
        for method, path in protected
        for response in [client.open(path, method=method, json={})]
    }
    wrong = {op: answer for op, answer in answers.items() if answer[0] != 401 or "fields" in answer[1]}
    assert len(protected) > 60 and wrong == {}
    assert {error["code"] for _, error in answers.values()} == {"unauthenticated"}


def test_public_operations_are_the_documented_public_ones(client):
    operations = _operations(client.get("/api/v1/openapi.json").get_json())
    assert sorted((method, path) for method, path, public in operations if public) == [
        ("GET", "/api/v1/campaigns/1/commendation"),
        ("GET", "/api/v1/notices/1"),
        ("GET", "/api/v1/openapi.json"),
        ("GET", "/healthz"),
        ("POST", "/api/v1/auth/token"),
        ("POST", "/api/v1/campaigns/1/registrations"),
        ("POST", "/api/v1/campaigns/1/units/1/survey-answers"),
        ("POST", "/api/v1/notices/1/objections"),
        ("POST", "/api/v1/notices/1/objections/upload"),
        ("PUT", "/api/v1/campaigns/1/units/1/opinion"),  # a department's token, checked by the view
    ]
