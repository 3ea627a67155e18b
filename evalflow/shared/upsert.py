"""``INSERT … ON CONFLICT`` for the engine in use, so a write that may race (a mark saved twice at once,
a sheet made on its first mark, a photo sent twice, a setting saved by two offices) is one statement
on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from evalflow.extensions import db


def insert(table: Any) -> Any:
    """The dialect's ``insert`` (which has ``on_conflict_do_nothing`` / ``on_conflict_do_update``)."""
    dialect = db.session.get_bind().dialect.name
    return (sqlite_insert if dialect == "sqlite" else pg_insert)(table)
