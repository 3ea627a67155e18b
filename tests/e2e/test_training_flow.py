"""The training as new users live it, in a real browser: the office marks attendance and answers a
question every unit then sees; a unit checks in by the venue QR; printed credential cards open the
right seat page on a phone."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from tests.e2e.steps import shot, sign_in
from tests.training_world import build

pytestmark = pytest.mark.e2e


def test_training_flow_in_the_browser(app, client, live_server, browser, page, tmp_path: Path):
    world = build(client)
    cid = world.campaign.id
    sign_in(page, live_server, "office")
    page.goto(f"{live_server}/office/campaigns/{cid}/training")
    assert "0 / 2" in page.inner_text(".progress-panel")
    page.locator(f"form[action$='/units/{world.a.id}/attendance'] button").click()
    assert "1 / 2" in page.inner_text(".progress-panel")
    shot(page, "training-office")

    page.goto(f"{live_server}/office/campaigns/{cid}/faq")
    page.fill("#question", "汇报几分钟?")
    page.fill("#answer", "每个单位八分钟。")
    page.click("button:has-text('发布给所有单位')")

    page.goto(f"{live_server}/office/campaigns/{cid}/training")
    page.click("#checkin button:has-text('开始签到')")
    checkin_url = page.inner_text(".checkin-display .break").strip()

    unit = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    sign_in(unit, live_server, "unit-b")
    unit.goto(f"{live_server}/unit/faq")
    assert "每个单位八分钟。" in unit.inner_text("main")
    unit.goto(checkin_url)
    unit.click("button:has-text('确认签到')")
    assert "签到成功" in unit.inner_text(".flash")
    page.goto(f"{live_server}/office/campaigns/{cid}/training")
    assert "2 / 2" in page.inner_text(".progress-panel")

    page.goto(f"{live_server}/office/campaigns/{cid}/seats")
    with page.expect_download() as download:
        page.click("button:has-text('打印全部代表证')")
    pdf = tmp_path / "cards.pdf"
    download.value.save_as(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "p")], check=True)
    with Image.open(next(tmp_path.glob("p-*.png"))) as image:
        codes = [s.data.decode() for s in decode(image)]
    assert len(codes) == 1

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN"
    ).new_page()
    phone.goto(codes[0])
    text = phone.inner_text("main")
    assert "张三" in text and "甲社区" in text and "评分尚未开始" in text
    shot(phone, "seat-phone")
