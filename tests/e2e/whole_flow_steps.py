"""The first phases of the process as steps of the browser walk (``tests/e2e/test_whole_flow.py``): 筹备,
申报 with the office's review, 集中培训, and the delegates' cards.

Each step drives the pages only, as the people of that phase would, and checks what they see; the
walk's state is a :class:`tests.e2e.whole_flow_world.Flow`. The later phases are in
``tests/e2e/whole_flow_verdict_steps.py``. Not a test module: the test imports these steps.
"""

from __future__ import annotations

import re
import subprocess
from typing import Any

from PIL import Image

from tests.e2e.steps import flash, qr_codes, sign_in
from tests.e2e.whole_flow_world import (
    DELEGATES,
    DESKTOP,
    PHONE,
    ROLES,
    TOUR,
    A,
    B,
    C,
    Flow,
    capture,
    phone_at,
    save_for_tour,
)
from tests.factories import PASSWORD
from tests.intake_world import docx_bytes

# --- 筹备 and 申报 -----------------------------------------------------------------------------------


def draft_campaign(flow: Flow) -> None:
    """筹备: the office creates the campaign and its scale, and opens the intake."""
    page = flow.page
    sign_in(page, flow.base, "office", PASSWORD)
    page.click("text=新建评选活动")
    page.fill("#title", "2026年度鼓楼区文明单位评选")
    page.fill("#description", "自愿申报、集中培训、集中汇报互评、综合评定、媒体公示。")
    page.click("button:has-text('创建')")
    assert page.locator("h1").inner_text() == "2026年度鼓楼区文明单位评选"
    flow.cid = int(re.search(r"/campaigns/(\d+)", page.url).group(1))
    page.click("text=编辑评定表")
    page.fill("input[name='grades-3-label']", "差")
    page.fill("input[name='grades-3-points']", "40")
    page.fill("textarea[name='grades-3-criteria']", "创建工作基本未开展。")
    page.click("button:has-text('保存评定表')")
    assert "评定表已保存。" in flash(page)
    rows = page.locator(".scale-table tbody tr").all_inner_texts()
    assert [r.split("\t")[:2] for r in rows] == [["好", "100"], ["较好", "80"], ["一般", "60"], ["差", "40"]]
    flow.advance("申报")
    assert page.locator(".blocked-reasons li").all_inner_texts() == [
        "至少需要 2 个已通过审核的申报单位,目前只有 0 个。"
    ]
    capture(page, "campaign-blocked")


def register_and_submit(flow: Flow) -> Any:
    """申报: a unit registers itself and the office approves it; the office adds two units itself.
    The first imports its report from a Word file and submits; the others type theirs. Returns the
    first unit's tab."""
    unit_a = flow.new_page(**DESKTOP)
    unit_a.goto(f"{flow.base}/unit/register")
    unit_a.select_option("#campaign", str(flow.cid))
    unit_a.fill("#name", A)
    unit_a.fill("#category", "社区")
    unit_a.fill("#contact_name", "林晓燕")
    unit_a.fill("#contact_phone", "0591-87110000")
    unit_a.fill("#username", "wushan")
    unit_a.fill("#password", "Wushan-report-2026")
    unit_a.click("button:has-text('提交注册')")
    assert f"“{A}”的注册申请已提交" in unit_a.inner_text("main")
    credentials = _approve_and_add_units(flow)
    _import_word_report(flow, unit_a)
    for name in (B, C):
        unit = flow.new_page(**DESKTOP)
        sign_in(unit, flow.base, *credentials[name])
        unit.fill("#report_title", f"{name}文明创建工作汇报")
        unit.fill("#report_text", f"{name}坚持以人民为中心。\n一、强化组织领导\n二、丰富创建载体")
        unit.click("button:has-text('保存并提交')")
        assert "已提交待审核" in unit.inner_text(".page-head")
        unit.context.close()
    return unit_a


def _approve_and_add_units(flow: Flow) -> dict[str, tuple[str, str]]:
    """The office approves the registration and adds 三坊七巷 and the school; their logins."""
    page = flow.page
    flow.office("/units")
    pending = page.locator("section.attention tbody tr")
    assert pending.count() == 1 and A in pending.inner_text() and "wushan" in pending.inner_text()
    page.click("section.attention button:has-text('批准')")
    assert f"已批准“{A}”的注册。" in flash(page)
    credentials = {}
    for name, category in ((B, "社区"), (C, "学校")):
        flow.office("/units")
        page.fill("#name", name)
        page.fill("#category", category)
        page.click("button:has-text('添加并生成登录账号')")
        credentials[name] = (
            page.inner_text("table.credentials td:nth-child(2) code"),
            page.inner_text("code.secret"),
        )
    return credentials


def _import_word_report(flow: Flow, unit_a: Any) -> None:
    sign_in(unit_a, flow.base, "wushan", "Wushan-report-2026")
    report = flow.tmp_path / "乌山社区创建工作汇报.docx"
    report.write_bytes(docx_bytes("乌山社区创建文明单位工作汇报", "乌山社区位于鼓楼区西部,常住人口八千余人。",
                                  "一、领导重视,健全组织机构", "社区党委把创建工作列入年度重点。",
                                  "二、宣传发动,营造浓厚氛围", "设立宣传专栏,组织志愿服务。"))  # fmt: skip
    unit_a.set_input_files("form[action$='/docx'] input[type=file]", str(report))
    unit_a.click("button:has-text('导入正文')")
    assert unit_a.input_value("#report_title") == "乌山社区创建文明单位工作汇报"
    assert unit_a.locator(".outline li").all_inner_texts() == [
        "一 领导重视,健全组织机构",
        "二 宣传发动,营造浓厚氛围",
    ]
    capture(unit_a, "unit-portal")
    unit_a.click("button:has-text('保存并提交')")
    assert "已提交待审核" in unit_a.inner_text(".page-head")


def review_reports(flow: Flow, unit_a: Any) -> None:
    """The office returns 乌山社区's report once; the unit completes it; the office accepts all three
    and opens the training."""
    page = flow.page
    flow.office("/review")
    assert page.inner_text(".chip.status-submitted b") == "3"
    capture(page, "review-queue")
    page.click(f"tr:has-text('{A}') a:has-text('审核')")
    assert "社区党委把创建工作列入年度重点。" in page.inner_text(".report-text")
    page.check("input[value=return]")
    page.fill("#comment", "请补充志愿服务的次数和参与人数。")
    page.click("button:has-text('提交审核结果')")
    assert "退回修改" in page.inner_text(".page-head")

    unit_a.reload()
    assert "请补充志愿服务的次数和参与人数。" in unit_a.inner_text(".notice-box")
    unit_a.fill(
        "#report_text", unit_a.input_value("#report_text") + "\n全年开展志愿服务48次,参与居民2100人次。"
    )
    unit_a.click("button:has-text('保存并提交')")
    assert "已提交待审核" in unit_a.inner_text(".page-head")

    for name in (A, B, C):
        flow.office("/review")
        page.click(f"tr:has-text('{name}') a:has-text('审核')")
        page.check("input[value=accept]")
        page.click("button:has-text('提交审核结果')")
        assert "审核通过" in page.inner_text(".page-head")
    flow.office("/review")
    assert page.inner_text(".chip.status-accepted b") == "3"
    assert page.inner_text(".chip.status-submitted b") == "0"
    flow.advance("集中培训")


# --- 集中培训 ----------------------------------------------------------------------------------------


def train(flow: Flow, unit_a: Any) -> None:
    """集中培训: the office marks two units present; the third checks in by scanning the venue's QR."""
    page = flow.page
    flow.office("/training")
    assert "0 / 3" in page.inner_text(".progress-panel")
    for name in (B, C):
        page.locator(f".attendance-table tr:has-text('{name}') button:has-text('登记')").click()
    assert "2 / 3" in page.inner_text(".progress-panel")
    page.click("#checkin button:has-text('开始签到')")
    flow.office("/training/checkin")
    capture(page, "training-checkin")
    (scanned,) = qr_codes(page.locator(".checkin-qr").screenshot())
    assert scanned == page.inner_text(".checkin-display .break").strip()
    unit_a.goto(scanned)
    assert A in unit_a.inner_text(".checkin-confirm")
    unit_a.click("button:has-text('确认签到')")
    assert "签到成功" in flash(unit_a)
    flow.office("/training")
    assert "3 / 3" in page.inner_text(".progress-panel")
    assert "所有已通过审核的单位均已登记" in page.inner_text(".progress-panel")
    capture(page, "training")


def name_delegates(flow: Flow, unit_a: Any) -> list[str]:
    """The unit names its own delegates, the office the others'; the nine cards are printed. Returns
    the seat-page addresses read from the cards' QR codes."""
    unit_a.goto(f"{flow.base}/unit/seats")
    for role, person in zip(ROLES, DELEGATES[A], strict=True):
        unit_a.fill(f"form:has(input[name=role][value={role}]) input[name=name]", person)
        unit_a.click(f"form:has(input[name=role][value={role}]) button")
        assert "代表已登记。" in flash(unit_a)
    assert "3 / 3 人" in unit_a.inner_text("main h2")
    page = flow.page
    flow.office("/seats")
    for name in (B, C):
        for role, person in zip(ROLES, DELEGATES[name], strict=True):
            panel = f"section.panel:has(h2:has-text('{name}'))"
            page.fill(f"{panel} form:has(input[name=role][value={role}]) input[name=name]", person)
            page.click(f"{panel} form:has(input[name=role][value={role}]) button")
            assert "代表已登记。" in flash(page)
    assert page.locator("h2 .muted").all_inner_texts() == ["3 / 3 人"] * 3
    capture(page, "seat-cards")
    with page.expect_download() as download:
        page.click("button:has-text('打印全部代表证(9 张)')")
    pdf = flow.tmp_path / "cards.pdf"
    download.value.save_as(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(flow.tmp_path / "cards")], check=True)
    sheets = sorted(flow.tmp_path.glob("cards-*.png"))
    urls = [url for png in sheets for url in qr_codes(png.read_bytes())]
    if TOUR:
        with Image.open(sheets[0]) as sheet:
            sheet.thumbnail((800, 1200))
            save_for_tour(sheet, "credential-cards")
    assert len(urls) == 9 and all(url.startswith(f"{flow.base}/s/") for url in urls)
    return urls


def open_cards(flow: Flow, urls: list[str]) -> dict[str, str]:
    """Each card opens its own seat page on a phone (scoring not yet started); the briefing begins.
    Returns each delegate's seat-page address.

    Every delegate has a phone of their own: a page left open follows the control panel by itself
    (it reloads when scoring opens or closes)."""
    flow.hall = flow.new_page(**PHONE).context
    seat_of: dict[str, str] = {}
    for url in urls:
        phone = phone_at(flow, url)
        seat_of[phone.inner_text(".seat-name")] = url
        assert "评分尚未开始" in phone.inner_text("#ballot")
        phone.close()
    assert sorted(seat_of) == sorted(p for people in DELEGATES.values() for p in people)
    flow.advance("集中汇报互评")
    return seat_of
