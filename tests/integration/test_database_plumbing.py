"""What the hot ballot path relies on below the services: SQLite writers queue on a lock file,
PostgreSQL pings a pooled connection only after it sat idle, and a ballot costs a known number of
statements on each engine (the upsert and its audit claim share one on PostgreSQL)."""

from __future__ import annotations

import fcntl
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from evalflow import create_app, database
from evalflow.domain.access import Actor, Role
from evalflow.extensions import db
from evalflow.models import AuditChainHead, AuditEntry, Campaign
from evalflow.services import audit
from tests.briefing_world import build
from tests.conftest import is_postgres, pg_schema
from tests.factories import make_config

# --- SQLite: the writers' queue ---------------------------------------------------------------------


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Any:
    app = create_app(make_config(f"sqlite:///{tmp_path / 'q.sqlite3'}", tmp_path))
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


def _lock_is_free(db_file: str) -> bool:
    """Whether another descriptor could take the write lock now (it is released again at once)."""
    with open(db_file + ".writelock", "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(fh, fcntl.LOCK_UN)
        return True


def test_sqlite_write_transaction_holds_the_lock_file_until_commit_or_rollback(sqlite_app):
    path = db.engine.url.database
    db.session.execute(sa.select(Campaign)).all()
    assert _lock_is_free(path), "a read takes no write lock"
    db.session.add(Campaign(title="甲"))
    db.session.flush()
    assert not _lock_is_free(path), "the first write of the transaction takes it"
    db.session.add(Campaign(title="乙"))
    db.session.flush()
    db.session.commit()
    assert _lock_is_free(path)
    db.session.add(Campaign(title="丙"))
    db.session.flush()
    assert not _lock_is_free(path)
    db.session.rollback()
    assert _lock_is_free(path)
    assert sorted(db.session.scalars(sa.select(Campaign.title))) == ["乙", "甲"]


def test_sqlite_connection_returned_to_the_pool_drops_the_lock(sqlite_app):
    path = db.engine.url.database
    conn = db.engine.connect()
    conn.execute(sa.insert(Campaign.__table__).values(title="甲", phase="draft"))
    assert not _lock_is_free(path)
    conn.close()  # no commit: the pool rolls back, and the lock goes with it
    assert _lock_is_free(path)


def test_sqlite_second_writer_waits_for_the_first_to_commit(sqlite_app):
    """Two connections (two threads) write at once: the second one waits on the lock file until the
    first commits (300 ms later), and both writes are kept. Its SQLite busy timeout is 50 ms, so
    without the queue it would fail with "database is locked"; the lock file is dropped just before
    SQLite's commit, which the 50 ms cover."""
    app = sqlite_app
    first_wrote, order = threading.Event(), []

    def first() -> None:
        with app.app_context():
            db.session.add(Campaign(title="先"))
            db.session.flush()
            first_wrote.set()
            time.sleep(0.3)
            order.append("first commits")
            db.session.commit()
            db.session.remove()

    def second() -> None:
        first_wrote.wait(5)
        with app.app_context():
            db.session.execute(sa.text("PRAGMA busy_timeout = 50"))  # SQLite waits 50 ms at most
            db.session.add(Campaign(title="后"))
            db.session.flush()
            order.append("second wrote")
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert order == ["first commits", "second wrote"]
    assert sorted(db.session.scalars(sa.select(Campaign.title))) == ["先", "后"]


def test_sqlite_writer_does_not_hang_on_a_lock_nobody_releases(sqlite_app, monkeypatch):
    """A lock file held by someone who never writes (here: the test) delays a writer by the patience
    setting, then SQLite decides — the write is kept."""
    monkeypatch.setattr(database, "WRITE_LOCK_PATIENCE", 0.2)
    with open(db.engine.url.database + ".writelock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        started = time.monotonic()
        db.session.add(Campaign(title="甲"))
        db.session.commit()
        waited = time.monotonic() - started
    assert waited >= 0.2
    assert db.session.scalars(sa.select(Campaign.title)).all() == ["甲"]


# --- PostgreSQL: a ping only after idleness ----------------------------------------------------------


@contextmanager
def _pg_app(tmp_path: Path) -> Any:
    with pg_schema() as url:
        app = create_app(make_config(url, tmp_path))
        with app.app_context():
            db.create_all()
            try:
                yield app, url
            finally:
                db.session.remove()
                db.engine.dispose()


def _pooled_backend() -> int:
    """The server process of the connection the pool will hand out next (it goes back at once)."""
    pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
    db.session.commit()
    db.session.remove()
    return int(pid)


def _terminate(url: str, pid: int) -> None:
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        assert conn.scalar(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid}) is True
    admin.dispose()
    time.sleep(0.2)


def test_postgres_idle_connection_that_died_is_replaced_before_use(tmp_path, monkeypatch):
    with _pg_app(tmp_path) as (_app, url):
        dead = _pooled_backend()
        _terminate(url, dead)
        monkeypatch.setattr(database, "PING_AFTER_IDLE", 0.0)  # it has been idle long enough
        assert db.session.scalar(sa.text("SELECT pg_backend_pid()")) != dead  # no error: replaced


def test_postgres_busy_connection_is_not_pinged(tmp_path, monkeypatch):
    """The trade made for the ballot's round trips: a connection used a moment ago is trusted, so
    if it died in between, that one request fails — and the next one gets a fresh connection."""
    with _pg_app(tmp_path) as (_app, url):
        monkeypatch.setattr(database, "PING_AFTER_IDLE", 3600.0)
        pings: list[str] = []
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: pings.append(a[2]))
        dead = _pooled_backend()
        pings.clear()
        db.session.scalar(sa.text("SELECT 1"))
        db.session.commit()
        assert pings == ["SELECT 1"]  # no ping statement before it
        _terminate(url, dead)
        with pytest.raises(sa.exc.OperationalError):
            db.session.scalar(sa.text("SELECT 1"))
        db.session.rollback()
        assert db.session.scalar(sa.text("SELECT pg_backend_pid()")) != dead


def test_postgres_ballot_on_a_connection_that_died_is_503_then_succeeds(tmp_path, monkeypatch):
    """The database restarted under a busy pool: the ballot that held the dead connection is told to
    try again (503, ``Retry-After``; the ballot page retries by itself), and its retry is recorded."""
    with _pg_app(tmp_path) as (app, url):
        client = app.test_client()
        world = build(client)
        target, cid = world.uid(0), world.cid
        opened = client.post(
            f"/api/v1/campaigns/{cid}/presentations/{target}/open", headers=world.office_headers()
        )
        assert opened.status_code == 200
        monkeypatch.setattr(database, "PING_AFTER_IDLE", 3600.0)
        _terminate(url, _pooled_backend())
        path, seat = f"/api/v1/campaigns/{cid}/ballots/{target}", world.seat_headers(1)
        lost = client.put(path, json={"grade": "好"}, headers=seat)
        assert lost.status_code == 503
        assert lost.headers["Retry-After"] == "1"
        assert lost.get_json()["error"]["code"] == "database_unavailable"
        again = client.put(path, json={"grade": "好"}, headers=seat)
        assert (again.status_code, again.get_json()) == (200, {"unit_id": target, "grade": "好"})


# --- a ballot's statements ---------------------------------------------------------------------------


def test_ballot_statements_and_audit_claim(app, client):
    """A changed ballot: the token lookup (with the campaign), the upsert, the audit entry. On
    PostgreSQL the upsert claims the audit chain's head in the same statement: 3 statements; on
    SQLite 5. A repeated grade writes no audit entry and leaves the head where it was. The chain
    verifies, including a chain whose first entry is a ballot."""
    world = build(client)
    target, cid = world.uid(0), world.cid
    headers = world.office_headers()
    assert (
        client.post(f"/api/v1/campaigns/{cid}/presentations/{target}/open", headers=headers).status_code
        == 200
    )
    db.session.execute(sa.delete(AuditEntry))  # the campaign's chain starts again with the ballot
    db.session.execute(sa.delete(AuditChainHead))
    db.session.commit()
    statements: list[str] = []
    sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    seat = world.seat_headers(1)
    path = f"/api/v1/campaigns/{cid}/ballots/{target}"

    def put(grade: str) -> int:
        statements.clear()
        response = client.put(path, json={"grade": grade}, headers=seat)
        assert response.status_code == 200, response.get_json()
        assert response.get_json() == {"unit_id": target, "grade": grade}
        return len(statements)

    pg = is_postgres(client.application)
    assert put("好") == (8 if pg else 9)  # first of the chain: the head row is created first
    assert put("一般") == (3 if pg else 5)
    assert put("一般") == (2 if pg else 2)  # unchanged: lookup and upsert only
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(AuditEntry.action, AuditEntry.seq, AuditEntry.from_state, AuditEntry.to_state).order_by(
            AuditEntry.seq
        )
    ).all()
    assert [tuple(r) for r in rows] == [("ballot.cast", 1, None, "好"), ("ballot.change", 2, "好", "一般")]
    assert db.session.get(AuditChainHead, cid).seq == 2
    assert all(r.broken is None for r in audit.verify())


def test_record_last_refuses_an_early_claim_after_unsealed_entries(app):
    campaign = Campaign(title="甲")
    db.session.add(campaign)
    db.session.flush()
    audit.record(Actor(Role.OFFICE, label="wmb"), "test.before", campaign_id=campaign.id)
    assert audit.can_claim_early() is False
    with pytest.raises(RuntimeError):
        audit.record_last(
            Actor(Role.OFFICE, label="wmb"), "test.last", campaign_id=campaign.id, claimed=(1, "x")
        )
    db.session.rollback()
    assert audit.can_claim_early() is True
