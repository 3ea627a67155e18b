"""Migration 0014 (the 测评体系): reviewers and inspectors may sign in, their affiliation is checked,
and the downgrade takes their accounts away with the tables — on both engines."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from evalflow import create_app
from evalflow.extensions import db
from tests.factories import make_config

NOW = "2026-12-01 00:00:00+00:00"


def _user(conn: sa.Connection, name: str, role: str, **extra: Any) -> int:
    values = {"username": name, "username_key": name, "password_hash": "x", "role": role, **extra}
    columns = ", ".join(values) + ", display_name, active, session_version, created_at"
    marks = ", ".join(f":{k}" for k in values) + ", '', true, 1, :now"
    return conn.execute(
        sa.text(f'INSERT INTO "user" ({columns}) VALUES ({marks}) RETURNING id'), {**values, "now": NOW}
    ).scalar_one()


def _refused(statement: str, params: dict[str, Any]) -> bool:
    try:
        with db.engine.begin() as conn:
            conn.execute(sa.text(statement), params)
    except sa.exc.IntegrityError:
        return True
    return False


def test_migration_0014_lets_reviewers_in_and_takes_them_out_again(db_url: str, tmp_path: Any) -> None:
    app = create_app(make_config(db_url, tmp_path))
    with app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            cid = conn.execute(
                sa.text(
                    "INSERT INTO campaign (title, description, phase, notice_working_days, scale, created_at,"
                    " updated_at) VALUES ('t', '', 'draft', 5, '[]', :now, :now) RETURNING id"
                ),
                {"now": NOW},
            ).scalar_one()
            uid = conn.execute(
                sa.text(
                    "INSERT INTO unit (campaign_id, name, category, contact_name, contact_phone, approved,"
                    " created_at) VALUES (:cid, '甲', '', '', '', true, :now) RETURNING id"
                ),
                {"cid": cid, "now": NOW},
            ).scalar_one()
            _user(conn, "office", "office")
            reviewer = _user(conn, "expert", "reviewer", affiliation_unit_id=uid)
            _user(conn, "inspector", "inspector")
        insert = "INSERT INTO \"user\" (username, username_key, password_hash, role, display_name, active, session_version, created_at, affiliation_unit_id) VALUES (:n, :n, 'x', :r, '', true, 1, :now, :a)"
        assert _refused(insert, {"n": "o2", "r": "office", "now": NOW, "a": uid})  # an office has no employer
        assert _refused(insert, {"n": "s1", "r": "seat", "now": NOW, "a": None})  # seats never sign in
        downgrade(revision="0012")
        with db.engine.connect() as conn:
            roles = sorted(conn.execute(sa.text('SELECT role FROM "user"')).scalars())
            left = conn.execute(
                sa.text('SELECT count(*) FROM "user" WHERE id = :id'), {"id": reviewer}
            ).scalar()
        assert roles == ["office"]
        assert left == 0
        plain = insert.replace(", affiliation_unit_id", "").replace(", :a)", ")")
        assert _refused(plain, {"n": "r2", "r": "reviewer", "now": NOW})
        upgrade()
        db.session.remove()
        db.engine.dispose()
