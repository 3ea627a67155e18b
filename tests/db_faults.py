"""Ways to take the database away from a running app, each failing with the driver's own error.

* :func:`refused_connections` — the database is down: every new connection fails (PostgreSQL:
  "connection refused" from a port nobody listens on; SQLite: "unable to open database file").
* :func:`connection_dies` — the connection a request holds dies under it, at its next statement or
  just before its commit (PostgreSQL: its server process is terminated from another connection;
  SQLite: the connection is closed).
* :func:`terminate_backend` — a PostgreSQL server process ends, as in a restart.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from evalflow.extensions import db
from tests.pg_cluster import free_port

NOWHERE = "/nonexistent-evalflow-folder/db.sqlite3"


@contextmanager
def refused_connections() -> Iterator[None]:
    """Inside, the app's engine cannot connect; the pool is emptied first, so the next request
    must. Afterwards it connects again."""
    engine = db.engine
    port = free_port()

    def nowhere(_dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> None:
        if engine.dialect.name == "postgresql":
            cparams.update(host="127.0.0.1", port=port)
        else:
            cargs[0] = NOWHERE

    db.session.remove()
    engine.dispose()
    sa.event.listen(engine, "do_connect", nowhere)
    try:
        yield
    finally:
        sa.event.remove(engine, "do_connect", nowhere)


def terminate_backend(url: sa.URL | str, pid: int) -> None:
    """End PostgreSQL server process *pid* and wait until it is gone."""
    admin = sa.create_engine(url, poolclass=NullPool)
    try:
        with admin.connect() as conn:
            assert conn.scalar(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid}) is True
            conn.commit()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                gone = "SELECT count(*) FROM pg_stat_activity WHERE pid = :p"
                if conn.scalar(sa.text(gone), {"p": pid}) == 0:
                    break
                conn.rollback()
                time.sleep(0.02)
    finally:
        admin.dispose()


def _kill(dbapi_connection: Any) -> None:
    if db.engine.dialect.name == "postgresql":
        terminate_backend(db.engine.url, dbapi_connection.info.backend_pid)
        time.sleep(0.05)  # the goodbye message reaches the client's socket
    else:
        dbapi_connection.close()


def connection_dies(at: str = "statement") -> None:
    """The connection in use dies at the engine's next statement (``at="statement"``) or just
    before its next commit (``at="commit"``) — once."""
    engine = db.engine
    if at == "statement":

        def before_statement(conn: sa.Connection, *_args: Any) -> None:
            _kill(conn.connection.dbapi_connection)

        sa.event.listen(engine, "before_cursor_execute", before_statement, once=True)
    else:

        def before_commit(conn: sa.Connection) -> None:
            _kill(conn.connection.dbapi_connection)

        sa.event.listen(engine, "commit", before_commit, once=True)
