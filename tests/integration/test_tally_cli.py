"""verify-tally reproduces the sealed digest and the tally from an export and fails on a tampered file;
the demo loads a campaign in review with a full tally."""

from __future__ import annotations

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.campaigns.rules import SeatRole
from evalflow.shared.phases import Phase
from evalflow.tally import checks
from evalflow.tally import service as tally
from evalflow.tally.models import TallySeal
from tests.factories import office_actor
from tests.tally_world import build, present_all

NAMES = ["甲社区", "乙社区", "丙社区"]


def sealed_export(tmp_path):
    world = build(NAMES, lambda giver, role, unit: "好" if role is SeatRole.REPORTER or unit == 0 else "较好")
    present_all(world)
    phases.advance_phase(office_actor(), world.campaign, Phase.REVIEW)
    db.session.commit()
    path = tmp_path / "ballots.csv"
    path.write_text(tally.export_ballots_csv(office_actor(), world.campaign), encoding="utf-8")
    return path, db.session.scalar(sa.select(TallySeal.digest))


def test_verify_tally_reproduces_the_sealed_digest(app, tmp_path):
    path, sealed = sealed_export(tmp_path)
    result = app.test_cli_runner().invoke(args=["verify-tally", str(path), "--digest", sealed])
    assert result.exit_code == 0, result.output
    assert f"digest:  {sealed}" in result.output
    assert "  1  甲社区  好:6 较好:0 一般:0  6/6  100.00" in result.output
    assert "verification OK" in result.output


def test_verify_tally_tampered_row_fails_and_says_which(app, tmp_path):
    path, sealed = sealed_export(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if ",较好," in line)
    lines[index] = lines[index].replace(",较好,", ",好,")
    path.write_text("".join(lines), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["verify-tally", str(path), "--digest", sealed])
    assert result.exit_code == 1
    assert f"第 {index + 1} 行:内容与该行校验值不符,已被改动。" in result.output
    assert f"摘要与封存摘要 {sealed} 不符。" in result.output
    assert "verification FAILED" in result.output


def test_demo_loads_a_sealed_tally_with_signals_and_a_proposed_list(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.title.like("%综合评定演示%")))
    assert campaign.phase is Phase.REVIEW
    report = checks.tally_report(office_actor(), campaign)
    assert report.tally.seal.digest == report.digest and report.tally.seal.ballots == report.ballots == 167
    assert {s.kind for s in report.signals} == {"flat", "reciprocity", "downgrade"}
    assert len(tally.proposed_unit_ids(campaign)) == 4
