"""A campaign's backup carries its survey and opinions — the questionnaire, codes (hashes only),
answers with their invalidation, departments and their opinions with the office's decisions — and
restores them, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from evalflow import create_app
from evalflow.extensions import db
from evalflow.office import backup
from evalflow.survey.results import satisfied_rates
from tests import factories
from tests.conftest import make_config
from tests.survey_world import build

TABLES = {"survey", "survey_code", "survey_answer", "survey_department", "survey_opinion"}


def _documents(campaign_id: int) -> dict[str, Any]:
    found = backup.table_documents(backup.collect(campaign_id))
    return {name: rows for name, rows in found.items() if name in TABLES}


def test_backup_round_trip_keeps_the_survey(app, client, auth, tmp_path: Path):
    world = build(mode="coded")
    codes = client.post(f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/survey-codes", json={"count": 2},
                        headers=auth.headers(world.office)).get_json()["codes"]  # fmt: skip
    body = {"respondent": "staff", "choices": [0, 2], "code": codes[0]}
    assert (
        client.post(
            f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/survey-answers", json=body
        ).status_code
        == 201
    )
    factories.survey_answer(world.b, "resident", [2, 2], satisfied=0, chosen=2, invalid="重复")
    department = factories.department(world.campaign, "公安局")
    factories.opinion(department, world.a, "problem", "消防隐患")
    db.session.commit()
    before = _documents(world.campaign.id)
    assert {name: len(rows) for name, rows in before.items()} == {
        "survey": 1, "survey_code": 2, "survey_answer": 2, "survey_department": 1, "survey_opinion": 1}  # fmt: skip
    archive = tmp_path / "survey.zip"
    assert app.test_cli_runner().invoke(args=["export", str(world.campaign.id), str(archive)]).exit_code == 0
    target = create_app(
        make_config(f"sqlite:///{tmp_path / 'restored.sqlite3'}", tmp_path / uuid.uuid4().hex[:6])
    )
    with target.app_context():
        db.create_all()
        try:
            result = target.test_cli_runner().invoke(args=["import", str(archive)])
            assert result.exit_code == 0, result.output
            assert _documents(world.campaign.id) == before
            assert list(satisfied_rates(world.campaign.id).values()) == [1 / 2]
        finally:
            db.session.remove()
            db.engine.dispose()
