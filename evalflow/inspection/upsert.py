"""``INSERT … ON CONFLICT`` for the engine in use: an inspection's writes that may race (a mark saved
twice at once, a photo sent twice) are single statements, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from evalflow.extensions import db


def insert(table: Any) -> Any:
    """The dialect's ``insert`` (which has ``on_conflict_do_nothing`` / ``on_conflict_do_update``)."""
    return (sqlite_insert if db.session.get_bind().dialect.name == "sqlite" else pg_insert)(table)
