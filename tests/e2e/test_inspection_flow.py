"""实地考察 on a 360 px phone, in a real browser: the inspector fills the sheet with the network cut,
adds two photos, opens the page again still offline, comes back online and sees it synced once (a
second sync changes nothing in the database); the leader signs, and the office sees the points on
its board and in the 综合测评."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from evalflow.assessment.models import SheetScore
from evalflow.extensions import db
from evalflow.inspection import sheets, visits
from evalflow.inspection.models import VisitMember, VisitPhoto
from evalflow.inspection.results import signed_marks
from evalflow.shared.accounts import actors
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.phases import Phase
from tests.e2e.steps import serious_violations, shot
from tests.factories import PASSWORD
from tests.inspection_world import build, jpeg, visit_body

pytestmark = pytest.mark.e2e
PHONE = {"width": 360, "height": 740}


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def _counts() -> tuple[int, ...]:
    db.session.rollback()  # read what the server committed
    return tuple(
        db.session.scalar(stmt) or 0
        for stmt in (
            sa.select(sa.func.count()).select_from(SheetScore),
            sa.select(sa.func.count()).select_from(VisitPhoto),
            sa.select(sa.func.count()).where(AuditEntry.action.like("inspection.%")),
        )
    )


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _fill_offline(page: Any, context: Any) -> None:
    context.set_offline(True)
    page.fill("#score-A2", "3.5")
    page.check("input[name='grade-G1'][value='较好']")
    page.fill("#comment-A2", "阵地整洁,台账齐全")
    page.fill("#summary", "听取介绍、查看阵地")
    for name in ("a.jpg", "b.jpg"):
        page.set_input_files(
            "#photo-A2", files=[{"name": name, "mimeType": "image/jpeg", "buffer": jpeg((120, 90))}]
        )
    expect(page.locator("#pending")).to_have_text("3 项待同步")


def test_inspection_offline_sheet_syncs_once_and_the_signed_points_count(
    app, live_server, browser, axe_source
):
    world = build()
    office = actors.actor_for_user(world.office)
    vid = visits.create_visit(office, world.campaign, visit_body(world)).id
    db.session.commit()
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    _sign_in(page, live_server, "lead")
    page.wait_for_url("**/inspect/")
    page.goto(f"{live_server}/inspect/visits/{vid}")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now under the service worker, which keeps a copy
    assert serious_violations(page, axe_source) == []

    _fill_offline(page, context)
    assert _counts() == (0, 0, 1)  # only the visit's creation: nothing reached the server
    shot(page, "inspection-sheet-offline-360")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.accept()))
    page.reload()  # still offline: the service worker opens it, the device restores the work
    assert dialogs == ["beforeunload"]
    # the device restores the work asynchronously (the photos come from IndexedDB): wait for it
    expect(page.locator("#score-A2")).to_have_value("3.5")
    expect(page.locator("ul.thumbs[data-code='A2'] li")).to_have_count(2)
    _no_sideways_scroll(page)

    context.set_offline(False)
    expect(page.locator("#pending")).to_have_text("全部已同步", timeout=15000)
    synced = _counts()
    assert synced[:2] == (2, 2)  # A2 (with its comment) and G1 marked; two photos
    page.click("#sync-now")
    page.evaluate("window.evalflowInspection.sync()")
    assert _counts() == synced  # a second sync changes nothing
    shot(page, "inspection-sheet-synced-360")

    page.click("#submit-sheet")
    page.wait_for_selector("#sheet-status:not([hidden])")
    mate = actors.actor_for_user(world.mate)
    sheets.save_sheet(mate, vid, {"scores": {"A2": 3, "G1": 6}, "submit": True})
    db.session.commit()
    page.goto(f"{live_server}/inspect/visits/{vid}/team")
    shot(page, "inspection-team-360")
    _no_sideways_scroll(page)
    page.click("#sign")
    assert "已签字" in page.inner_text(".flash")
    db.session.rollback()
    assert db.session.get(VisitMember, (vid, world.lead.id)).submitted_at is not None
    assert {c: sorted(str(m.points) for m in ms) for c, ms in signed_marks(world.campaign.id)[world.a.id].items()} == {
        "A2": ["3", "3.5"], "G1": ["6", "6"]}  # fmt: skip

    board = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    _sign_in(board, live_server, "office")
    board.goto(f"{live_server}/office/campaigns/{world.campaign.id}/visits")
    points = board.locator("td.inspection-points").all_inner_texts()
    assert "9.25 / 12" in points  # (3.5 + 3) ÷ 2 + 6
    shot(board, "inspection-office-board-360")
    world.campaign.phase = Phase.BRIEFING  # the composite is shown from the briefing on
    db.session.commit()
    board.goto(f"{live_server}/office/campaigns/{world.campaign.id}/composite/units/{world.a.id}")
    assert "9.25" in board.inner_text("#head-inspection")  # the 综合测评's 实地考察 source
    context.close()
