"""Database wiring: SQLite pragmas, migrations, and the one commit per request."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response
from sqlalchemy.exc import IntegrityError, OperationalError

from .extensions import db, migrate


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


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
        sa.event.listen(db.engine, "connect", _sqlite_pragmas)

    @app.teardown_request
    def rollback_on_exception(exc: BaseException | None) -> None:
        if exc is not None:
            db.session.rollback()


def register_request_commit(app: Flask) -> None:
    """Commit once per successful request; roll back on any error response.

    Registered after every other ``after_request`` function, so Flask runs it before them: a write
    transaction (on SQLite, the database's single writer lock) ends as soon as the view is done
    rather than after the headers, cookies and request log, and the request log shows the status
    the client gets (a commit that fails turns a 200 into a 409).
    """

    @app.after_request
    def commit_request(response: Response) -> Response:
        if response.status_code >= 400:
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except (IntegrityError, OperationalError) as exc:
            db.session.rollback()
            from .errors import conflict_response

            return conflict_response(exc)
        return response
