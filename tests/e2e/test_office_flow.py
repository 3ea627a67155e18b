"""An office user's first steps, in a real browser: sign in, create a campaign, edit its scale,
open intake, and see exactly why the campaign cannot yet leave intake."""

from __future__ import annotations

import pytest

from tests import factories
from tests.e2e.steps import shot, sign_in

pytestmark = pytest.mark.e2e


def test_office_creates_campaign_and_sees_blocked_reasons(app, live_server, page):
    factories.admin()
    sign_in(page, live_server, "office")
    assert page.url.endswith("/office/")
    page.click("text=新建评选活动")
    page.fill("#title", "2026年度社区文明单位评选")
    page.fill("#description", "集中培训、集中汇报互评、媒体公示。")
    page.click("button:has-text('创建')")
    assert page.locator("h1").inner_text() == "2026年度社区文明单位评选"

    page.click("text=编辑评定表")
    page.fill("input[name='grades-0-points']", "98")
    page.fill("input[name='grades-3-label']", "差")
    page.fill("input[name='grades-3-points']", "40")
    page.fill("textarea[name='grades-3-criteria']", "创建工作基本未开展。")
    shot(page, "scale-editor")
    page.click("button:has-text('保存评定表')")
    assert "评定表已保存。" in page.inner_text(".flash")
    rows = page.locator(".table tbody tr").all_inner_texts()
    assert [r.split("\t")[:2] for r in rows[:4]] == [
        ["好", "98"],
        ["较好", "80"],
        ["一般", "60"],
        ["差", "40"],
    ]

    page.click("button:has-text('进入“申报”阶段')")
    assert "已进入“申报”阶段。" in page.inner_text(".flash")
    reasons = page.locator(".blocked-reasons li").all_inner_texts()
    assert reasons == ["至少需要 2 个已通过审核的申报单位,目前只有 0 个。"]
    assert page.locator("button:has-text('进入“集中培训”阶段')").is_disabled()
    assert page.locator(".timeline li.current").inner_text().endswith("申报")
    shot(page, "campaign-blocked")


def test_phone_sized_login_page_fits(app, live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(live_server + "/login")
    width = page.evaluate("document.documentElement.scrollWidth")
    shot(page, "login-phone")
    context.close()
    assert width <= 390
