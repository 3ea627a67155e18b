"""``database.unavailable``: which database errors are an outage (503) and which are bugs (500),
judged on the drivers' own exceptions, wrapped as SQLAlchemy wraps them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from evalflow.database import busy, unavailable
from tests.pg_cluster import free_port


def _wrapped(orig: Exception) -> sa.exc.DBAPIError:
    base = sqlite3.Error if isinstance(orig, sqlite3.Error) else psycopg.Error
    return sa.exc.DBAPIError.instance("SELECT 1", {}, orig, base)


def _sqlite_error(path: str, statement: str) -> Exception:
    with pytest.raises(sqlite3.Error) as caught:
        sqlite3.connect(path).execute(statement)
    return caught.value


def test_database_unavailable_sqlite_lock_and_unopenable_file_but_not_a_wrong_statement(tmp_path: Path):
    path = str(tmp_path / "x.sqlite3")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (a)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0.01)
    with pytest.raises(sqlite3.OperationalError) as locked:
        other.execute("INSERT INTO t VALUES (1)")
    holder.rollback()
    cannot_open = _sqlite_error(str(tmp_path / "missing" / "x.sqlite3"), "SELECT 1")
    wrong = _sqlite_error(path, "SELECT * FROM no_such_table")
    judged = [(unavailable(_wrapped(e)), busy(_wrapped(e))) for e in (locked.value, cannot_open, wrong)]
    assert judged == [(True, True), (True, False), (False, False)]


def test_database_unavailable_postgres_refused_connection_but_not_a_closed_cursor():
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(host="127.0.0.1", port=free_port(), user="postgres", connect_timeout=2)
    closed_cursor = psycopg.InterfaceError("the cursor is closed")
    shutdown = psycopg.errors.AdminShutdown("terminating connection due to administrator command")
    wrong = psycopg.errors.UndefinedTable('relation "no_such_table" does not exist')
    judged = [unavailable(_wrapped(e)) for e in (refused.value, closed_cursor, shutdown, wrong)]
    assert judged == [True, False, True, False]


def test_database_unavailable_pool_timeout_is_busy_and_other_errors_are_not_outages():
    assert (unavailable(sa.exc.TimeoutError()), busy(sa.exc.TimeoutError())) == (True, True)
    assert unavailable(ValueError("no")) is False
    assert unavailable(sa.exc.InvalidRequestError("a misuse")) is False
