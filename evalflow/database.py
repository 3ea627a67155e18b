"""Database wiring: SQLite pragmas, migrations, and the one commit per request."""

from __future__ import annotations

import copy
import os
import re
import select
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from evalflow.extensions import db, migrate


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# --- PostgreSQL: ping a pooled connection only after it sat idle ---------------------------------

PING_AFTER_IDLE = 2.0  # seconds; a connection used more recently than this is trusted as it is
_LAST_USED = "evalflow_last_used"


def ping_idle_connections(engine: sa.Engine) -> None:
    """Instead of ``pool_pre_ping`` (a round trip per request): a connection back in the pool for
    over :data:`PING_AFTER_IDLE` s is pinged at checkout and replaced if dead. Under load none is idle,
    so a ballot saves the round trip; one that died meanwhile (a restart mid-burst) has its server's
    goodbye to read (:func:`_has_input`), so it is pinged and replaced too. One that dies while busy
    fails its request (503); SQLAlchemy then discards the pool's other connections."""

    @sa.event.listens_for(engine, "connect")
    def fresh(_dbapi: Any, record: Any) -> None:
        record.info[_LAST_USED] = time.monotonic()

    @sa.event.listens_for(engine, "checkin")
    def returned(_dbapi: Any, record: Any) -> None:
        if record is not None:
            record.info[_LAST_USED] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi: Any, record: Any, _proxy: Any) -> None:
        idle = time.monotonic() - record.info.get(_LAST_USED, 0.0)
        if idle <= PING_AFTER_IDLE and not _has_input(dbapi):
            return
        try:
            engine.dialect.do_ping(dbapi)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi, None):
                raise sa.exc.DisconnectionError() from exc  # the pool retries with a new connection
            raise


def _has_input(dbapi_connection: Any) -> bool:
    """Whether the server sent something to an unused connection: its goodbye (a restart) or the end of
    the stream. One ``poll`` with no wait; a socket that cannot be asked counts as suspect."""
    try:
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN)
        return bool(poller.poll(0))
    except Exception:  # closed, or a driver without fileno(): let the ping decide
        return True


# --- a database that cannot be reached or kept is an answer (503), never a bug (500) --------------

# PostgreSQL error codes of a server that is gone, starting, stopping or out of connection slots:
# class 08 (connection exception), admin/crash shutdown, cannot connect now, too many connections.
_PG_UNAVAILABLE = ("08", "57P01", "57P02", "57P03", "53300")
# SQLite primary result codes of a database file that cannot be used now: BUSY and LOCKED (another
# writer kept it past the busy timeout), IOERR, FULL (the disk), CANTOPEN.
_SQLITE_BUSY = {5, 6}
_SQLITE_UNAVAILABLE = _SQLITE_BUSY | {10, 13, 14}


def unavailable(exc: BaseException) -> bool:
    """Whether *exc* says the database could not be reached or kept — its connection died, it could
    not be opened, the server is restarting, no pooled connection came free, SQLite's file is locked
    or unreadable — rather than that a statement is wrong. The first is a 503 and the request may be
    sent again; the second stays a 500 (errors.py)."""
    if isinstance(exc, sa.exc.TimeoutError):  # the pool had no connection to give in time
        return True
    if isinstance(exc, sa.exc.PendingRollbackError):  # "8s2b": its connection was lost earlier
        return exc.code == "8s2b"
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_UNAVAILABLE
    if hasattr(orig, "sqlstate"):  # psycopg: an OperationalError without SQLSTATE is the client's
        state = orig.sqlstate  # own (it could not connect, or lost the server); an InterfaceError
        if state is None:  # without one (a closed cursor) is a bug
            return isinstance(exc, sa.exc.OperationalError)
        return str(state).startswith(_PG_UNAVAILABLE)
    return False


def busy(exc: BaseException) -> bool:
    """Whether the database is there but busy (SQLite's lock, the pool, PostgreSQL's slots)."""
    if isinstance(exc, sa.exc.TimeoutError):
        return True
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlite_errorcode", None)
    return (code is not None and code & 0xFF in _SQLITE_BUSY) or getattr(orig, "sqlstate", None) == "53300"


# --- SQLite: writers queue on a lock file instead of sleeping in the busy handler -----------------

# What Python's sqlite3 opens a transaction for, and write_lock_first's BEGIN IMMEDIATE
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN I")
_LOCK_FD, _LOCKED = "evalflow_write_lock_fd", "evalflow_write_locked"
WRITE_LOCK_POLL = 0.0002  # seconds between tries while another connection writes
WRITE_LOCK_PATIENCE = 15.0  # then leave the waiting to SQLite's busy timeout


def _wait_for_lock(fd: int) -> bool:
    """Take the exclusive lock on *fd*, polling; False after :data:`WRITE_LOCK_PATIENCE` seconds."""
    import fcntl

    deadline = time.monotonic() + WRITE_LOCK_PATIENCE
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
            time.sleep(WRITE_LOCK_POLL)


def write_lock_first() -> None:
    """Before a read a write depends on (``FOR UPDATE``, which SQLite ignores): on SQLite begin as the
    writer now (``BEGIN IMMEDIATE``, queued below; the driver would begin at the first write only)."""
    conn = db.session.connection()
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def queue_sqlite_writers(engine: sa.Engine, database: str) -> None:
    """SQLite has one writer at a time; a second writer sleeps in SQLite's busy handler in growing
    steps (1, 2, 5, 10 … 100 ms) and its CPU idles meanwhile — under a burst of ballots that costs
    throughput and puts 100 ms hiccups in the tail. Here every connection takes an exclusive
    ``flock`` on ``<database>.writelock`` before its transaction's first write (the statements
    Python's sqlite3 begins a transaction for) and drops it when the transaction ends: writers in
    every process wait their turn a fraction of a millisecond apart. SQLite's own locking still
    decides what is correct; the lock file only orders the queue (after 15 s of waiting a writer
    goes on to SQLite, which applies its busy timeout as before).
    """
    import fcntl

    path = database + ".writelock"

    def lock_fd(info: dict[str, Any]) -> int:
        """This connection's own descriptor of the lock file (its own lock, also between threads),
        opened again in a forked child: a descriptor shared across a fork would share the lock."""
        pid, fd = info.get(_LOCK_FD, (None, -1))
        if pid != os.getpid():
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            info[_LOCK_FD] = (os.getpid(), fd)
        return fd

    @sa.event.listens_for(engine, "close")
    def close_lock(_dbapi: Any, record: Any) -> None:
        pid, fd = record.info.pop(_LOCK_FD, (None, -1))
        if pid == os.getpid():
            os.close(fd)  # closing the descriptor also drops a lock it holds

    @sa.event.listens_for(engine, "before_cursor_execute")
    def lock_before_write(conn: sa.Connection, _cur: Any, statement: str, *_args: Any) -> None:
        info = conn.connection.info
        if info.get(_LOCKED) or not statement.lstrip()[:7].upper().startswith(_WRITES):
            return
        if _wait_for_lock(lock_fd(info)):
            info[_LOCKED] = True

    def unlock(info: dict[str, Any]) -> None:
        if info.pop(_LOCKED, False):
            fcntl.flock(lock_fd(info), fcntl.LOCK_UN)

    # Dropped as the transaction ends (the "commit" event comes just before SQLite's commit, which
    # takes microseconds in WAL mode; a writer that comes in between waits for it in the busy
    # handler, as it always did), and in any case when the connection goes back to the pool.
    def transaction_ends(conn: sa.Connection) -> None:
        try:
            info = conn.connection.info
        except sa.exc.SQLAlchemyError:  # invalidated: closing its descriptor dropped the lock
            return
        unlock(info)

    sa.event.listen(engine, "commit", transaction_ends)
    sa.event.listen(engine, "rollback", transaction_ends)
    sa.event.listen(engine, "reset", lambda _dbapi, record, _state: record and unlock(record.info))


def register_database(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(app.root_path).parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    with app.app_context():
        engine = db.engine
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        if engine.dialect.name == "sqlite":
            if engine.url.database not in (None, "", ":memory:") and os.name == "posix":
                queue_sqlite_writers(engine, engine.url.database)
        else:
            ping_idle_connections(engine)
            refuse_writes_that_need_company(engine)

    @app.teardown_request
    def rollback_on_exception(exc: BaseException | None) -> None:
        if exc is not None:
            db.session.rollback()


def without_transaction(route: str) -> None:
    """PostgreSQL: let each statement of this request commit on its own (the driver's autocommit),
    saving the ``BEGIN`` and ``COMMIT`` round trips of a transaction.

    Only for a request that writes with at most one statement that must stand or fall alone (the
    phone's ballot: ``shared.api.routes.route(single_statement=True)``): a single statement is atomic
    by itself, and READ COMMITTED gives each statement its own snapshot either way, so the reads
    before it see what they would have seen. Called before the request's first statement; the
    connection goes back to the pool with its usual transaction mode. SQLite has no round trips to
    save. Any other write of the request is refused (:func:`refuse_writes_that_need_company`); the
    exception names *route*.
    """
    if db.engine.dialect.name == "postgresql" and not db.session().in_transaction():
        db.session.connection(
            execution_options={"isolation_level": "AUTOCOMMIT", SINGLE_STATEMENT_ROUTE: route}
        )


# --- a request without a transaction writes only statements that stand alone ----------------------

SINGLE_STATEMENT_ROUTE = "evalflow_single_statement_route"  # connection option: the route it serves
STANDS_ALONE = "evalflow_stands_alone"  # statement option: a write that may commit by itself
# A statement that writes, or locks rows for a later one (FOR UPDATE / FOR SHARE): bound values never
# appear in the SQL text, so only the statement's own words can match.
_WRITES_OR_LOCKS = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|SHARE)\b", re.IGNORECASE)


class SingleStatementBroken(RuntimeError):
    """A request declared single-statement ran a write that does not stand alone: a bug (500)."""


def stands_alone(stmt: Any) -> Any:
    """Mark *stmt* as a write that may commit by itself: complete on its own, it leaves nothing for
    a later statement to finish (the ballot that seals its own audit entry, creating a chain's head).
    Kept by :class:`DriverStatement`."""
    return stmt.execution_options(**{STANDS_ALONE: True})


def refuse_writes_that_need_company(engine: sa.Engine) -> None:
    """Under :func:`without_transaction` every statement commits at once, so a write that needs
    another statement to be complete would commit half a change: an ORM flush, an audit entry
    recorded to be sealed at commit (``shared/audit/record.py``), and worst the ballot's fallback,
    ``record_last``, whose claim of the chain's next number and move of its head would commit apart
    and could fork the audit chain. Such a write raises :class:`SingleStatementBroken`, naming the
    route, before it reaches the database; only statements marked :func:`stands_alone` may write.

    A dialect-level hook (``do_execute``): SQLAlchemy's connection events would make every
    statement of every request pay for their dispatch; this costs one dictionary lookup.
    """

    def check(statement: str, context: Any) -> None:
        options = context.execution_options
        route = options.get(SINGLE_STATEMENT_ROUTE)
        if route is not None and not options.get(STANDS_ALONE) and _WRITES_OR_LOCKS.search(statement):
            raise SingleStatementBroken(
                f"{route} is declared single_statement (on PostgreSQL it runs without a transaction, "
                f"each statement committing by itself), so it may write only with statements that "
                f"stand alone (database.stands_alone); refused: {' '.join(statement.split())[:200]}"
            )

    def one(_cursor: Any, statement: str, _params: Any, context: Any) -> None:
        check(statement, context)

    def no_params(_cursor: Any, statement: str, context: Any) -> None:
        check(statement, context)

    sa.event.listen(engine, "do_execute", one)
    sa.event.listen(engine, "do_executemany", one)
    sa.event.listen(engine, "do_execute_no_params", no_params)


class DriverStatement:
    """A Core statement compiled once for a dialect with named parameters, then run as driver SQL
    (``Connection.exec_driver_sql``): for the hottest statements, the phone's ballot and (on SQLite)
    its audit entry, it skips SQLAlchemy's per-execution cache-key walk and parameter set-up (what that saves a
    ballot: bench/README.md, *Figures behind the code*). The bound values still go through their types' bind processors
    (JSON, enums, timestamps), events still fire; result rows come back as the driver gives them.
    """

    def __init__(self, stmt: Any, dialect: sa.Dialect) -> None:
        dialect = named_parameters(dialect)
        self._compiled = stmt.compile(dialect=dialect)
        self.sql = self._compiled.string
        self._options = stmt.get_execution_options() or None  # e.g. stands_alone()
        self._processors = {
            name: processor
            for bind, name in self._compiled.bind_names.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }

    def params(self, values: dict[str, Any]) -> dict[str, Any]:
        params = self._compiled.construct_params(values)
        for name, process in self._processors.items():
            params[name] = process(params[name])
        return params

    def execute(self, conn: sa.Connection, values: dict[str, Any]) -> sa.CursorResult[Any]:
        return conn.exec_driver_sql(self.sql, self.params(values), self._options)


_NAMED = "_evalflow_named_parameters"  # on a positional dialect: its copy with named parameters


def named_parameters(dialect: sa.Dialect) -> sa.Dialect:
    """*dialect*, or the same dialect with named parameters (``:name``) when it uses positional ones
    (SQLite's ``?``): the driver SQL of a :class:`DriverStatement` takes its values by name, which
    both drivers accept whatever style SQLAlchemy uses for them (psycopg ``%(name)s``, sqlite3 ``:name``)."""
    if dialect.paramstyle in ("pyformat", "named"):
        return dialect
    if dialect.name != "sqlite":
        raise ValueError(f"positional parameters ({dialect.paramstyle}) are not supported")
    named = getattr(dialect, _NAMED, None)
    if named is None:  # a copy keeps what the engine learnt on connecting (RETURNING, the version)
        named = copy.copy(dialect)
        named.paramstyle, named.positional = "named", False
        setattr(dialect, _NAMED, named)
    return named


def driver_rows(conn: sa.Connection, stmt: Any) -> list[tuple[Any, ...]]:
    """The rows of a read as the driver gives them: plain tuples, no ``Row`` objects and no result
    processors (a PostgreSQL numeric comes back a Decimal, a SQLite one a float: the caller takes
    either). For the few reads of some 100,000 rows (the 综合测评's marks), where making the rows costs
    twice the query (bench/README.md, *Figures behind the code*); execution events still fire."""
    result = conn.execute(stmt)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def register_request_commit(
    app: Flask, *, conflict: Callable[[Exception], Response], lost: Callable[[Exception], Response]
) -> None:
    """Commit once per successful request; roll back on any error response.

    Registered after every other ``after_request`` function, so Flask runs it before them: a write
    transaction (on SQLite, the database's single writer lock) ends as soon as the view is done
    rather than after the headers, cookies and request log, and the request log shows the status
    the client gets (a commit that fails turns a 200 into a 409). *conflict* and *lost* answer a
    commit that lost a race (409) and one whose connection died (503); the app passes them in
    (shared/answers.py), so this module stays below everything that uses it.
    """

    @app.after_request
    def commit_request(response: Response) -> Response:
        if not db.session.registry.has():
            return response  # the request opened no session (the poll's 304 from the version store)
        if response.status_code >= 400:
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except DBAPIError as exc:
            if unavailable(exc):  # the database went away or is busy: 503, the client tries again
                answer = lost(exc)  # before the rollback expires the user
                db.session.rollback()
                return answer
            db.session.rollback()
            if isinstance(exc, IntegrityError | OperationalError):
                return conflict(exc)
            raise
        return response
