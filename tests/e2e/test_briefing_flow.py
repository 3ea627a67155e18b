"""The briefing as the hall lives it, in a real browser: the office runs the control panel while
three phone-sized ballot pages follow each presentation by themselves and grade with one tap."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.models import Ballot
from tests.briefing_world import build
from tests.e2e.conftest import shot
from tests.e2e.test_training_flow import sign_in

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "zh-CN", "is_mobile": True, "has_touch": True}


def test_briefing_flow_with_phones(app, client, live_server, browser, page):
    world = build(client)
    cid = world.cid
    uids = [world.uid(i) for i in range(3)]
    phones = []
    for i in range(3):
        phone = browser.new_context(**PHONE).new_page()
        phone.goto(f"{live_server}/s/{world.seats[(i, 'reporter')]}")
        assert "集中汇报正在进行" in phone.inner_text("#ballot")
        phones.append(phone)

    sign_in(page, live_server, "office")
    panel = f"{live_server}/office/campaigns/{cid}/briefing"
    page.goto(panel)
    grades = ["好", "较好", "一般"]
    for index, uid in enumerate(uids):
        page.click(f"#open-{uid}")
        page.wait_for_selector(f"#close-{uid}")
        name = world.units[index].name
        for voter, phone in enumerate(phones):
            if voter == index:
                phone.wait_for_selector("text=本单位正在汇报")
                continue
            phone.wait_for_selector(f".ballot-unit:has-text('{name}')")
            phone.click(f"button.grade-btn[value='{grades[voter]}']")
            phone.wait_for_selector(f"#ballot-status:has-text('已记录:{grades[voter]}')")
        if index == 1:
            shot(phones[0], "briefing-ballot-360")
            assert phones[0].evaluate("document.documentElement.scrollWidth") <= 360
        # The panel's counter follows without a reload.
        page.wait_for_selector("#live-ballots:has-text('2')")
        assert page.inner_text("#live-role-reporter") == "2 / 2"
        if index == 0:
            shot(page, "briefing-panel")
        page.click(f"#close-{uid}")
        page.wait_for_selector(f"#agenda-{uid} .status-closed")

    for phone in phones:
        phone.wait_for_selector("text=评分已结束")
    db.session.expire_all()
    rows = db.session.execute(sa.select(Ballot.unit_id, Ballot.grade)).all()
    assert len(rows) == 6
    assert sorted(rows) == sorted((uids[t], grades[v]) for t in range(3) for v in range(3) if v != t)
    page.goto(f"{live_server}/office/campaigns/{cid}/briefing/screen")
    shot(page, "briefing-screen")
