"""The briefing as the hall lives it, in a real browser (issue 9): six units, eighteen phone-sized
ballot pages (three seats per unit: 汇报人, 中层干部代表, 群众代表).

The office opens each presentation in order from the control panel. Every phone follows by itself
to the open unit: the presenting unit's three seats see that their own unit is presenting, the
fifteen others grade with one tap and see the confirmation; some change their grade once before the
close. The panel's counters (overall and per role) and the big screen follow without a reload. After
each close every phone shows the closed state with its own grade; at the end the database holds
exactly the 6 × 15 final grades. One delegate also grades from a phone without JavaScript (the plain
form) while the same seat's JavaScript page picks the grade up by itself.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from evalflow.briefing.models import Ballot
from evalflow.extensions import db
from tests.briefing_world import ROLES, build
from tests.e2e.steps import serious_violations, shot, sign_in

pytestmark = pytest.mark.e2e

NAMES = ("甲社区", "乙社区", "丙社区", "丁社区", "戊社区", "己社区")
GRADES = ("好", "较好", "一般")
PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "zh-CN", "is_mobile": True, "has_touch": True}
FOLLOW = 20_000  # ms: a phone asks every 2.5 s, the panel too; generous for a busy 2-core machine
EXPECTED = (len(NAMES) - 1) * len(ROLES)  # 15 ballots per unit: every seat but the presenting unit's
# The seat that, for the first unit, grades from a second phone without JavaScript.
NO_JS_SEAT = (5, "public")

Seat = tuple[int, str]  # (unit index, role)


def first_grade(unit: int, seat: Seat) -> str:
    return GRADES[(unit + seat[0] + ROLES.index(seat[1])) % len(GRADES)]


def changes_mind(unit: int, seat: Seat) -> bool:
    """About one delegate in five changes the grade once before the close."""
    return (unit * 7 + seat[0] * 3 + ROLES.index(seat[1])) % 5 == 0


def final_grade(unit: int, seat: Seat) -> str:
    grade = first_grade(unit, seat)
    return GRADES[(GRADES.index(grade) + 1) % len(GRADES)] if changes_mind(unit, seat) else grade


def tap(phone: Any, grade: str) -> None:
    phone.locator(f"button.grade-btn[value='{grade}']").tap()


def recorded(phone: Any, grade: str) -> None:
    expect(phone.locator("#ballot-status")).to_contain_text(f"已记录:{grade}", timeout=FOLLOW)


def no_horizontal_scroll(phone: Any) -> None:
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_briefing_of_six_units_with_eighteen_phones(app, client, live_server, browser, page, axe_source):
    world = build(client, names=NAMES)
    cid = world.cid
    seats = [(u, role) for u in range(len(NAMES)) for role in ROLES]
    assert len(seats) == 18
    assert not changes_mind(0, NO_JS_SEAT)  # its JavaScript page never taps on the first unit
    with ExitStack() as stack:
        phones: dict[Seat, Any] = {}
        for seat in seats:
            context = browser.new_context(**PHONE)
            stack.callback(context.close)
            phones[seat] = context.new_page()
            phones[seat].goto(f"{live_server}/s/{world.seats[seat]}")
        no_js_context = browser.new_context(**PHONE, java_script_enabled=False)
        stack.callback(no_js_context.close)
        no_js = no_js_context.new_page()
        for phone in phones.values():
            expect(phone.locator("#ballot")).to_contain_text("集中汇报正在进行")

        sign_in(page, live_server, "office")
        panel = f"{live_server}/office/campaigns/{cid}/briefing"
        page.goto(panel)
        big = page.context.new_page()  # the big screen: a second tab of the office's browser
        big.set_viewport_size({"width": 1920, "height": 1080})
        big.goto(f"{panel}/screen")

        for index, name in enumerate(NAMES):
            uid = world.uid(index)
            page.click(f"#open-{uid}")
            page.wait_for_selector(f"#close-{uid}")
            expect(page.locator("#live-unit")).to_have_text(name)
            expect(page.locator("#live-expected")).to_have_text(str(EXPECTED))
            voters = [s for s in seats if s[0] != index]
            for seat in seats:
                phone = phones[seat]
                if seat[0] == index:
                    own = phone.locator(".ballot-own")
                    expect(own).to_contain_text("本单位正在汇报", timeout=FOLLOW)
                    expect(own).to_contain_text(f"“{name}”是您所在的单位")
                    expect(phone.locator("button.grade-btn")).to_have_count(0)
                else:
                    expect(phone.locator("h1.ballot-unit")).to_have_text(name, timeout=FOLLOW)
                    expect(phone.locator("#ballot-status")).to_contain_text("请选择一个档次")
            expect(big.locator("#live-unit")).to_have_text(name, timeout=FOLLOW)
            if index == 1:
                # the no-JS phone's late tap (below) left it on ?failure=…; a reload shows a clean ballot
                no_js.reload()
                expect(no_js.locator("h1.ballot-unit")).to_have_text(name)
                expect(no_js.locator("#ballot-status")).to_contain_text("请选择一个档次")

            # One tap each, role by role; on the first unit the panel's counters are watched
            # climbing as each role's five delegates grade.
            for r, role in enumerate(ROLES):
                group = [s for s in voters if s[1] == role]
                for seat in group:
                    if index == 0 and seat == NO_JS_SEAT:
                        no_js.goto(f"{live_server}/s/{world.seats[seat]}")
                        expect(no_js.locator("h1.ballot-unit")).to_have_text(name)
                        no_js.locator(f"button.grade-btn[value='{first_grade(index, seat)}']").tap()
                    else:
                        tap(phones[seat], first_grade(index, seat))
                for seat in group:
                    if index == 0 and seat == NO_JS_SEAT:
                        recorded(no_js, first_grade(index, seat))
                        no_horizontal_scroll(no_js)
                        shot(no_js, "briefing-ballot-nojs-360")
                    # the seat's JavaScript page learns of a grade given elsewhere by itself
                    recorded(phones[seat], first_grade(index, seat))
                if index == 0:
                    expect(page.locator("#live-ballots")).to_have_text(str(5 * (r + 1)), timeout=FOLLOW)
                    expect(page.locator(f"#live-role-{role}")).to_have_text("5 / 5", timeout=FOLLOW)
                    for later in ROLES[r + 1 :]:
                        assert page.inner_text(f"#live-role-{later}") == "0 / 5"

            if index == 1:
                no_horizontal_scroll(phones[(0, "cadre")])
                shot(phones[(0, "cadre")], "briefing-ballot-360")
                assert serious_violations(phones[(0, "cadre")], axe_source) == []
                no_horizontal_scroll(phones[(1, "reporter")])
                shot(phones[(1, "reporter")], "briefing-own-unit-360")
                assert serious_violations(phones[(1, "reporter")], axe_source) == []

            # Some delegates change their mind once; the count stays at one ballot per seat.
            for seat in voters:
                if changes_mind(index, seat):
                    tap(phones[seat], final_grade(index, seat))
            for seat in voters:
                if changes_mind(index, seat):
                    recorded(phones[seat], final_grade(index, seat))

            expect(page.locator("#live-ballots")).to_have_text(str(EXPECTED), timeout=FOLLOW)
            for role in ROLES:
                expect(page.locator(f"#live-role-{role}")).to_have_text("5 / 5", timeout=FOLLOW)
            expect(page.locator(f"#agenda-count-{uid}")).to_have_text(f"{EXPECTED} / {EXPECTED}")
            expect(page.locator("#live-missing-count")).to_have_text("0")
            expect(page.locator("#live-missing")).to_have_text("全部代表均已评分")
            expect(big.locator("#live-ballots")).to_have_text(str(EXPECTED), timeout=FOLLOW)
            if index == 2:
                shot(page, "briefing-panel")
                shot(big, "briefing-screen")

            page.click(f"#close-{uid}")
            page.wait_for_selector(f"#agenda-{uid} .status-closed")
            expect(page.locator(f"#agenda-count-{uid}")).to_have_text(f"{EXPECTED} / {EXPECTED}")
            for seat in seats:
                state = phones[seat].locator("#ballot .seat-status")
                expect(state).to_contain_text(f"“{name}”的评分已结束", timeout=FOLLOW)
                if seat[0] == index:
                    expect(state).to_contain_text("本单位不参与评分。")
                else:
                    expect(state).to_contain_text(f"您的评分:{final_grade(index, seat)}")
                expect(phones[seat].locator(".ballot-progress")).to_have_text(
                    f"已完成 {index + 1} / {len(NAMES)} 个单位"
                )
            if index == 0:
                # A late tap on the stale page without JavaScript is refused, the first grade stands.
                no_js.locator(f"button.grade-btn[value='{GRADES[0]}']").tap()
                expect(no_js.locator("#ballot .seat-status")).to_contain_text(f"“{name}”的评分已结束")
                expect(no_js.locator("#ballot .seat-status")).to_contain_text(
                    f"您的评分:{final_grade(index, NO_JS_SEAT)}"
                )
                assert "failure=scoring_closed" in no_js.url
                no_horizontal_scroll(phones[(3, "public")])
                shot(phones[(3, "public")], "briefing-closed-360")

        # The end: nothing open, every phone on the last unit's closed state.
        for phone in phones.values():
            expect(phone.locator(".grade-form")).to_have_count(0)
            expect(phone.locator("#ballot .seat-status")).to_contain_text(f"“{NAMES[-1]}”的评分已结束")
        expect(page.locator(".status-closed")).to_have_count(len(NAMES))
        expect(page.locator("button[id^=open-], button[id^=close-]")).to_have_count(0)
        expect(big.locator("#live-unit")).to_have_text(NAMES[-1], timeout=FOLLOW)
        expect(big.locator(".now")).to_have_text("刚刚结束评分")
        expect(big.locator("#live-ballots")).to_have_text(str(EXPECTED))

    db.session.expire_all()
    rows = db.session.execute(sa.select(Ballot.seat_id, Ballot.unit_id, Ballot.grade)).all()
    assert len(rows) == len(NAMES) * EXPECTED == 90
    expected = {
        (world.seat_ids[seat], world.uid(unit), final_grade(unit, seat))
        for unit in range(len(NAMES))
        for seat in seats
        if seat[0] != unit
    }
    assert set(rows) == expected
    assert any(changes_mind(u, s) for u in range(len(NAMES)) for s in seats if s[0] != u)
