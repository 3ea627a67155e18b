"""A campaign's backup carries its 测评体系: the tree, the reviewers (their accounts too), the sheets,
the office's decisions — and restores them, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from evalflow import create_app
from evalflow.assessment.tree_rows import load_tree
from evalflow.extensions import db
from evalflow.office import backup
from evalflow.review import leaf_totals
from evalflow.shared.phases import Phase
from tests import assessment_world
from tests.conftest import make_config

TABLES = {
    "assessment_settings",
    "indicator",
    "reviewer_assignment",
    "score_sheet",
    "sheet_score",
    "divergence_decision",
    "user",
}


def _documents(campaign_id: int) -> dict[str, Any]:
    found = backup.table_documents(backup.collect(campaign_id))
    return {name: rows for name, rows in found.items() if name in TABLES}


def test_backup_round_trip_keeps_the_assessment(app, client, tmp_path: Path):
    world = assessment_world.build(Phase.TRAINING)
    for who, points in (("zhang", 6), ("li", 1)):
        response = client.put(
            world.sheet_url(), json={"scores": {"A1": points}, "submit": True}, headers=world.headers(who)
        )
        assert response.status_code == 200
    decided = client.post(
        f"/api/v1/campaigns/{world.cid}/units/{world.a.id}/divergences/decision",
        json={"code": "A1", "points": 4, "reason": "复核"},
        headers=world.headers("office"),
    )
    assert decided.status_code == 200
    before = _documents(world.cid)
    assert {len(before[t]) for t in ("score_sheet", "divergence_decision")} == {2, 1}
    assert {u["username"] for u in before["user"]} >= {"zhang", "li", "wang"}
    tree = load_tree(world.cid)
    with db.engine.connect() as conn:
        figures = leaf_totals.kept(conn, world.cid)  # the counted marks per unit and leaf
    assert figures
    archive = tmp_path / "assessment.zip"
    assert app.test_cli_runner().invoke(args=["export", str(world.cid), str(archive)]).exit_code == 0
    target = create_app(
        make_config(f"sqlite:///{tmp_path / 'restored.sqlite3'}", tmp_path / uuid.uuid4().hex[:6])
    )
    with target.app_context():
        db.create_all()
        try:
            result = target.test_cli_runner().invoke(args=["import", str(archive)])
            assert result.exit_code == 0, result.output
            assert _documents(world.cid) == before
            assert load_tree(world.cid) == tree
            with db.engine.connect() as conn:  # not in the archive: rebuilt by the triggers as rows came in
                assert leaf_totals.kept(conn, world.cid) == leaf_totals.recount(conn, world.cid) == figures
        finally:
            db.session.remove()
            db.engine.dispose()
