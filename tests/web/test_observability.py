"""Request ids in headers and logs; /metrics only when switched on, and only for the allowed."""

from __future__ import annotations

import logging

import pytest

from evalflow import create_app
from tests.factories import make_config


def _app(tmp_path, **extra):
    return create_app(make_config(f"sqlite:///{tmp_path / 'o.sqlite3'}", tmp_path, **extra))


def test_request_id_generated_and_echoed(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    ids = [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids) and ids[0] != ids[1]


def test_request_id_from_client_ignored_without_trusted_proxy(client):
    response = client.get("/healthz", headers={"X-Request-ID": "chosen-by-client-123"})
    assert response.headers["X-Request-ID"] != "chosen-by-client-123"


def test_request_id_from_trusted_proxy_honoured_and_logged(tmp_path, caplog):
    app = _app(tmp_path, TRUSTED_PROXIES=1)
    with caplog.at_level(logging.INFO, logger="evalflow.request"):
        response = app.test_client().get(
            "/healthz", headers={"X-Request-ID": "abcdef0123456789", "X-Forwarded-For": "203.0.113.7"}
        )
    assert response.headers["X-Request-ID"] == "abcdef0123456789"
    lines = [r.getMessage() for r in caplog.records if r.name == "evalflow.request"]
    assert lines and lines[-1].startswith("abcdef0123456789 203.0.113.7 GET /healthz 200 ")
    assert caplog.records[-1].request_id == "abcdef0123456789"


def test_request_id_malformed_from_proxy_replaced(tmp_path):
    app = _app(tmp_path, TRUSTED_PROXIES=1)
    response = app.test_client().get("/healthz", headers={"X-Request-ID": "bad id; <script>"})
    assert (
        response.headers["X-Request-ID"] != "bad id; <script>" and len(response.headers["X-Request-ID"]) == 32
    )


def test_request_log_redacts_seat_tokens(tmp_path, caplog):
    app = _app(tmp_path)
    with caplog.at_level(logging.INFO, logger="evalflow.request"):
        app.test_client().get("/s/secret-seat-token-123")
    lines = [r.getMessage() for r in caplog.records if r.name == "evalflow.request"]
    assert lines and "/s/[seat]" in lines[-1] and "secret-seat-token" not in lines[-1]


def test_metrics_off_by_default(client):
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize(
    ("headers", "environ", "status"),
    [
        ({}, {"REMOTE_ADDR": "127.0.0.1"}, 200),
        ({}, {"REMOTE_ADDR": "198.51.100.4"}, 404),
        ({"Authorization": "Bearer s3cret-token"}, {"REMOTE_ADDR": "198.51.100.4"}, 200),
        ({"Authorization": "Bearer wrong"}, {"REMOTE_ADDR": "198.51.100.4"}, 404),
    ],
)
def test_metrics_on_restricted_to_allowed_addresses_or_token(tmp_path, headers, environ, status):
    app = _app(tmp_path, METRICS="1", METRICS_TOKEN="s3cret-token")
    client = app.test_client()
    client.get("/healthz")
    response = client.get("/metrics", headers=headers, environ_overrides=environ)
    assert response.status_code == status
    if status == 200:
        text = response.get_data(as_text=True)
        assert 'evalflow_http_requests_total{method="GET",route="/healthz",status="200"}' in text
        assert "evalflow_http_request_duration_seconds_bucket" in text


def test_request_log_shows_the_status_after_a_failed_commit(tmp_path, caplog, monkeypatch):
    """The commit runs before the request log: a commit that fails is logged as the 409 it answers."""
    import sqlalchemy.exc

    from evalflow.extensions import db

    app = _app(tmp_path)
    with app.app_context():
        db.create_all()

    def failing_commit() -> None:
        raise sqlalchemy.exc.OperationalError("COMMIT", {}, Exception("database is locked"))

    monkeypatch.setattr(db.session, "commit", failing_commit)
    with caplog.at_level(logging.INFO, logger="evalflow.request"):
        response = app.test_client().get("/")  # the home page reads the database (/healthz does not)
    assert response.status_code == 409
    lines = [r.getMessage() for r in caplog.records if r.name == "evalflow.request"]
    assert lines and " GET / 409 " in lines[-1]
