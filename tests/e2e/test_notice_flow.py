"""In a browser, as a new user would: the public notice (desktop and a 360 px phone), an objection
filed through the form, the office answering it, and the reply visible under the receipt."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from evalflow.extensions import db
from evalflow.shared.phases import Phase
from tests.e2e.steps import shot
from tests.factories import PASSWORD
from tests.notice_world import CONTACT, published_world, review_world, set_phase, set_today


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"WTF_CSRF_SSL_STRICT": False}


def sign_in(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#username", "office")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def test_notice_objection_to_reply_in_browser(app, live_server, page, browser):
    world, item = published_world(app)
    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True)
    tab = phone.new_page()
    tab.goto(f"{live_server}/")
    tab.get_by_role("link", name=item.title).click()
    expect(tab.locator("h1")).to_have_text(item.title)
    assert tab.evaluate("document.documentElement.scrollWidth") <= 360
    shot(tab, "notice-public-360")
    tab.get_by_role("link", name="提出异议").first.click()
    expect(tab.locator("#contact_name")).to_be_hidden()  # only a unit names a contact person
    tab.get_by_label("单位", exact=True).check()
    expect(tab.locator("#contact_name")).to_be_visible()
    tab.get_by_label("个人", exact=True).check()
    tab.select_option("#unit_id", str(world.b.id))
    tab.fill("#name", "王五")
    tab.fill("#phone", "13900001111")
    tab.fill("#content", "该单位在创建活动中存在弄虚作假的情况,请核查。")
    shot(tab, "objection-form-360")
    tab.get_by_role("button", name="提交异议").click()
    expect(tab.locator("h1")).to_contain_text("异议回执")
    receipt_url = tab.url.split("?")[0]
    expect(tab.locator("main")).to_contain_text("已受理")
    shot(tab, "objection-receipt-360")

    sign_in(page, live_server)
    page.goto(f"{live_server}/office/campaigns/{world.campaign.id}/objections")
    page.get_by_role("button", name="转入调查核实").click()
    expect(page.locator("main")).to_contain_text("调查核实中")
    page.get_by_label("异议不成立", exact=True).check()
    page.locator("textarea").fill("经实地核查,反映情况不属实。")
    shot(page, "office-objections")
    page.get_by_role("button", name="答复并结案").click()
    expect(page.locator("main")).to_contain_text("已答复")
    page.goto(f"{live_server}/office/campaigns/{world.campaign.id}/notice")
    shot(page, "office-notice")
    page.goto(f"{live_server}/notices/{item.id}")
    shot(page, "notice-public-desktop")

    tab.goto(receipt_url)
    expect(tab.locator("main")).to_contain_text("异议不成立")
    expect(tab.locator("main")).to_contain_text("反映情况不属实")
    shot(tab, "objection-answered-360")
    phone.close()


def test_office_drafts_notice_past_known_calendar_in_browser(app, live_server, page):
    world = review_world(app)
    set_today(app, date(2026, 12, 28))
    sign_in(page, live_server)
    page.goto(f"{live_server}/office/campaigns/{world.campaign.id}/notice")
    expect(page.locator(".flash-error").first).to_contain_text("2027")
    page.fill("#phone", CONTACT["phone"])
    page.fill("#email", CONTACT["email"])
    page.fill("#address", CONTACT["address"])
    page.fill("#postcode", CONTACT["postcode"])
    page.get_by_role("button", name="保存公示草稿").click()
    expect(page.locator("main")).to_contain_text("公示草稿已保存")
    shot(page, "office-notice-draft-2027")
    page.get_by_role("button", name="发布公示").click()
    expect(page.locator("main")).to_contain_text("公示已发布")
    page.goto(f"{live_server}/")
    shot(page, "landing-open-notice")
    assert page.get_by_role("link", name="关于2026年度文明单位评选拟表彰单位名单的公示").is_visible()


def test_commendation_and_calendar_pages_in_browser(app, live_server, page, browser):
    world, item = published_world(app)
    set_phase(world.campaign, Phase.FINAL)
    db.session.commit()
    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True)
    tab = phone.new_page()
    tab.goto(f"{live_server}/commendations/{world.campaign.id}")
    expect(tab.locator("h1")).to_contain_text("关于命名2026年度文明单位的决定")
    assert tab.evaluate("document.documentElement.scrollWidth") <= 360
    shot(tab, "commendation-360")
    phone.close()
    sign_in(page, live_server)
    page.goto(f"{live_server}/office/calendar")
    page.fill("#day", "2027-02-06")
    page.select_option("#is_workday", "1")
    page.fill("#note", "春节调休上班")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("main")).to_contain_text("春节调休上班")
    shot(page, "office-calendar")
