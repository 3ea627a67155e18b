"""Migration 0022: ``leaf_total`` and its triggers. On a database that already holds counted marks the
upgrade fills the table with their figures; the downgrade takes the triggers (and PostgreSQL's
functions) away with the table, so marks can still be written; upgrading again refills it; and a
database migrated to head has exactly the triggers and functions ``db.create_all`` makes from today's
code (the migration holds a frozen copy: a change to leaf_totals.py needs a new migration) — on both
engines."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from evalflow import create_app
from evalflow.extensions import db
from evalflow.review import leaf_totals
from tests.conftest import pg_schema
from tests.factories import make_config
from tests.review_world import build

BEFORE = "0021_composite_rule"


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def _definitions() -> dict[str, str]:
    """The database's leaf_total triggers (and on PostgreSQL its functions), by name: their SQL."""
    with db.engine.connect() as conn:
        if conn.dialect.name != "postgresql":
            query = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'leaf_total%'"
            return dict(conn.execute(sa.text(query)).all())
        triggers = conn.execute(sa.text(
            "SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE c.relnamespace = current_schema()::regnamespace AND t.tgname LIKE 'leaf_total%'"
        )).all()  # fmt: skip
        functions = conn.execute(sa.text(
            "SELECT proname, pg_get_functiondef(oid) FROM pg_proc"
            " WHERE pronamespace = current_schema()::regnamespace AND proname LIKE 'leaf_total%'"
        )).all()  # fmt: skip
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one() + "."
        found = dict(triggers) | {f"function {name}": text for name, text in functions}
        return {name: text.replace(schema, "") for name, text in found.items()}  # each test has its schema


def _made_by_create_all(db_url: str, tmp_path: Any) -> dict[str, str]:
    def made(url: str) -> dict[str, str]:
        app = create_app(make_config(url, tmp_path / "create_all"))
        with app.app_context():
            db.create_all()
            try:
                return _definitions()
            finally:
                db.session.remove()
                db.engine.dispose()

    if db_url.startswith("sqlite"):
        return made(f"sqlite:///{tmp_path / 'create_all.sqlite3'}")
    with pg_schema() as url:
        return made(url)


def test_a_migrated_database_has_the_triggers_create_all_makes(db_url: str, tmp_path: Any) -> None:
    app = create_app(make_config(db_url, tmp_path))
    with app.app_context():
        upgrade()
        migrated = _definitions()
        db.session.remove()
        db.engine.dispose()
    expected = 7 if db_url.startswith("sqlite") else 5 + 7  # triggers (+ functions on PostgreSQL)
    assert len(migrated) == expected, sorted(migrated)
    assert migrated == _made_by_create_all(db_url, tmp_path)


def test_migration_0022_fills_the_figures_and_goes_back_cleanly(db_url: str, tmp_path: Any) -> None:
    app = create_app(make_config(db_url, tmp_path))
    with app.app_context():
        upgrade()
        cid = build().cid
        db.session.commit()
        db.session.remove()  # no open transaction may hold the tables the downgrade drops
        with db.engine.connect() as conn:
            made = leaf_totals.kept(conn, cid)
        assert made and len({u for u, *_ in made}) == 3

        downgrade(revision=BEFORE)
        assert "leaf_total" not in _tables()
        assert _definitions() == {}  # no trigger, and on PostgreSQL no function, left behind
        with db.engine.begin() as conn:  # no trigger is left behind to write to the missing table
            conn.execute(sa.text("UPDATE sheet_score SET points = points / 2"))
            conn.execute(sa.text("UPDATE score_sheet SET submitted_at = NULL WHERE method = 'opinions'"))

        upgrade()  # the backfill: the figures of the marks as they are now
        with db.engine.connect() as conn:
            refilled = leaf_totals.kept(conn, cid)
            assert refilled == leaf_totals.recount(conn, cid)
        assert refilled and refilled != made
        with db.engine.begin() as conn:  # and the triggers are back
            conn.execute(sa.text("UPDATE sheet_score SET points = points * 2"))
        with db.engine.connect() as conn:
            assert leaf_totals.kept(conn, cid) == leaf_totals.recount(conn, cid) != refilled
        db.session.remove()
        db.engine.dispose()
