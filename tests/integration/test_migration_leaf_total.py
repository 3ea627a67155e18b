"""Migration 0022: ``leaf_total`` and its triggers. On a database that already holds counted marks the
upgrade fills the table with their figures; the downgrade takes the triggers away with the table, so
marks can still be written; upgrading again refills it — on both engines."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from evalflow import create_app
from evalflow.extensions import db
from evalflow.review import leaf_totals
from tests.factories import make_config
from tests.review_world import build

BEFORE = "0021_composite_rule"


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


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
