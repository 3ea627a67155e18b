"""综合测评 in a real browser: the office opens the results page where 材料审核, 实地考察 and the briefing
combine into each unit's total (tests/review_world.py has the hand-computed figures), clicks 甲's total,
follows its 材料审核 leaf to 张评审's mark (who, when, comment) and on to the reviewer's sheet. Each page
passes axe-core; the results and trace pages are looked at on a desktop and at 360 px (screenshots)."""

from __future__ import annotations

from typing import Any

import pytest

from evalflow.assessment.models import ScoreSheet, SheetScore
from evalflow.extensions import db
from tests.e2e.steps import serious_violations, shot, sign_in
from tests.review_world import build

pytestmark = pytest.mark.e2e


def _world() -> Any:
    world = build()
    sheet = db.session.scalars(
        db.select(ScoreSheet).where(
            ScoreSheet.unit_id == world.units[0].id, ScoreSheet.scorer_id == world.users["zhang"].id
        )
    ).one()
    score = db.session.scalars(db.select(SheetScore).where(SheetScore.sheet_id == sheet.id)).first()
    score.comment = "制度齐全,台账缺一季度"
    db.session.commit()
    return world


def test_office_follows_a_total_to_a_reviewers_sheet(app, live_server, page, axe_source):
    world = _world()
    sign_in(page, live_server, "office")
    page.goto(f"{live_server}/office/campaigns/{world.cid}/composite")
    assert "计分公式" in page.inner_text("#formula-head")
    head = page.locator(".composite-table thead").inner_text()
    assert "材料审核" in head and "实地考察" in head and "集中汇报互评" in head
    first = page.locator(".composite-table tbody tr").nth(0).inner_text()
    assert "甲" in first and "5.50" in first and "3.50" in first and "10.00" in first and "23.00" in first
    assert serious_violations(page, axe_source) == []
    shot(page, "review-composite-desktop")

    page.click("a[aria-label^='甲 的总分 23.00']")
    assert "甲 的测评表" in page.inner_text("h1")
    leaf = page.locator("#leaf-A1")
    assert "5.50" in leaf.inner_text()
    mark = leaf.locator("li.mark", has_text="张评审")
    assert "制度齐全,台账缺一季度" in mark.inner_text() and "提交于" in mark.inner_text()
    assert "林组长" in page.locator("#leaf-A2").inner_text()
    assert serious_violations(page, axe_source) == []
    shot(page, "review-trace-desktop")

    mark.locator("text=评分表与申报材料").click()
    assert "甲 的材料审核评分表" in page.inner_text("h1")
    assert "张评审" in page.inner_text("table thead")
    assert serious_violations(page, axe_source) == []

    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{live_server}/office/campaigns/{world.cid}/composite")
    assert serious_violations(page, axe_source) == []
    shot(page, "review-composite-360")
    page.goto(f"{live_server}/office/campaigns/{world.cid}/composite/units/{world.units[0].id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    shot(page, "review-trace-360")
