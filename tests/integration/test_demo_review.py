"""The 综合测评 demo: a campaign in review whose composite combines 材料审核, 实地考察 and the briefing —
the hand-computed totals of evalflow/demo/review.py, both seals intact, the list from the composite."""

from __future__ import annotations

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.review import seal, service
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.phases import Phase
from evalflow.tally import service as tally
from evalflow.tally.rules import display
from tests.factories import office_actor


def test_demo_composite_values(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "composite demo campaign" in result.output
    assert runner.invoke(args=["demo"]).exit_code == 0  # idempotent
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.title.like("%综合测评演示%")))
    assert campaign.phase is Phase.REVIEW
    found = service.composite(office_actor(), campaign)
    got = [
        (r.name, {m.value: str(display(s.points)) for m, s in r.sources.items()}, str(display(r.bonus)),
         str(display(r.total)), r.rank, found.verdicts[r.unit_id].qualifies, r.complete)
        for r in found.results
    ]  # fmt: skip
    assert got == [
        ("鼓楼社区", {"materials": "9.25", "inspection": "9.00", "briefing": "20.00"}, "2.00", "40.25", 1, True, True),
        ("晋安社区", {"materials": "8.75", "inspection": "8.50", "briefing": "16.00"}, "0.00", "33.25", 2, True, True),
        ("台江社区", {"materials": "8.00", "inspection": "7.50", "briefing": "16.00"}, "0.00", "31.50", 3, True, True),
        ("仓山社区", {"materials": "7.25", "inspection": "6.50", "briefing": "12.00"}, "0.00", "25.75", 4, False, True),
    ]  # fmt: skip
    check = seal.check(found)
    assert check is not None and check.intact
    assert tally.seal_check(campaign).intact
    names = {r.unit_id: r.name for r in found.results}
    assert [names[u] for u in tally.proposed_unit_ids(campaign)] == ["鼓楼社区", "晋安社区", "台江社区"]
