"""What the hot ballot path relies on below the services: SQLite writers queue on a lock file,
PostgreSQL pings a pooled connection only after it sat idle, and a ballot costs a known number of
statements on each engine (the upsert and its audit claim share one on PostgreSQL)."""

from __future__ import annotations

import fcntl
import json
import re
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from evalflow import create_app, database
from evalflow.briefing import ballots
from evalflow.briefing.models import Ballot
from evalflow.extensions import db
from evalflow.shared.access import Actor, Role
from evalflow.shared.accounts import actors
from evalflow.shared.audit import record as audit
from evalflow.shared.audit import statement, verify
from evalflow.shared.audit.models import AuditChainHead, AuditEntry
from evalflow.shared.campaigns.models import Campaign, Seat
from evalflow.shared.phases import Phase
from tests import factories
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
    factories.campaign("甲")
    assert not _lock_is_free(path), "the first write of the transaction takes it"
    factories.campaign("乙")
    db.session.commit()
    assert _lock_is_free(path)
    factories.campaign("丙")
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
            factories.campaign("先")
            first_wrote.set()
            time.sleep(0.3)
            order.append("first commits")
            db.session.commit()
            db.session.remove()

    def second() -> None:
        first_wrote.wait(5)
        with app.app_context():
            db.session.execute(sa.text("PRAGMA busy_timeout = 50"))  # SQLite waits 50 ms at most
            factories.campaign("后")
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
        factories.campaign("甲")  # its flush waits for the lock
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


def test_postgres_busy_connection_is_pinged_only_when_the_server_hung_up(tmp_path, monkeypatch):
    """The trade made for the ballot's round trips: a connection used a moment ago is trusted
    without a ping — unless the server closed it meanwhile (a restart, a terminated backend): its
    goodbye is waiting on the socket, so it is pinged, found dead and replaced, and no request
    fails for it."""
    with _pg_app(tmp_path) as (_app, url):
        monkeypatch.setattr(database, "PING_AFTER_IDLE", 3600.0)
        pings: list[Any] = []
        ping = db.engine.dialect.do_ping
        monkeypatch.setattr(db.engine.dialect, "do_ping", lambda conn: pings.append(conn) or ping(conn))
        dead = _pooled_backend()
        assert db.session.scalar(sa.text("SELECT pg_backend_pid()")) == dead
        db.session.commit()
        assert pings == []
        _terminate(url, dead)
        assert db.session.scalar(sa.text("SELECT pg_backend_pid()")) != dead  # no error: replaced
        assert len(pings) == 1


def test_postgres_ballot_after_the_database_restarted_under_an_idle_pool_succeeds(tmp_path, monkeypatch):
    """The database restarted while the pool's connection sat unused for a moment: the next ballot
    gets a fresh connection and is recorded at once (it used to fail with a 503 first)."""
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
        again = client.put(path, json={"grade": "好"}, headers=seat)
        assert (again.status_code, again.get_json()) == (200, {"unit_id": target, "grade": "好"})


# --- a ballot's statements ---------------------------------------------------------------------------


def test_ballot_statements_and_audit_entry(app, client):
    """A phone's ballot: on PostgreSQL one statement (the upsert and its sealed audit entry, the seat
    card checked in it) once the card is remembered; on SQLite the upsert and the entry's three. The
    first ballot of a chain that has no head yet creates the head, then writes. A repeated grade
    writes no audit entry and leaves the head where it was. The chain verifies."""
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
    # lookup; PostgreSQL: refused for want of a head, head created, again; SQLite: upsert, then the
    # head is created and locked (3), claimed, the entry written, the head moved
    assert put("好") == (4 if pg else 9)
    assert put("一般") == (1 if pg else 4)  # the card is remembered: no lookup
    assert put("一般") == 1  # unchanged: the upsert only
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(AuditEntry.action, AuditEntry.seq, AuditEntry.from_state, AuditEntry.to_state).order_by(
            AuditEntry.seq
        )
    ).all()
    assert [tuple(r) for r in rows] == [("ballot.cast", 1, None, "好"), ("ballot.change", 2, "好", "一般")]
    head = db.session.get(AuditChainHead, cid)
    assert head.seq == 2
    first = db.session.scalar(sa.select(AuditEntry.entry_hash).where(AuditEntry.seq == 1))
    assert head.prev_hash == first  # the hash the head held before its last move
    assert all(r.broken is None for r in verify.verify())


def test_ballot_after_unsealed_entries_of_its_transaction_keeps_their_order(app, client):
    """A ballot cast in a transaction that already recorded entries cannot seal its own entry in
    its statement (those entries would be chained after it): it takes the sealing path, after them."""
    world = build(client)
    target = world.uid(0)
    assert (
        client.post(
            f"/api/v1/campaigns/{world.cid}/presentations/{target}/open", headers=world.office_headers()
        ).status_code
        == 200
    )
    campaign = db.session.get(Campaign, world.cid)
    audit.record(Actor(Role.OFFICE, label="wmb"), "test.before", campaign_id=campaign.id)
    assert statement.can_append_in_statement() is False
    seat = actors.actor_for_seat(db.session.get(Seat, world.seat_ids[(1, "reporter")]))
    ballots.cast_ballot(seat, campaign, target, "好")
    db.session.commit()
    assert statement.can_append_in_statement() is True
    tail = db.session.scalars(
        sa.select(AuditEntry.action)
        .where(AuditEntry.chain == world.cid)
        .order_by(AuditEntry.seq.desc())
        .limit(2)
    ).all()
    assert tail == ["ballot.cast", "test.before"]
    assert all(r.broken is None for r in verify.verify())


# --- PostgreSQL: the phone's ballot is one statement, outside a transaction ---------------------------


def _open_for_ballots(client: Any) -> Any:
    world = build(client)
    opened = client.post(
        f"/api/v1/campaigns/{world.cid}/presentations/{world.uid(0)}/open", headers=world.office_headers()
    )
    assert opened.status_code == 200
    return world


def test_postgres_ballot_runs_without_a_transaction_and_the_connection_comes_back_ordinary(tmp_path):
    """No BEGIN, no COMMIT: the driver's autocommit for the ballot's single statement; the next
    request on the same pooled connection is an ordinary transaction again."""
    with _pg_app(tmp_path) as (app, _url):
        client = app.test_client()
        world = _open_for_ballots(client)
        seen: list[tuple[str, bool]] = []

        def note(conn: sa.Connection, _cursor: Any, statement: str, *_rest: Any) -> None:
            seen.append((statement.split()[0], conn.connection.dbapi_connection.autocommit))

        path = f"/api/v1/campaigns/{world.cid}/ballots/{world.uid(0)}"
        mine = f"/api/v1/campaigns/{world.cid}/ballots/mine"
        # the test's own reads began a transaction on the session the requests share (a server's
        # request starts with a session of its own); a request inside a transaction keeps it
        db.session.commit()
        sa.event.listen(db.engine, "before_cursor_execute", note)
        for grade in ("好", "一般"):
            assert client.put(path, json={"grade": grade}, headers=world.seat_headers(1)).status_code == 200
        assert seen == [("SELECT", True), ("WITH", True), ("WITH", True)]  # lookup once, then remembered
        seen.clear()
        assert client.get(mine, headers=world.seat_headers(1)).status_code == 200
        assert seen and all(autocommit is False for _kind, autocommit in seen)


def test_postgres_ballot_statement_is_atomic_when_its_audit_entry_fails(tmp_path):
    """Outside a transaction the ballot and its audit entry must still stand or fall together: an
    entry the database refuses leaves the old grade, no entry and the chain head where it was."""
    with _pg_app(tmp_path) as (app, _url):
        client = app.test_client()
        world = _open_for_ballots(client)
        path = f"/api/v1/campaigns/{world.cid}/ballots/{world.uid(0)}"
        assert client.put(path, json={"grade": "好"}, headers=world.seat_headers(1)).status_code == 200
        db.session.execute(
            sa.text("ALTER TABLE audit_entry ADD CONSTRAINT test_no_change CHECK (action <> 'ballot.change')")
        )
        db.session.commit()
        head_before = db.session.get(AuditChainHead, world.cid).seq
        entries_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
        headers = world.seat_headers(1)
        db.session.commit()  # the request gets an idle session, as on a server
        kinds: list[bool] = []
        sa.event.listen(
            db.engine,
            "before_cursor_execute",
            lambda conn, *_: kinds.append(conn.connection.dbapi_connection.autocommit),
        )
        refused = client.put(path, json={"grade": "一般"}, headers=headers)
        assert refused.status_code >= 400
        assert kinds == [True], "one statement, outside a transaction"
        db.session.expire_all()
        grade = db.session.scalar(
            sa.select(Ballot.grade).where(
                Ballot.seat_id == world.seat_ids[(1, "reporter")], Ballot.unit_id == world.uid(0)
            )
        )
        assert grade == "好"
        assert db.session.get(AuditChainHead, world.cid).seq == head_before
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == entries_before
        db.session.execute(sa.text("ALTER TABLE audit_entry DROP CONSTRAINT test_no_change"))
        db.session.commit()
        assert client.put(path, json={"grade": "一般"}, headers=world.seat_headers(1)).status_code == 200
        assert all(r.broken is None for r in verify.verify())


def test_postgres_driver_statement_binds_what_sqlalchemy_binds(tmp_path):
    """The ballot's statement runs as driver SQL compiled once: the SQL and the processed values
    the driver receives (JSON, enums, timestamps, constants of the statement) are the ones
    SQLAlchemy's own execution would send."""
    with _pg_app(tmp_path):
        stmt = sa.select(
            sa.bindparam("data", type_=AuditEntry.__table__.c.data.type),
            sa.bindparam("at", type_=AuditEntry.__table__.c.created_at.type),
            sa.bindparam("phase", type_=Campaign.__table__.c.phase.type),
            sa.literal("x") == sa.bindparam("label", type_=sa.String),
        ).where(Campaign.__table__.c.phase == Phase.BRIEFING)
        values = {
            "data": {"seat_id": 3, "名": "好\\n"},
            "at": datetime(2026, 11, 29, 8, 30, tzinfo=UTC),
            "phase": Phase.REVIEW,
            "label": "x",
        }
        sent: list[tuple[str, dict[str, Any]]] = []
        sa.event.listen(db.engine, "before_cursor_execute", lambda c, cur, s, p, *a: sent.append((s, p)))
        conn = db.session.connection()
        ours = database.DriverStatement(stmt, db.engine.dialect)
        conn.execute(stmt, values).all()
        ours.execute(conn, values).all()
        db.session.rollback()

        def plain(params: dict[str, Any]) -> dict[str, Any]:  # psycopg wraps JSON in an adapter
            return {k: (type(v).__name__, getattr(v, "obj", v)) for k, v in params.items()}

        (sql_a, params_a), (sql_b, params_b) = sent
        assert sql_b == sql_a
        assert plain(params_b) == plain(params_a)
        assert plain(params_b)["phase"] == ("str", "review")  # the enum's value, not the member
        assert plain(params_b)["phase_1"] == ("str", "briefing")
        assert plain(params_b)["data"][0] != "dict"  # serialized for the driver


def test_sqlite_driver_statement_binds_by_name_what_sqlalchemy_binds_by_position(tmp_path):
    """SQLite's ballot and audit entry run as driver SQL too: compiled with named parameters (SQLite's
    own style is ``?``), the driver gets the very values SQLAlchemy's execution sends, in the same
    SQL but for the placeholders, and the engine's own dialect keeps its positional style."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'd.sqlite3'}")
    stmt = sa.select(
        sa.bindparam("data", type_=AuditEntry.__table__.c.data.type),
        sa.bindparam("at", type_=AuditEntry.__table__.c.created_at.type),
        sa.bindparam("phase", type_=Campaign.__table__.c.phase.type),
        sa.literal("x") == sa.bindparam("label", type_=sa.String),
    )
    values = {
        "data": {"seat_id": 3, "名": "好\\n"},
        "at": datetime(2026, 11, 29, 8, 30, tzinfo=UTC),
        "phase": Phase.REVIEW,
        "label": "x",
    }
    sent: list[tuple[str, Any]] = []
    sa.event.listen(engine, "before_cursor_execute", lambda c, cur, s, p, *a: sent.append((s, p)))
    with engine.connect() as conn:
        ours = database.DriverStatement(stmt, engine.dialect)
        theirs = conn.execute(stmt, values).all()
        mine = ours.execute(conn, values).all()
    (sql_a, params_a), (sql_b, params_b) = sent
    order = stmt.compile(dialect=engine.dialect).positiontup
    assert engine.dialect.paramstyle == "qmark" and "?" in sql_a and ":data" in sql_b
    assert re.sub(r":\w+", "?", sql_b) == sql_a
    assert tuple(params_b[name] for name in order) == tuple(params_a)
    assert params_b["phase"] == "review" and isinstance(params_b["data"], str)  # the enum's value, JSON text
    assert json.loads(params_b["data"]) == values["data"]
    assert len(theirs) == 1 and [tuple(r) for r in mine] == [(params_b["data"], params_b["at"], "review", 1)]
    engine.dispose()


def test_driver_rows_are_the_rows_as_plain_tuples_and_leave_the_connection_usable(app):
    """The 综合测评's large reads take the driver's tuples: the same values as SQLAlchemy's rows (a
    numeric as the driver gives it), and the cursor is closed so the next statement runs."""
    from decimal import Decimal

    from evalflow.assessment.models import MARK

    stmt = sa.select(
        sa.literal(7, sa.Integer), sa.literal("甲%", sa.String), sa.cast(sa.literal("1.234567"), MARK)
    )
    conn = db.session.connection()
    rows = database.driver_rows(conn, stmt)
    assert [type(r) for r in rows] == [tuple]
    assert rows[0][:2] == (7, "甲%")
    assert Decimal(str(rows[0][2])) == Decimal("1.234567")
    assert conn.execute(sa.select(sa.literal(1))).scalar() == 1
