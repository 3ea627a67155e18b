"""Migration 0017 (实地考察): a visit's sheets go with it, the 测评体系's partial unique indexes survive
the table's rebuild on SQLite, and the downgrade removes the tables and the visits' sheets — on both
engines."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from evalflow import create_app
from evalflow.extensions import db
from tests.factories import make_config

NOW = "2026-12-01 00:00:00+00:00"


def _one(conn: sa.Connection, sql: str, **params: Any) -> Any:
    return conn.execute(sa.text(sql), {"now": NOW, **params}).scalar_one()


def _world(conn: sa.Connection) -> dict[str, int]:
    cid = _one(conn, "INSERT INTO campaign (title, description, phase, notice_working_days, scale, created_at,"
                     " updated_at) VALUES ('t', '', 'training', 5, '[]', :now, :now) RETURNING id")  # fmt: skip
    uid = _one(conn, "INSERT INTO unit (campaign_id, name, category, contact_name, contact_phone, approved,"
                     " created_at) VALUES (:cid, '甲', '', '', '', true, :now) RETURNING id", cid=cid)  # fmt: skip
    who = _one(conn, "INSERT INTO \"user\" (username, username_key, password_hash, role, display_name, active,"
                     " session_version, created_at) VALUES ('i1', 'i1', 'x', 'inspector', '', true, 1, :now)"
                     " RETURNING id")  # fmt: skip
    vid = _one(conn, "INSERT INTO visit (campaign_id, unit_id, leader_id, starts_at, announced, created_at)"
                     " VALUES (:cid, :uid, :who, :now, true, :now) RETURNING id", cid=cid, uid=uid, who=who)  # fmt: skip
    return {"cid": cid, "uid": uid, "who": who, "vid": vid}


SHEET = ("INSERT INTO score_sheet (campaign_id, unit_id, method, scorer_id, visit_id, created_at, updated_at)"
         " VALUES (:cid, :uid, :method, :who, :vid, :now, :now) RETURNING id")  # fmt: skip


def _refused(statement: str, params: dict[str, Any]) -> bool:
    try:
        with db.engine.begin() as conn:
            conn.execute(sa.text(statement), {"now": NOW, **params})
    except sa.exc.IntegrityError:
        return True
    return False


def test_migration_0017_ties_sheets_to_visits_and_goes_back(db_url: str, tmp_path: Any) -> None:
    app = create_app(make_config(db_url, tmp_path))
    with app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            ids = _world(conn)
            _one(conn, SHEET, **ids, method="inspection")
            _one(conn, SHEET, **{**ids, "vid": None}, method="materials")
        assert _refused(SHEET, {**ids, "method": "inspection"})  # one sheet per inspector and visit
        assert _refused(SHEET, {**ids, "vid": None, "method": "materials"})  # the partial index survived
        assert _refused(SHEET, {**ids, "vid": ids["vid"] + 1, "method": "inspection"})  # the new key
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM visit WHERE id = :vid"), ids)
            left = conn.execute(sa.text("SELECT method FROM score_sheet")).scalars().all()
        assert left == ["materials"]  # the visit's sheet went with it
        with db.engine.begin() as conn:
            vid = _one(conn, "INSERT INTO visit (campaign_id, unit_id, leader_id, starts_at, announced, created_at)"
                             " VALUES (:cid, :uid, :who, :now, false, :now) RETURNING id", **ids)  # fmt: skip
            _one(conn, SHEET, **{**ids, "vid": vid}, method="inspection")
        downgrade(revision="0014_assessment")
        with db.engine.connect() as conn:
            methods = conn.execute(sa.text("SELECT method FROM score_sheet")).scalars().all()
            tables = set(sa.inspect(conn).get_table_names())
        assert methods == ["materials"]
        assert not tables & {"visit", "visit_member", "visit_photo", "inspection_team", "inspection_conflict"}
        upgrade()
        db.session.remove()
        db.engine.dispose()
