"""Crafted requests: the language switch stays on this site, caches and referrers keep secrets."""

from __future__ import annotations

import pytest

from tests import factories
from tests.factories import PASSWORD, bearer, csrf_from, login, office_token


@pytest.mark.parametrize(
    "referer",
    [
        "//evil.example/x",
        "https://evil.example/x",
        "http://localhost//evil.example/x",
        "http://localhost/\\evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)//localhost/",
        "http://[::1",
        "http://localhost/\x00evil",
    ],
)
def test_language_switch_never_redirects_off_site(client, referer):
    response = client.get("/lang/en", headers={"Referer": referer})
    assert response.status_code == 302
    assert response.headers["Location"] == "/?lang=en"


def test_language_switch_returns_to_same_site_page(client):
    response = client.get("/lang/en", headers={"Referer": "http://localhost/login?next=%2Funit%2F"})
    assert response.headers["Location"] == "/login?next=%2Funit%2F&lang=en"


def test_language_switch_unknown_language_goes_home(client):
    response = client.get("/lang/xx", headers={"Referer": "http://localhost/login"})
    assert response.headers["Location"] == "/"


def test_seat_page_keeps_no_referrer_policy(client):
    from tests.training_world import build

    world = build(client)
    valid = client.get(f"/s/{world.tokens['seat']}")
    unknown = client.get("/s/not-a-seat-token")
    assert (valid.status_code, unknown.status_code) == (200, 404)
    assert valid.headers["Referrer-Policy"] == "no-referrer"
    assert unknown.headers["Referrer-Policy"] == "no-referrer"
    assert valid.headers["Cache-Control"] == "no-store"
    assert client.get("/login").headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_app_log_redacts_seat_tokens(app, caplog):
    with caplog.at_level("ERROR"):
        app.logger.error("unhandled error on %s %s", "GET", "/s/SeCrEt-token_123")
    assert "/s/[seat]" in caplog.text and "SeCrEt" not in caplog.text


def test_gunicorn_access_log_redacts_seat_tokens():
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config

    from evalflow.shared.accesslog import RedactingLogger

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/s/SeCrEt-token_123?lang=en",
        "PATH_INFO": "/s/SeCrEt-token_123",
        "QUERY_STRING": "lang=en",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.1",
        "HTTP_REFERER": "https://example.org/s/SeCrEt-token_123",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", "https://example.org/s/SeCrEt-token_123")])
    atoms = RedactingLogger(Config()).atoms(response, request, environ, timedelta(seconds=1))
    assert atoms["r"] == "GET /s/[seat]?lang=en HTTP/1.1"
    assert atoms["U"] == "/s/[seat]" and atoms["f"] == "https://example.org/s/[seat]"
    assert not any("SeCrEt" in str(v) for v in atoms.values())


def test_gunicorn_config_uses_the_redacting_logger():
    from pathlib import Path

    from gunicorn.config import Config

    config = Config()
    namespace: dict[str, object] = {}
    exec((Path(__file__).parents[2] / "gunicorn.conf.py").read_text(), namespace)
    config.set("logger_class", namespace["logger_class"])
    assert config.logger_class.__name__ == "RedactingLogger"


def test_signed_in_pages_and_api_are_not_cached(client):
    anonymous = client.get("/")
    token = office_token(client, "api-office")
    api = [
        client.get("/api/v1/campaigns", headers={"Authorization": f"Bearer {token}"}),
        client.get("/api/v1/campaigns"),
        client.get("/api/v1/no-such-thing"),
    ]
    factories.admin()
    login(client)
    page = client.get("/office/")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert [r.headers.get("Cache-Control") for r in api] == ["no-store"] * 3
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    static = client.get("/static/app.css")
    static.close()
    assert "no-store" not in static.headers.get("Cache-Control", "")


@pytest.mark.parametrize("big", [2**63, 2**63 - 1, 2**64 + 5, 10**40])
def test_huge_ids_in_paths_are_404_not_500(client, big):
    token = office_token(client)
    login(client)
    api = [
        client.get(f"/api/v1/campaigns/{big}", headers=bearer(token)),
        client.get(f"/api/v1/campaigns/{big}/applications", headers=bearer(token)),
        client.get(f"/api/v1/campaigns/1/units/{big}/seats", headers=bearer(token)),
    ]
    html = [client.get(f"/office/campaigns/{big}"), client.get(f"/unit/application/attachments/{big}")]
    assert [r.status_code for r in api] == [404, 404, 404]
    assert all(r.get_json()["error"]["code"] == "not_found" for r in api)
    assert [r.status_code for r in html][0] == 404
    assert html[1].status_code in (403, 404)


@pytest.mark.parametrize("target", ["/\\evil.example/x", "/\\/evil.example", "/%09/evil", "/\t/evil.example"])
def test_login_next_never_leaves_the_site(client, target):
    factories.admin()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    data = {"username": "office", "password": PASSWORD, "csrf_token": token, "next": target}
    response = client.post("/login", data=data)
    location = response.headers["Location"]
    assert response.status_code == 302
    assert location in ("/office/", target) and "\\" not in location and "\t" not in location
