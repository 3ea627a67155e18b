"""A request that cannot reach or keep the database answers 503 ``database_unavailable`` with
``Retry-After`` — JSON under /api/, the site's own page elsewhere — on every kind of route, and the
same request succeeds once the database is back (the pool recovers by itself). A genuine bug in a
statement stays a 500.

The faults are real (tests/db_faults.py): connections refused, a connection that dies before the
view's first statement or during the commit of the after-request hook, SQLite's file locked by
another writer. Each route kind is one representative: an API read, an API write, the phone's
ballot (a single autocommit statement on PostgreSQL), an HTML page, the HTML sign-in, and a page of
a signed-in user (Flask-Login's loader is its first statement).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from evalflow import create_app, database
from evalflow.extensions import db
from tests.briefing_world import build
from tests.db_faults import connection_dies, refused_connections
from tests.factories import PASSWORD, csrf, login, make_config

LOST = "暂时连不上数据库,请稍后重试。"
BUSY = "数据库正忙,请稍后重试。"


@dataclass
class Scene:
    """The requests of each route kind, ready to send: the briefing is open for ballots."""

    requests: dict[str, Callable[[], Any]]
    good: dict[str, Callable[[Any], Any]]  # what each answers when the database is there
    ballot: Callable[[str], Any]

    def assert_answered(self, kind: str) -> None:
        response = self.requests[kind]()
        assert self.good[kind](response), (kind, response.status_code, response.get_data()[:300])


def _scene(app: Any) -> Scene:
    client, browser, signed_in = app.test_client(), app.test_client(), app.test_client()
    world = build(client)
    cid, target = world.cid, world.uid(0)
    opened = client.post(
        f"/api/v1/campaigns/{cid}/presentations/{target}/open", headers=world.office_headers()
    )
    assert opened.status_code == 200
    assert login(signed_in).status_code == 302
    form = {"username": "office", "password": PASSWORD, "csrf_token": csrf(browser, "/login")}
    seat = world.seat_headers(1)
    db.session.commit()

    def ballot(grade: str = "好") -> Any:
        return client.put(f"/api/v1/campaigns/{cid}/ballots/{target}", json={"grade": grade}, headers=seat)

    requests = {
        "api_get": lambda: client.get(f"/api/v1/campaigns/{cid}/briefing/live", headers=world.office_headers()),
        "api_write": lambda: client.post("/api/v1/auth/token", json={"username": "office", "password": PASSWORD}),
        "ballot": ballot,
        "html_page": lambda: client.get(f"/s/{world.seats[(1, 'reporter')]}"),
        "html_login": lambda: browser.post("/login", data=form),
        "html_signed_in": lambda: signed_in.get("/office/"),
    }  # fmt: skip
    good = {
        "api_get": lambda r: r.status_code == 200 and r.get_json()["current"]["unit_id"] == target,
        "api_write": lambda r: r.status_code == 201 and r.get_json()["role"] == "office",
        "ballot": lambda r: (r.status_code, r.get_json()) == (200, {"unit_id": target, "grade": "好"}),
        "html_page": lambda r: r.status_code == 200 and 'id="ballot"' in r.get_data(as_text=True),
        "html_login": lambda r: r.status_code == 302 and r.headers["Location"].endswith("/office/"),
        "html_signed_in": lambda r: r.status_code == 200 and "工作台" in r.get_data(as_text=True),
    }
    return Scene(requests, good, ballot)


def _assert_unavailable(response: Any, message: str = LOST) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    assert response.headers["Retry-After"] == "1"
    assert response.headers["Cache-Control"] == "no-store"
    if response.mimetype == "application/json":
        assert response.get_json() == {"error": {"code": "database_unavailable", "message": message}}
        return
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert message in page
    assert 'class="topbar"' in page and "返回首页" in page  # the site's own page, not a bare fallback


KINDS = ["api_get", "api_write", "ballot", "html_page", "html_login", "html_signed_in"]


@pytest.mark.parametrize("kind", KINDS)
def test_database_refusing_connections_is_503_then_recovers(app, kind):
    scene = _scene(app)
    with refused_connections():
        _assert_unavailable(scene.requests[kind]())
    scene.assert_answered(kind)


@pytest.mark.parametrize("kind", KINDS)
def test_database_connection_dying_before_the_first_statement_is_503_then_recovers(app, kind):
    """Killed as the request's first statement is sent: the bearer or seat lookup (before the view,
    in the API's before-request hook), Flask-Login's loader, or the page's own query."""
    scene = _scene(app)
    db.session.remove()
    connection_dies(at="statement")
    _assert_unavailable(scene.requests[kind]())
    scene.assert_answered(kind)


@pytest.mark.parametrize("kind", ["api_write", "html_login", "html_signed_in"])
def test_database_connection_dying_at_commit_is_503_then_recovers(app, kind):
    """The one commit of the request, in the after-request hook."""
    scene = _scene(app)
    db.session.remove()
    connection_dies(at="commit")
    _assert_unavailable(scene.requests[kind]())
    scene.assert_answered(kind)


def test_database_ballot_dying_at_its_statement_keeps_the_last_acknowledged_grade(app):
    """The phone's ballot whose one statement (the seat card is remembered: no lookup) meets a dead
    connection changes nothing — neither the grade nor the audit log; its retry stores it, once."""
    from evalflow.briefing.models import Ballot
    from evalflow.shared.audit.models import AuditEntry

    scene = _scene(app)
    assert scene.ballot("好").get_json()["grade"] == "好"
    db.session.remove()
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    db.session.remove()
    connection_dies(at="statement")
    _assert_unavailable(scene.ballot("一般"))
    db.session.remove()
    assert db.session.scalars(sa.select(Ballot.grade)).all() == ["好"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == entries
    db.session.remove()
    assert scene.ballot("一般").get_json()["grade"] == "一般"
    assert db.session.scalars(sa.select(Ballot.grade)).all() == ["一般"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == entries + 1


def test_database_statement_bug_stays_a_500(app, monkeypatch):
    """Not every database error is an outage: a statement the database refuses is a bug."""
    scene = _scene(app)
    db.session.remove()

    def broken(*_args: Any, **_kw: Any) -> None:
        db.session.execute(sa.text("SELECT * FROM no_such_table"))

    monkeypatch.setattr("evalflow.briefing.live.seat_view", broken)
    response = scene.requests["html_page"]()
    assert response.status_code == 500
    assert "服务器出错了" in response.get_data(as_text=True)
    assert "Retry-After" not in response.headers


def _hold_sqlite_write_lock(path: str) -> sqlite3.Connection:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE campaign SET title = title")
    return other


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
@pytest.mark.parametrize("kind", ["ballot", "api_write"])
def test_database_sqlite_locked_by_another_writer_is_503_busy(app, kind, monkeypatch):
    """Another process holds SQLite's write lock past the busy timeout (shortened here)."""
    scene = _scene(app)
    monkeypatch.setattr(database, "WRITE_LOCK_PATIENCE", 0.05)
    sa.event.listen(db.engine, "connect", lambda conn, _rec: conn.execute("PRAGMA busy_timeout = 50"))
    db.session.remove()
    db.engine.dispose()
    other = _hold_sqlite_write_lock(db.engine.url.database)
    try:
        _assert_unavailable(scene.requests[kind](), BUSY)
    finally:
        other.rollback()
        other.close()
    scene.assert_answered(kind)


def test_database_pool_without_a_free_connection_is_503_busy(tmp_path, monkeypatch):
    """Every pooled connection is taken and none comes free in time."""
    from evalflow import config

    options = config.engine_options
    monkeypatch.setattr(
        config,
        "engine_options",
        lambda url: options(url) | {"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.1},
    )
    app = create_app(make_config(f"sqlite:///{tmp_path / 'p.sqlite3'}", tmp_path))
    with app.app_context():
        db.create_all()
        held = db.engine.connect()
        try:
            response = app.test_client().get(
                "/api/v1/campaigns", headers={"Authorization": "Bearer " + "x" * 43}
            )
        finally:
            held.close()
        _assert_unavailable(response, BUSY)
        db.engine.dispose()


@pytest.mark.parametrize("swallowed", [False, True])
def test_database_lost_in_an_after_request_hook_is_503(tmp_path, swallowed):
    """An error raised by an after-request hook (Flask answers those with its own 500) is a 503 too
    when it is the database going away — also when the first error was swallowed and the next
    statement is refused because the transaction's connection is gone ("8s2b")."""
    app = create_app(make_config(f"sqlite:///{tmp_path / 'h.sqlite3'}", tmp_path, PROPAGATE_EXCEPTIONS=False))
    raised: list[type] = []

    @app.after_request
    def late_read(response: Any) -> Any:
        db.session.execute(sa.text("SELECT 1"))
        db.session.connection().connection.dbapi_connection.close()
        try:
            db.session.execute(sa.text("SELECT 2"))
        except sa.exc.DBAPIError as exc:
            raised.append(type(exc))
            if not swallowed:
                raise
        try:
            db.session.execute(sa.text("SELECT 3"))
        except sa.exc.SQLAlchemyError as exc:
            raised.append(type(exc))
            raise
        return response

    with app.app_context():
        db.create_all()
        _assert_unavailable(app.test_client().get("/api/v1/openapi.json"))
        db.engine.dispose()
    wanted = (
        [sa.exc.ProgrammingError, sa.exc.PendingRollbackError] if swallowed else [sa.exc.ProgrammingError]
    )
    assert raised[: len(wanted)] == wanted


def test_database_postgres_connect_waits_a_bounded_time():
    """A server that does not answer makes a request wait 5 s at most (then 503), unless the
    database URL says otherwise."""
    from evalflow.config import engine_options

    assert engine_options("postgresql+psycopg://evalflow@/evalflow") == {
        "connect_args": {"connect_timeout": 5}
    }
    assert engine_options("postgresql+psycopg://evalflow@/evalflow?connect_timeout=2") == {}
