"""Alembic: upgrade head → downgrade base → upgrade head, and the migrations match the models."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from evalflow import create_app
from evalflow.extensions import db
from tests.factories import make_config


def tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def test_migrations_round_trip_and_match_models(db_url: str, tmp_path: Any) -> None:
    app = create_app(make_config(db_url, tmp_path))
    with app.app_context():
        upgrade()
        expected = set(db.metadata.tables)
        assert tables(db.engine) == expected
        downgrade(revision="base")
        assert tables(db.engine) == set()
        upgrade()
        assert tables(db.engine) == expected
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata
            )
        assert diff == []
        db.session.remove()
        db.engine.dispose()
