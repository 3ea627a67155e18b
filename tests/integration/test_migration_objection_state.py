"""Migration 0019: an objection's ``status`` + ``investigating_at`` become one ``state`` column and go
back again without losing a row's meaning — on both engines."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from evalflow import create_app
from evalflow.extensions import db
from tests.factories import make_config

NOW = "2026-12-01 00:00:00+00:00"
BEFORE = "0017_inspection"


def _one(conn: sa.Connection, sql: str, **params: Any) -> Any:
    return conn.execute(sa.text(sql), {"now": NOW, **params}).scalar_one()


def _notice(conn: sa.Connection) -> dict[str, int]:
    cid = _one(conn, "INSERT INTO campaign (title, description, phase, notice_working_days, scale, created_at,"
                     " updated_at) VALUES ('t', '', 'notice', 5, '[]', :now, :now) RETURNING id")  # fmt: skip
    uid = _one(conn, "INSERT INTO unit (campaign_id, name, category, contact_name, contact_phone, approved,"
                     " created_at) VALUES (:cid, '甲', '', '', '', true, :now) RETURNING id", cid=cid)  # fmt: skip
    nid = _one(conn, "INSERT INTO notice (campaign_id, title, starts_on, ends_on, contact, published_at,"
                     " starts_on_default) VALUES (:cid, 'n', '2026-12-01', '2026-12-08', '{}', :now, false)"
                     " RETURNING id", cid=cid)  # fmt: skip
    return {"uid": uid, "nid": nid}


def _objection(conn: sa.Connection, ids: dict[str, int], receipt: str, column: str, value: str,
               investigating: bool, resolved: bool) -> None:  # fmt: skip
    conn.execute(
        sa.text(
            f"INSERT INTO objection (notice_id, unit_id, kind, name, contact_name, phone, email, content,"
            f" receipt, {column}, investigating_at, reply, created_at, resolved_at) VALUES (:nid, :uid,"
            f" 'individual', '张三', '', '13800000000', '', '异议内容写得足够长', :receipt, :value, :inv, '',"
            f" :now, :res)"
        ),
        {**ids, "now": NOW, "receipt": receipt, "value": value,
         "inv": NOW if investigating else None, "res": NOW if resolved else None},
    )  # fmt: skip


def _rows(column: str) -> list[tuple[str, str, bool]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text(f"SELECT receipt, {column}, investigating_at FROM objection ORDER BY receipt")
        )
        return [(r[0], r[1], r[2] is not None) for r in rows]


def _refused(ids: dict[str, int], value: str, investigating: bool, resolved: bool) -> bool:
    try:
        with db.engine.begin() as conn:
            _objection(conn, ids, "zz", "state", value, investigating, resolved)
    except sa.exc.IntegrityError:
        return True
    return False


def test_migration_0019_makes_one_state_and_goes_back(db_url: str, tmp_path: Any) -> None:
    app = create_app(make_config(db_url, tmp_path))
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            ids = _notice(conn)
            _objection(conn, ids, "a", "status", "open", investigating=False, resolved=False)
            _objection(conn, ids, "b", "status", "open", investigating=True, resolved=False)
            _objection(conn, ids, "c", "status", "upheld", investigating=True, resolved=True)
            _objection(conn, ids, "d", "status", "dismissed", investigating=False, resolved=True)
        upgrade()
        assert _rows("state") == [
            ("a", "received", False), ("b", "investigating", True),
            ("c", "upheld", True), ("d", "dismissed", False),
        ]  # fmt: skip
        assert _refused(ids, "open", investigating=False, resolved=False)  # no such state any more
        assert _refused(ids, "received", investigating=False, resolved=True)  # unresolved has no time
        assert _refused(ids, "upheld", investigating=False, resolved=False)  # resolved has one
        assert _refused(ids, "investigating", investigating=False, resolved=False)  # since when?
        assert not _refused(ids, "investigating", investigating=True, resolved=False)
        downgrade(revision=BEFORE)
        assert _rows("status") == [
            ("a", "open", False), ("b", "open", True), ("c", "upheld", True),
            ("d", "dismissed", False), ("zz", "open", True),
        ]  # fmt: skip
        upgrade()
        assert [state for _, state, _ in _rows("state")] == [
            "received",
            "investigating",
            "upheld",
            "dismissed",
            "investigating",
        ]
        db.session.remove()
        db.engine.dispose()
