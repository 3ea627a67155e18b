"""The 问卷调查 demo: answers for three units, one anomaly signal (a burst from one address), an
undecided problem from one department and a department that has not answered."""

from __future__ import annotations

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared.access import Actor, Role
from evalflow.shared.campaigns.models import Campaign
from evalflow.survey import departments, results
from evalflow.survey.signals import SignalKind


def test_demo_survey_has_results_and_exactly_one_anomaly_signal(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0  # idempotent
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.title.like("%问卷调查演示%")))
    office = Actor(Role.OFFICE, label="test")
    rows = {r.unit.name: r for r in results.unit_results(office, campaign)}
    assert {name: (r.valid, r.reached) for name, r in rows.items()} == {
        "鼓楼街道": (22, True), "南街社区": (12, True), "西湖社区": (12, True)}  # fmt: skip
    assert all(r.satisfied_rate is not None and 0 < r.satisfied_rate < 1 for r in rows.values())
    found = results.anomalies(office, campaign, 20)
    assert [(s.kind, len(s.answer_ids)) for s in found] == [(SignalKind.BURST_ADDRESS, 10)]
    board = departments.board(office, campaign)
    assert [(o.verdict, u.name) for o, _, u in board.opinions if o.verdict == "problem"] == [
        ("problem", "南街社区")
    ]
    assert [(d.name, len(units)) for d, units in board.missing] == [("区市场监管局", 3)]
