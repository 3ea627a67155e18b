"""Accessibility in a real browser: axe-core finds no serious or critical violation on the pages
people use most (landing, login, campaign, review, seat), on a desktop and on a phone; header
links and file inputs are at least 24 px tall on a phone (WCAG 2.2 target size).

axe-core comes from npm, pinned in tests/e2e/package.json (install: ``npm ci --prefix tests/e2e``).
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.intake.models import Application, ApplicationStatus
from tests.e2e.steps import serious_violations, shot
from tests.factories import PASSWORD
from tests.intake_world import build

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def pages(app, live_server) -> dict[str, str]:
    world = build()
    row = db.session.scalar(sa.select(Application).where(Application.unit_id == world.a.id))
    row.report_title, row.report_text = "甲社区汇报", "一、加强领导\n正文"
    row.status = ApplicationStatus.SUBMITTED
    db.session.commit()
    cid = world.campaign.id
    return {
        "landing": "/",
        "login": "/login",
        "campaign": f"/office/campaigns/{cid}",
        "review": f"/office/campaigns/{cid}/units/{world.a.id}/application",
        "seat": f"/s/{world.tokens['seat']}",
        "unit": "/unit/",
        "register": "/unit/register",
    }


def sign_in(page: Any, base: str, username: str, landing: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(landing)


def sign_in_office(page: Any, base: str) -> None:
    sign_in(page, base, "office", "**/office/")


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE], ids=["desktop", "phone"])
def test_axe_finds_no_serious_violation(browser, live_server, pages, axe_source, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    found = {}
    try:
        for name in ("landing", "login", "seat", "register"):
            page.goto(live_server + pages[name])
            found[name] = serious_violations(page, axe_source)
        sign_in_office(page, live_server)
        for name in ("campaign", "review"):
            page.goto(live_server + pages[name])
            found[name] = serious_violations(page, axe_source)
            shot(page, f"a11y-{name}-{viewport['width']}")
    finally:
        context.close()
    context = browser.new_context(viewport=viewport, locale="zh-CN")  # a second person: a unit
    try:
        unit = context.new_page()
        sign_in(unit, live_server, "unit-a", "**/unit/")
        unit.goto(live_server + pages["unit"])
        found["unit"] = serious_violations(unit, axe_source)
    finally:
        context.close()
    assert found == {name: [] for name in found}
    assert set(found) == {"landing", "login", "campaign", "review", "seat", "register", "unit"}


TARGET_SIZES = """() => [...document.querySelectorAll('.topbar a, .topbar button, input[type=file]')]
  .filter(e => e.offsetParent !== null)
  .map(e => ({what: e.outerHTML.slice(0, 80), height: e.getBoundingClientRect().height}))"""


def test_header_links_and_file_inputs_are_tall_enough_on_a_phone(browser, live_server, pages):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    try:
        measured = []
        page.goto(live_server + pages["landing"])
        measured += page.evaluate(TARGET_SIZES)
        sign_in_office(page, live_server)
        page.goto(live_server + pages["review"])
        measured += page.evaluate(TARGET_SIZES)
    finally:
        context.close()
    assert any('type="file"' in m["what"] for m in measured)
    assert len(measured) >= 5
    assert [m for m in measured if m["height"] < 24] == []
