"""Sign-in throttling: failed attempts per account and per address, never successful sign-ins;
X-Forwarded-For believed only behind configured proxies; limits shared through Redis."""

from __future__ import annotations

import os
import re
import uuid

import pytest

from evalflow import create_app
from evalflow.extensions import db
from evalflow.shared.access import Role
from evalflow.shared.phases import Phase
from tests import factories
from tests.factories import PASSWORD, csrf_from, make_config

REDIS_URL = os.environ.get("EVALFLOW_TEST_REDIS_URL", "")


def html_login(client, username, password=PASSWORD, headers=None):
    token = csrf_from(client.get("/login", headers=headers).get_data(as_text=True))
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        headers=headers,
    )


def venue(count: int) -> list[str]:
    campaign = factories.campaign("培训会", Phase.TRAINING)
    names = []
    for i in range(count):
        unit = factories.unit(campaign, f"单位{i:02d}", None)
        factories.user(f"unit{i:02d}", Role.UNIT, unit)
        names.append(f"unit{i:02d}")
    db.session.commit()
    return names


def test_login_forty_units_from_one_address_all_succeed(app):
    """A training venue: forty unit accounts sign in from one address within a minute."""
    statuses = []
    for name in venue(40):
        client = app.test_client()  # each unit on its own device, same public address
        statuses.append(html_login(client, name).status_code)
    assert statuses == [302] * 40


def test_login_failures_per_account_answer_429_with_wait(client):
    venue(1)
    statuses = [html_login(client, "unit00", "wrong-password").status_code for _ in range(5)]
    assert statuses == [400] * 5
    response = html_login(client, "UNIT00", PASSWORD)  # even the right password now waits
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= 60
    assert f"登录失败次数过多,请 {seconds} 秒后再试。" in page


def test_login_failures_of_one_account_do_not_block_another(client):
    venue(2)
    for _ in range(6):
        html_login(client, "unit00", "wrong-password")
    assert html_login(client, "unit01").status_code == 302


def production_like_app(tmp_path, **extra):
    """The app as ``make run`` builds it: nothing said about proxies."""
    config = make_config(f"sqlite:///{tmp_path / 'p.sqlite3'}", tmp_path, **extra)
    config.pop("PROXY_FIX", None)
    app = create_app(config)
    with app.app_context():
        db.create_all()
    return app


def failed_logins_from_rotating_addresses(app, count):
    with app.app_context():
        client = app.test_client()
        statuses = [
            html_login(client, f"guess{i}", "x", headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
            for i in range(count)
        ]
        db.engine.dispose()
    return statuses


def test_login_failures_per_address_cannot_be_dodged_with_x_forwarded_for(tmp_path):
    """By default no proxy is trusted: a rotating X-Forwarded-For is still the same client."""
    app = production_like_app(tmp_path, LOGIN_FAILURES_PER_ADDRESS="3 per minute")
    assert failed_logins_from_rotating_addresses(app, 4) == [400, 400, 400, 429]


def test_trusted_proxy_address_comes_from_x_forwarded_for(tmp_path):
    """Behind one configured proxy, four different clients each failed once: nobody waits."""
    app = production_like_app(tmp_path, TRUSTED_PROXIES=1, LOGIN_FAILURES_PER_ADDRESS="3 per minute")
    assert failed_logins_from_rotating_addresses(app, 4) == [400, 400, 400, 400]


def test_api_token_failures_per_account_are_limited(client):
    venue(1)
    body = {"username": "unit00", "password": "wrong-password"}
    statuses = [client.post("/api/v1/auth/token", json=body).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    response = client.post("/api/v1/auth/token", json=body)
    error = response.get_json()["error"]
    assert error["code"] == "rate_limited" and "秒后再试" in error["message"]
    assert int(response.headers["Retry-After"]) >= 1


@pytest.mark.skipif(not REDIS_URL, reason="set EVALFLOW_TEST_REDIS_URL (Redis db 15) to test shared limits")
def test_login_failures_are_shared_between_workers_through_redis(tmp_path):
    """Two app instances (two gunicorn workers) on one Redis count the same failures."""
    prefix = "evalflow-test-" + uuid.uuid4().hex
    config = make_config(
        f"sqlite:///{tmp_path / 'w.sqlite3'}",
        tmp_path,
        RATELIMIT_STORAGE_URI=REDIS_URL,
        RATELIMIT_KEY_PREFIX=prefix,
        LOGIN_FAILURES_PER_ACCOUNT="4 per minute",
    )
    workers = [create_app(config), create_app(dict(config))]
    statuses = []
    try:
        for worker in workers:
            with worker.app_context():
                db.create_all()
        for i in range(5):
            worker = workers[i % 2]
            with worker.app_context():
                statuses.append(html_login(worker.test_client(), "office", "wrong").status_code)
    finally:
        import redis

        conn = redis.Redis.from_url(REDIS_URL)
        for key in conn.scan_iter(f"*{prefix}*"):
            conn.delete(key)
        conn.close()
        for worker in workers:
            with worker.app_context():
                db.engine.dispose()
    assert statuses == [400, 400, 400, 400, 429]


def test_registration_limit_page_says_how_long_to_wait(client):
    factories.campaign("评选", Phase.INTAKE)
    db.session.commit()
    token = csrf_from(client.get("/unit/register").get_data(as_text=True))
    responses = [client.post("/unit/register", data={"csrf_token": token}) for _ in range(11)]
    assert [r.status_code for r in responses[:10]] == [400] * 10
    refused = responses[10]
    waits = re.findall(r"请求过于频繁,请 (\d+) 秒后再试。", refused.get_data(as_text=True))
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert len(waits) == 1 and 1 <= int(waits[0]) <= 60


def test_login_still_works_when_the_limit_storage_is_down(tmp_path, caplog):
    """Redis unreachable: sign-in answers (no 500), the log says why."""
    config = make_config(
        f"sqlite:///{tmp_path / 'down.sqlite3'}",
        tmp_path,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/15",  # nothing listens on port 1
    )
    app = create_app(config)
    with app.app_context():
        db.create_all()
        venue(1)
        client = app.test_client()
        with caplog.at_level("ERROR"):
            wrong = html_login(client, "unit00", "wrong-password")
            right = html_login(client, "unit00")
        db.engine.dispose()
    assert (wrong.status_code, right.status_code) == (400, 302)
    assert "rate-limit storage unavailable" in caplog.text


def test_environment_configures_proxies_and_shared_limit_storage(tmp_path, monkeypatch):
    import flask

    monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(tmp_path))
    monkeypatch.setenv("EVALFLOW_SECRET_KEY", "x")
    monkeypatch.setenv("EVALFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'e.db'}")
    monkeypatch.setenv("EVALFLOW_TRUSTED_PROXIES", "2")
    monkeypatch.setenv("EVALFLOW_REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("EVALFLOW_RATELIMIT_STORAGE_URI", "memory://")
    app = create_app()
    assert app.config["TRUSTED_PROXIES"] == 2
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"  # the explicit setting wins
    monkeypatch.delenv("EVALFLOW_RATELIMIT_STORAGE_URI")
    monkeypatch.delenv("EVALFLOW_TRUSTED_PROXIES")
    app = create_app()
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    assert app.config["TRUSTED_PROXIES"] == 0
