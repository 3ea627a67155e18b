"""材料审核 in a real browser: the office imports its 测评体系 from a workbook, assigns two reviewers with the
balanced proposal, both score the unit's materials on the side-by-side page (saved as they type, one
leaf diverges), and the office resolves the divergence with a reason. Each page passes axe-core; the
reviewer's sheet is checked at desktop width and at 768 px."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evalflow.assessment.parse import parse_tree
from evalflow.assessment.sheets import submitted_marks
from evalflow.assessment.workbook import export_tree
from evalflow.extensions import db
from evalflow.intake.applications import peek_application
from evalflow.intake.models import ApplicationStatus
from evalflow.shared.phases import Phase
from tests import factories
from tests.assessment_trees import small_data
from tests.e2e.steps import serious_violations, shot

pytestmark = pytest.mark.e2e


def _world() -> dict[str, Any]:
    campaign = factories.campaign("2026年度文明单位测评", phase=Phase.TRAINING)
    a = factories.unit(campaign, "甲社区", ApplicationStatus.ACCEPTED, report=True)
    factories.unit(campaign, "乙社区", ApplicationStatus.ACCEPTED, report=True)
    peek_application(
        a
    ).report_text = "一、组织领导\n社区党委牵头,制度健全,台账完整。\n二、阵地建设\n新建新时代文明实践站。"
    factories.office()
    factories.reviewer("zhang", "张评审")
    factories.reviewer("li", "李评审")
    db.session.commit()
    return {"cid": campaign.id, "uid": a.id}


def _sign_in(browser: Any, base: str, username: str, width: int = 1280) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    tab.on("dialog", lambda dialog: dialog.accept())
    tab.goto(base + "/login")
    tab.fill("#username", username)
    tab.fill("#password", factories.PASSWORD)
    tab.click("button[type=submit]")
    return tab


def _accessible(tab: Any, axe_source: str) -> None:
    assert serious_violations(tab, axe_source) == []


def _saved(tab: Any, action: Any) -> None:
    """Do *action* and wait for the sheet's save (one PUT to the API) to be answered 200."""
    with tab.expect_response(
        lambda r: r.url.endswith("/materials-sheet") and r.request.method == "PUT"
    ) as info:
        action()
    assert info.value.status == 200
    tab.wait_for_selector("#save-state.saved")


def _score(tab: Any, world: dict[str, Any], a1: str, axe_source: str, name: str) -> None:
    assert "甲社区" in tab.inner_text("main")
    tab.click(f"a[href$='/units/{world['uid']}']")
    tab.wait_for_load_state()  # the sheet's script is attached (until then Enter would post the form)
    assert "社区党委牵头" in tab.inner_text(".report")
    score = tab.locator("input[name='score-A1']")
    # typing starts a save after a pause and Enter saves at once: on a slow machine the pause's save
    # may come first, so each wait covers the typing too (whichever save answers first)
    _saved(tab, lambda: (score.fill(a1), score.press("Enter")))  # focus moves on to the next leaf
    assert tab.evaluate("document.activeElement.name") == "score-T1"
    _saved(tab, lambda: (tab.keyboard.type("3"), tab.keyboard.press("Enter")))
    comment = tab.locator("textarea[name='comment-A1']")
    _saved(tab, lambda: (comment.fill("制度文件齐全"), comment.blur()))
    assert "已保存" in tab.inner_text("#save-state")
    _accessible(tab, axe_source)
    shot(tab, name)
    tab.click("button[value=submit]")
    tab.wait_for_selector(".badge.phase-final")
    assert tab.locator("input[name='score-A1']").is_disabled()


def test_materials_review_from_workbook_to_a_resolved_divergence(
    app, live_server, browser, axe_source, tmp_path: Path
):
    world = _world()
    base, cid = live_server, world["cid"]
    workbook = tmp_path / "测评体系.xlsx"
    workbook.write_bytes(export_tree(parse_tree(small_data())))

    office = _sign_in(browser, base, "office")
    office.goto(f"{base}/office/campaigns/{cid}")
    office.click("#assessment a >> text=测评体系")
    office.set_input_files("input[name=file]", str(workbook))
    office.click("text=从工作簿导入")
    assert "已从工作簿导入测评体系" in office.inner_text(".flash")
    assert office.locator("input[name=code]").first.input_value() == "A"
    assert "30" in office.inner_text("#totals-kinds")
    office.fill("input[name=points] >> nth=1", "7")  # live totals follow the typing
    assert "31" in office.inner_text("#totals-kinds")
    _accessible(office, axe_source)
    shot(office, "assessment-tree")
    office.reload()

    office.click("nav.subnav >> text=评审分配")
    office.click("text=自动均衡分配(建议)")
    assert office.locator("td.proposed").count() == 4
    office.click("button:has-text('保存分配')")
    assert "评审分配已保存" in office.inner_text(".flash")
    _accessible(office, axe_source)
    shot(office, "assessment-reviewers")

    zhang = _sign_in(browser, base, "zhang")
    _score(zhang, world, "5", axe_source, "assessment-sheet")
    li = _sign_in(browser, base, "li", width=768)
    _score(li, world, "2", axe_source, "assessment-sheet-768")
    marks = submitted_marks(cid)[world["uid"]]
    assert sorted(str(m.points) for m in marks["A1"]) == ["2", "5"]

    office.click("nav.subnav >> text=评分分歧")
    flagged = office.locator("section.divergence")
    assert flagged.count() == 1 and "甲社区 · A1 制度" in flagged.inner_text()
    _accessible(office, axe_source)
    office.fill("section.divergence input[name=points]", "4")
    office.fill("section.divergence textarea[name=reason]", "复核台账后,制度文件齐全但执行记录不足")
    office.click("section.divergence button.primary")
    assert "已认定得分" in office.inner_text(".flash")
    assert "复核台账后" in office.inner_text("section.divergence")
    shot(office, "assessment-divergence")
