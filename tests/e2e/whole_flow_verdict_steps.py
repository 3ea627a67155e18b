"""The later phases of the process as steps of the browser walk (``tests/e2e/test_whole_flow.py``):
集中汇报互评 on the delegates' phones, 综合评定, 公示 with an objection, and 审定表彰.

Each step drives the pages only, as the people of that phase would, and checks what they see; the
walk's state is a :class:`tests.e2e.whole_flow_world.Flow`. Not a test module: the test imports
these steps.
"""

from __future__ import annotations

import re
import subprocess
from datetime import date, timedelta
from typing import Any

from PIL import Image

from evalflow.briefing.models import Ballot
from evalflow.extensions import db
from tests.e2e.steps import flash
from tests.e2e.whole_flow_world import DELEGATES, PHONE, TOUR, A, B, C, Flow, capture, phone_at, save_for_tour

# --- 集中汇报互评 ------------------------------------------------------------------------------------


def grade(person: str, target: str) -> str:
    """What *person* gives *target*: 乌山 the best; 三坊七巷 and the school ranked after it."""
    if target == A or (target == B and person == DELEGATES[C][0]):
        return "好"
    if target == B or (target == C and person == DELEGATES[A][0]):
        return "较好"
    return "一般"


def tap(phone: Any, target: str, choice: str) -> None:
    phone.wait_for_selector(f".ballot-unit:has-text('{target}')")
    phone.tap(f"button.grade-btn[value='{choice}']")
    phone.wait_for_selector(f"#ballot-status:has-text('已记录:{choice}')")


def brief_and_score(flow: Flow, seat_of: dict[str, str]) -> None:
    """集中汇报互评: the office opens each unit in the agenda's order from the control panel; the
    reporters' phones, left open, follow by themselves; every other delegate grades with one tap.
    Then the office opens the 综合评定."""
    reporters = {}
    for name in (A, B, C):
        reporters[name] = flow.new_page(**PHONE)
        reporters[name].goto(seat_of[DELEGATES[name][0]])
        assert "集中汇报正在进行" in reporters[name].inner_text("#ballot")
    flow.office("/briefing")
    agenda = flow.page.locator(".agenda-table tbody tr")
    order = [
        (int(r.get_attribute("id").removeprefix("agenda-")), r.locator("strong").inner_text())
        for r in agenda.all()
    ]
    assert sorted(name for _, name in order) == sorted((A, B, C))
    for uid, target in order:
        _score_presentation(flow, reporters, seat_of, uid, target, order)
    for phone in reporters.values():
        phone.wait_for_selector("text=评分已结束")
    db.session.expire_all()
    assert db.session.query(Ballot).count() == 18
    flow.advance("综合评定")


def _score_presentation(
    flow: Flow,
    reporters: dict[str, Any],
    seat_of: dict[str, str],
    uid: int,
    target: str,
    order: list[tuple[int, str]],
) -> None:
    """One unit presents: scoring opens, the six other delegates grade it, the panel counts 6 / 6,
    scoring closes."""
    page = flow.page
    page.click(f"#open-{uid}")
    page.wait_for_selector(f"#close-{uid}")
    reporters[target].wait_for_selector("text=本单位正在汇报")
    pictured = target != order[1][1]  # the first phone that grades the second unit goes on the tour
    for voter_unit, people in DELEGATES.items():
        if voter_unit == target:
            continue
        tap(reporters[voter_unit], target, grade(people[0], target))
        for person in people[1:]:
            phone = phone_at(flow, seat_of[person])
            tap(phone, target, grade(person, target))
            if not pictured:
                pictured = True
                capture(phone, "ballot-phone")
                assert phone.evaluate("document.documentElement.scrollWidth") <= 360
            phone.close()
    page.wait_for_selector("#live-ballots:has-text('6')")
    assert page.inner_text("#live-expected") == "6"
    assert page.inner_text("#live-missing-count") == "0"
    page.wait_for_selector(f"#agenda-count-{uid}:has-text('6 / 6')")  # the agenda follows too
    if uid == order[0][0]:
        capture(page, "control-panel")
    page.click(f"#close-{uid}")
    page.wait_for_selector(f"#agenda-{uid} .status-closed")
    assert page.inner_text(f"#agenda-{uid} td:nth-child(4)") == "6 / 6"


# --- 综合评定 ----------------------------------------------------------------------------------------


def tally_and_propose(flow: Flow) -> None:
    """综合评定: the tally chart ranks the three units; the office proposes the best two."""
    page = flow.page
    flow.office("/tally")
    assert page.locator("#chart svg .bar-row").count() == 3
    bars = page.locator("#chart svg .bar-row > text").all_text_contents()
    assert bars[0::2] == [f"1. {A}", f"2. {B}", f"3. {C}"]
    assert bars[1::2] == ["100.00", "80.00", "60.00"]  # the mean without the highest and the lowest grade
    table = page.locator(".tally-table tbody tr")
    assert [table.nth(i).locator("td").nth(1).locator("strong").inner_text() for i in range(3)] == [A, B, C]
    assert "18" in page.inner_text(".tally-facts")
    assert "每个席位都为其他所有单位评了分。" in page.inner_text("#participation")
    capture(page, "tally-chart", "#chart")
    page.fill("#k", "2")
    page.click("button:has-text('按规则生成名单')")
    assert "拟表彰对象名单已保存。" in flash(page)
    assert page.locator(".proposed-list li").all_inner_texts() == [A, B]
    capture(page, "proposed-list", "#proposal")


# --- 公示 and 审定表彰 -------------------------------------------------------------------------------


def publish_notice(flow: Flow) -> date:
    """公示: the notice is drafted from the proposed list and published today, for five working days.
    Returns its last day."""
    page = flow.page
    flow.office("/notice")
    checked = page.locator(".unit-checklist input:checked")
    assert sorted(
        checked.nth(i).evaluate("e => e.parentElement.textContent.trim()") for i in range(2)
    ) == sorted([A, B])
    assert page.locator(".unit-checklist input:not(:checked)").count() == 1
    page.fill("#phone", "0591-87654321")
    page.fill("#email", "wmb@gulou.gov.cn")
    page.fill("#address", "福州市鼓楼区示例路1号")
    page.fill("#postcode", "350001")
    page.click("button:has-text('保存公示草稿')")
    assert "公示草稿已保存" in flash(page)
    page.click("button:has-text('发布公示')")
    assert "公示已发布。" in flash(page)
    period = re.search(r"公示时间:(\d{4}-\d\d-\d\d) 至 (\d{4}-\d\d-\d\d)", page.inner_text("main"))
    assert period.group(1) == flow.today.isoformat()
    ends_on = date.fromisoformat(period.group(2))
    assert ends_on >= flow.today + timedelta(days=4)  # five working days
    return ends_on


def object_and_answer(flow: Flow, ends_on: date) -> None:
    """A member of the public finds the notice and objects to one unit, on a phone; the office sees
    what blocks the end, investigates and answers; the receipt shows the answer."""
    public = flow.new_page(**PHONE)
    public.goto(f"{flow.base}/")
    public.click("a:has-text('2026年度鼓楼区文明单位评选')")
    assert sorted(public.locator(".notice-units li").all_inner_texts()) == sorted([A, B])
    assert public.evaluate("document.documentElement.scrollWidth") <= 360
    capture(public, "notice-public")
    public.locator("a:has-text('提出异议')").first.click()
    public.select_option("#unit_id", label=B)
    public.fill("#name", "王五")
    public.fill("#phone", "13900001111")
    public.fill("#content", "该社区的志愿服务台账有补记的情况,请核查。")
    public.click("button:has-text('提交异议')")
    assert "异议回执" in public.inner_text("h1")
    receipt = public.url.split("?")[0]

    page = flow.page
    flow.office("/notice")
    final = page.locator("button:has-text('审定表彰,结束评选')")
    assert final.is_disabled()
    reasons = page.locator(".blocked-reasons li").all_inner_texts()
    assert reasons == [f"公示期至 {ends_on.isoformat()} 结束,尚未期满。", "还有 1 件异议未处理完毕。"]
    flow.office("/objections")
    assert f"对“{B}”的异议" in page.inner_text(".objection-item h2")
    page.click("button:has-text('转入调查核实')")
    assert "调查核实中" in page.inner_text(".objection-item .badge")
    page.check("input[value=dismissed]")
    page.fill(".resolve-form textarea", "经实地核查,台账记录与活动照片一致,反映情况不属实。")
    page.click("button:has-text('答复并结案')")
    assert page.inner_text(".objection-item .badge") == "异议不成立"
    assert "反映情况不属实" in page.inner_text(".objection-item")
    capture(page, "office-objection")
    public.goto(receipt)
    assert "异议不成立" in public.inner_text("main") and "反映情况不属实" in public.inner_text("main")
    capture(public, "objection-reply")


def finalize(flow: Flow, ends_on: date) -> None:
    """审定表彰: the day after the notice period (the office's "today" moves, as in the notice tests:
    the ``FROZEN_TODAY`` setting) the campaign becomes final, the commendation list shows and the
    certificates download."""
    page = flow.page
    flow.app.config["FROZEN_TODAY"] = ends_on + timedelta(days=1)
    flow.office("/notice")
    page.click("button:has-text('审定表彰,结束评选')")
    assert "已进入“审定表彰”阶段。" in flash(page)
    assert page.locator(".badge.big").inner_text() == "审定表彰"
    flow.office("/notice")
    page.click("a:has-text('命名表彰名单')")
    assert sorted(page.locator(".notice-units li").all_inner_texts()) == sorted([A, B])
    assert "决定命名以下 2 个单位" in page.inner_text(".notice-para")
    capture(page, "commendation")
    flow.office("/notice")
    # The link opens the PDF in the browser's viewer; fetch what it points at with the same session.
    response = page.request.get(flow.base + page.get_attribute("a:has-text('荣誉证书 PDF')", "href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    certificates = flow.tmp_path / "certificates.pdf"
    certificates.write_bytes(response.body())
    text = subprocess.run(["pdftotext", str(certificates), "-"], check=True, capture_output=True, text=True)
    assert A in text.stdout and B in text.stdout and C not in text.stdout
    info = subprocess.run(["pdfinfo", str(certificates)], check=True, capture_output=True, text=True)
    assert re.search(r"Pages:\s+2\b", info.stdout)
    if TOUR:
        cert = str(flow.tmp_path / "cert")
        subprocess.run(
            ["pdftoppm", "-r", "72", "-png", "-f", "1", "-l", "1", str(certificates), cert], check=True
        )
        with Image.open(next(flow.tmp_path.glob("cert-*.png"))) as certificate:
            save_for_tour(certificate, "certificate")
