"""The 综合测评's seal on both databases: taken with the tally's at briefing → review, it covers every
composite input; `flask verify-tally --composite` recomputes every composite from the export and its
digest; a sheet score changed after the seal is found (API flag, page in red, the notice refused);
settings cannot change after the seal (409)."""

from __future__ import annotations

import json

import sqlalchemy as sa

from evalflow.assessment.models import SheetScore
from evalflow.extensions import db
from evalflow.review.models import CompositeSeal
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.phases import Phase
from evalflow.tally import service as tally
from evalflow.tally.models import TallySeal
from tests.factories import login, office_actor
from tests.review_world import build, tree_data


def _sealed(tmp_path):
    world = build()
    phases.advance_phase(office_actor(), world.campaign, Phase.REVIEW)
    db.session.commit()
    ballots = tmp_path / "ballots.csv"
    ballots.write_text(tally.export_ballots_csv(office_actor(), world.campaign), encoding="utf-8")
    return world, ballots


def _export(client, world, tmp_path):
    response = client.get(f"/api/v1/campaigns/{world.cid}/composite/export", headers=world.headers("office"))
    assert response.status_code == 200
    path = tmp_path / "composite.json"
    path.write_bytes(response.get_data())
    return path


def test_the_seal_covers_the_composite_and_verify_recomputes_it(app, client, tmp_path):
    world, ballots = _sealed(tmp_path)
    row = db.session.scalar(sa.select(CompositeSeal))
    assert row.units == 3 and row.ballots_digest == db.session.scalar(sa.select(TallySeal.digest))
    body = client.get(f"/api/v1/campaigns/{world.cid}/composite", headers=world.headers("office")).get_json()
    assert body["sealed"] == {"intact": True, "digest": row.digest, "current_digest": row.digest}
    path = _export(client, world, tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["digest"] == row.digest
    assert [(r["total"], r["rank"]) for r in data["results"]] == [("23", 1), ("17", 2), ("15", 3)]
    args = ["verify-tally", str(ballots), "--composite", str(path), "--composite-digest", row.digest]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "  1  甲  23.00" in result.output and "  3  丙  15.00" in result.output
    assert f"composite digest: {row.digest}" in result.output
    assert "composite verification OK" in result.output


def test_a_tampered_export_fails_verification(app, client, tmp_path):
    world, ballots = _sealed(tmp_path)
    path = _export(client, world, tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["units"][0]["marks"]["A1"][0][1] = "4"  # 李 gave 6, now 4
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["verify-tally", str(ballots), "--composite", str(path)])
    assert result.exit_code == 1
    assert "digest differs from the file's" in result.output
    assert "composite verification FAILED" in result.output


def test_a_score_changed_after_the_seal_is_flagged(app, client, tmp_path):
    world, _ = _sealed(tmp_path)
    score = db.session.scalars(sa.select(SheetScore).where(SheetScore.points == 6)).first()
    score.points = 5
    db.session.commit()
    body = client.get(f"/api/v1/campaigns/{world.cid}/composite", headers=world.headers("office")).get_json()
    assert body["sealed"]["intact"] is False
    assert body["sealed"]["current_digest"] != body["sealed"]["digest"]
    login(client, "office")
    html = client.get(f"/office/campaigns/{world.cid}/composite").get_data(as_text=True)
    assert "seal-broken" in html and "封存校验未通过" in html
    moved = client.post(
        f"/api/v1/campaigns/{world.cid}/transitions", json={"to": "notice"}, headers=world.headers("office")
    )
    assert moved.status_code == 409
    assert any("综合测评的数据在封存后被改动" in r for r in moved.get_json()["error"]["reasons"])


def test_settings_cannot_change_after_the_seal(app, client, tmp_path):
    world, _ = _sealed(tmp_path)
    response = client.put(
        f"/api/v1/campaigns/{world.cid}/indicators",
        json=tree_data(bonus_cap=6),
        headers=world.headers("office"),
    )
    assert response.status_code == 409


def test_without_a_tree_nothing_is_sealed_and_the_move_is_as_before(app, client, tmp_path):
    world = build(score=False)
    db.session.execute(sa.text("DELETE FROM indicator"))
    db.session.execute(sa.text("DELETE FROM assessment_settings"))
    db.session.commit()
    phases.advance_phase(office_actor(), world.campaign, Phase.REVIEW)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CompositeSeal)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TallySeal)) == 1
