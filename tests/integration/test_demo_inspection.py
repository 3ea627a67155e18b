"""The 实地考察 demo: one visit done and signed (with photos), one scheduled and announced."""

from __future__ import annotations

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.inspection import visits
from evalflow.inspection.models import VisitPhoto
from evalflow.inspection.results import signed_marks
from evalflow.shared.access import Actor, Role
from evalflow.shared.campaigns.models import Campaign


def test_demo_inspection_campaign_has_one_visit_signed_and_one_scheduled(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0  # idempotent
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.title.like("%实地考察演示%")))
    rows = visits.board(Actor(Role.OFFICE, label="test"), campaign)
    assert sorted((r.unit.name, r.status.value, r.visit.announced) for r in rows) == [
        ("东街社区", "scheduled", True), ("温泉街道", "signed", False)]  # fmt: skip
    done = next(r for r in rows if r.status.value == "signed")
    marks = signed_marks(campaign.id)[done.unit.id]
    assert {c: sorted(str(m.points) for m in ms) for c, ms in marks.items()} == {
        "A2": ["5", "5.5"], "B1": ["6.4", "8"]}  # fmt: skip
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VisitPhoto)) == 2
