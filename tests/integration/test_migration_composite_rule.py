"""Migration 0021: a proposed list may say it came from the 综合测评 (rule ``composite``), and going back
turns such a list into a ``manual`` one without losing it — on both engines."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from evalflow import create_app
from evalflow.extensions import db
from tests.factories import make_config

NOW = "2026-12-01 00:00:00+00:00"
BEFORE = "0020_review"


def _campaign(conn: sa.Connection) -> int:
    return conn.execute(
        sa.text(
            "INSERT INTO campaign (title, description, phase, notice_working_days, scale, created_at, updated_at)"
            " VALUES ('t', '', 'review', 5, '[]', :now, :now) RETURNING id"
        ),
        {"now": NOW},
    ).scalar_one()


def _list(rule: str) -> bool:
    """Store a proposed list with *rule* for a new campaign; False when the database refuses it."""
    try:
        with db.engine.begin() as conn:
            cid = _campaign(conn)
            conn.execute(
                sa.text(
                    "INSERT INTO proposed_list (campaign_id, rule, per_category, updated_at)"
                    " VALUES (:cid, :rule, false, :now)"
                ),
                {"cid": cid, "rule": rule, "now": NOW},
            )
    except sa.exc.IntegrityError:
        return False
    return True


def _rules() -> list[str]:
    with db.engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT rule FROM proposed_list ORDER BY campaign_id")).scalars())


def test_migration_0021_admits_composite_and_goes_back_to_manual(db_url: str, tmp_path: Any) -> None:
    app = create_app(make_config(db_url, tmp_path))
    with app.app_context():
        upgrade(revision=BEFORE)
        assert _list("manual") and not _list("composite")
        upgrade()
        assert _list("composite") and not _list("bogus")
        assert _rules() == ["manual", "composite"]
        downgrade(revision=BEFORE)
        assert _rules() == ["manual", "manual"]
        assert not _list("composite")
        upgrade()
        assert _list("composite")
        db.session.remove()
        db.engine.dispose()
