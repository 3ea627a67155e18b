"""Card 5 from the first click to the certificates, in a real browser and through the pages only.

The office creates a campaign and its scale; a unit registers itself, fills its report from a Word
file and submits; the office returns it once, then accepts it and two units it added itself; the
training is attended (one unit by scanning the venue QR code); delegates are named and their cards
printed; phone-sized ballot pages, opened from the cards' QR codes, grade by tapping while the office
runs the control panel; the tally chart and the proposed list; the notice is published, a member of
the public objects, the office answers; the notice period ends (the office's "today" moves, as in
the notice tests: the ``FROZEN_TODAY`` setting), the campaign becomes final, the commendation list
shows and the certificates download.

Nothing is written to the database except through the pages (the first office account excepted: it
is made by ``flask create-admin`` in real life). Screenshots go to ``SCREENSHOTS``; with
``EVALFLOW_TOUR_DIR`` set (e.g. ``docs/screenshots``) the key screens are also saved there, at the
size of the screen, for the README tour.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from evalflow.briefing.models import Ballot
from evalflow.extensions import db
from evalflow.shared import clock
from tests.e2e.conftest import shot
from tests.helpers import OFFICE_PASSWORD, make_office
from tests.intake_world import docx_bytes

pytestmark = pytest.mark.e2e

DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "zh-CN"}
PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "zh-CN", "is_mobile": True, "has_touch": True}
TOUR = os.environ.get("EVALFLOW_TOUR_DIR")

A, B, C = "乌山社区", "三坊七巷社区", "鼓楼区第一中学"
DELEGATES = {
    A: ("林晓燕", "陈建国", "王秀英"),
    B: ("黄志明", "郑丽华", "吴国庆"),
    C: ("刘思远", "周敏", "赵德胜"),
}
ROLES = ("reporter", "cadre", "public")


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"WTF_CSRF_SSL_STRICT": False}


def capture(page: Any, name: str, focus: str | None = None) -> None:
    """A full-page screenshot for the artifacts; for the tour, the screen around *focus*."""
    shot(page, f"flow-{name}")
    if not TOUR:
        return
    top = "e => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 16)"
    page.locator(focus or "body").first.evaluate(top if focus else "() => window.scrollTo(0, 0)")
    with Image.open(io.BytesIO(page.screenshot(animations="disabled", caret="hide"))) as image:
        save_for_tour(image, name)


def save_for_tour(image: Image.Image, name: str) -> None:
    """A palette PNG keeps the README tour light (no optipng needed)."""
    Path(TOUR).mkdir(parents=True, exist_ok=True)
    palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    palette.save(Path(TOUR) / f"{name}.png", optimize=True)


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("header, main")


def flash(page: Any) -> str:
    return page.inner_text(".flash")


def advance(page: Any, base: str, cid: int, label: str) -> None:
    page.goto(f"{base}/office/campaigns/{cid}")
    page.click(f"button:has-text('进入“{label}”阶段')")
    assert f"已进入“{label}”阶段。" in flash(page)
    assert page.locator(".timeline li.current").inner_text().endswith(label)


def qr_codes(png: bytes) -> list[str]:
    with Image.open(io.BytesIO(png)) as image:
        return [symbol.data.decode() for symbol in decode(image)]


def test_card5_from_campaign_to_certificates(app, live_server, browser, page, tmp_path: Path):
    base = live_server
    today = clock.today()  # the office's real date: every date on the screenshots agrees with it
    make_office()
    page.set_viewport_size(DESKTOP["viewport"])
    page.on("dialog", lambda dialog: dialog.accept())
    contexts = []

    def new_page(**options: Any) -> Any:
        context = browser.new_context(**options)
        contexts.append(context)
        tab = context.new_page()
        tab.on("dialog", lambda dialog: dialog.accept())
        return tab

    # --- 筹备: the office creates the campaign and its scale ----------------------------------------
    sign_in(page, base, "office", OFFICE_PASSWORD)
    page.click("text=新建评选活动")
    page.fill("#title", "2026年度鼓楼区文明单位评选")
    page.fill("#description", "自愿申报、集中培训、集中汇报互评、综合评定、媒体公示。")
    page.click("button:has-text('创建')")
    assert page.locator("h1").inner_text() == "2026年度鼓楼区文明单位评选"
    cid = int(re.search(r"/campaigns/(\d+)", page.url).group(1))
    page.click("text=编辑评定表")
    page.fill("input[name='grades-3-label']", "差")
    page.fill("input[name='grades-3-points']", "40")
    page.fill("textarea[name='grades-3-criteria']", "创建工作基本未开展。")
    page.click("button:has-text('保存评定表')")
    assert "评定表已保存。" in flash(page)
    rows = page.locator(".scale-table tbody tr").all_inner_texts()
    assert [r.split("\t")[:2] for r in rows] == [["好", "100"], ["较好", "80"], ["一般", "60"], ["差", "40"]]
    advance(page, base, cid, "申报")
    assert page.locator(".blocked-reasons li").all_inner_texts() == [
        "至少需要 2 个已通过审核的申报单位,目前只有 0 个。"
    ]
    capture(page, "campaign-blocked")

    # --- 申报: a unit registers itself, imports its Word report and submits -------------------------
    unit_a = new_page(**DESKTOP)
    unit_a.goto(f"{base}/unit/register")
    unit_a.select_option("#campaign", str(cid))
    unit_a.fill("#name", A)
    unit_a.fill("#category", "社区")
    unit_a.fill("#contact_name", "林晓燕")
    unit_a.fill("#contact_phone", "0591-87110000")
    unit_a.fill("#username", "wushan")
    unit_a.fill("#password", "Wushan-report-2026")
    unit_a.click("button:has-text('提交注册')")
    assert f"“{A}”的注册申请已提交" in unit_a.inner_text("main")

    page.goto(f"{base}/office/campaigns/{cid}/units")
    pending = page.locator("section.attention tbody tr")
    assert pending.count() == 1 and A in pending.inner_text() and "wushan" in pending.inner_text()
    page.click("section.attention button:has-text('批准')")
    assert f"已批准“{A}”的注册。" in flash(page)
    credentials = {}
    for name, category in ((B, "社区"), (C, "学校")):
        page.goto(f"{base}/office/campaigns/{cid}/units")
        page.fill("#name", name)
        page.fill("#category", category)
        page.click("button:has-text('添加并生成登录账号')")
        credentials[name] = (
            page.inner_text("table.credentials td:nth-child(2) code"),
            page.inner_text("code.secret"),
        )

    sign_in(unit_a, base, "wushan", "Wushan-report-2026")
    report = tmp_path / "乌山社区创建工作汇报.docx"
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

    for name in (B, C):
        unit = new_page(**DESKTOP)
        sign_in(unit, base, *credentials[name])
        unit.fill("#report_title", f"{name}文明创建工作汇报")
        unit.fill("#report_text", f"{name}坚持以人民为中心。\n一、强化组织领导\n二、丰富创建载体")
        unit.click("button:has-text('保存并提交')")
        assert "已提交待审核" in unit.inner_text(".page-head")
        unit.context.close()

    # --- the office returns the report once, then accepts ------------------------------------------
    page.goto(f"{base}/office/campaigns/{cid}/review")
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
        page.goto(f"{base}/office/campaigns/{cid}/review")
        page.click(f"tr:has-text('{name}') a:has-text('审核')")
        page.check("input[value=accept]")
        page.click("button:has-text('提交审核结果')")
        assert "审核通过" in page.inner_text(".page-head")
    page.goto(f"{base}/office/campaigns/{cid}/review")
    assert page.inner_text(".chip.status-accepted b") == "3"
    assert page.inner_text(".chip.status-submitted b") == "0"
    advance(page, base, cid, "集中培训")

    # --- 集中培训: attendance, one unit by scanning the venue QR code --------------------------------
    page.goto(f"{base}/office/campaigns/{cid}/training")
    assert "0 / 3" in page.inner_text(".progress-card")
    for name in (B, C):
        page.locator(f".attendance-table tr:has-text('{name}') button:has-text('登记')").click()
    assert "2 / 3" in page.inner_text(".progress-card")
    page.click("#checkin button:has-text('开始签到')")
    page.goto(f"{base}/office/campaigns/{cid}/training/checkin")
    capture(page, "training-checkin")
    (scanned,) = qr_codes(page.locator(".checkin-qr").screenshot())
    assert scanned == page.inner_text(".checkin-display .break").strip()
    unit_a.goto(scanned)
    assert A in unit_a.inner_text(".checkin-confirm")
    unit_a.click("button:has-text('确认签到')")
    assert "签到成功" in flash(unit_a)
    page.goto(f"{base}/office/campaigns/{cid}/training")
    assert "3 / 3" in page.inner_text(".progress-card")
    assert "所有已通过审核的单位均已登记" in page.inner_text(".progress-card")
    capture(page, "training")

    # --- delegates: the unit names its own, the office the others'; cards are printed ----------------
    unit_a.goto(f"{base}/unit/seats")
    for role, person in zip(ROLES, DELEGATES[A], strict=True):
        unit_a.fill(f"form:has(input[name=role][value={role}]) input[name=name]", person)
        unit_a.click(f"form:has(input[name=role][value={role}]) button")
        assert "代表已登记。" in flash(unit_a)
    assert "3 / 3 人" in unit_a.inner_text("main h2")
    page.goto(f"{base}/office/campaigns/{cid}/seats")
    for name in (B, C):
        for role, person in zip(ROLES, DELEGATES[name], strict=True):
            card = f"section.card:has(h2:has-text('{name}'))"
            page.fill(f"{card} form:has(input[name=role][value={role}]) input[name=name]", person)
            page.click(f"{card} form:has(input[name=role][value={role}]) button")
            assert "代表已登记。" in flash(page)
    assert page.locator("h2 .muted").all_inner_texts() == ["3 / 3 人"] * 3
    capture(page, "seat-cards")
    with page.expect_download() as download:
        page.click("button:has-text('打印全部代表证(9 张)')")
    pdf = tmp_path / "cards.pdf"
    download.value.save_as(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "cards")], check=True)
    sheets = sorted(tmp_path.glob("cards-*.png"))
    urls = [url for png in sheets for url in qr_codes(png.read_bytes())]
    if TOUR:
        with Image.open(sheets[0]) as sheet:
            sheet.thumbnail((800, 1200))
            save_for_tour(sheet, "credential-cards")
    assert len(urls) == 9 and all(url.startswith(f"{base}/s/") for url in urls)

    # Each card opens its own seat page on a phone. Every delegate has a phone of their own: a page
    # left open follows the control panel by itself (it reloads when scoring opens or closes).
    hall = new_page(**PHONE).context

    def phone_at(url: str) -> Any:
        phone = hall.new_page()
        phone.goto(url)
        return phone

    seat_of: dict[str, str] = {}
    for url in urls:
        phone = phone_at(url)
        seat_of[phone.inner_text(".seat-name")] = url
        assert "评分尚未开始" in phone.inner_text("#ballot")
        phone.close()
    assert sorted(seat_of) == sorted(p for people in DELEGATES.values() for p in people)
    advance(page, base, cid, "集中汇报互评")

    # --- 集中汇报互评: phones follow the control panel and grade with one tap ------------------------
    reporters = {}
    for name in (A, B, C):
        reporters[name] = new_page(**PHONE)
        reporters[name].goto(seat_of[DELEGATES[name][0]])
        assert "集中汇报正在进行" in reporters[name].inner_text("#ballot")

    def grade(voter_unit: str, person: str, target: str) -> str:
        if target == A or (target == B and person == DELEGATES[C][0]):
            return "好"
        if target == B or (target == C and person == DELEGATES[A][0]):
            return "较好"
        return "一般"

    def tap(phone: Any, target: str, choice: str) -> None:
        phone.wait_for_selector(f".ballot-unit:has-text('{target}')")
        phone.tap(f"button.grade-btn[value='{choice}']")
        phone.wait_for_selector(f"#ballot-status:has-text('已记录:{choice}')")

    page.goto(f"{base}/office/campaigns/{cid}/briefing")
    agenda = page.locator(".agenda-table tbody tr")
    order = [
        (int(r.get_attribute("id").removeprefix("agenda-")), r.locator("strong").inner_text())
        for r in agenda.all()
    ]
    assert sorted(name for _, name in order) == sorted((A, B, C))
    pictured = False
    for uid, target in order:
        page.click(f"#open-{uid}")
        page.wait_for_selector(f"#close-{uid}")
        reporters[target].wait_for_selector("text=本单位正在汇报")
        for voter_unit, people in DELEGATES.items():
            if voter_unit == target:
                continue
            tap(reporters[voter_unit], target, grade(voter_unit, people[0], target))
            for person in people[1:]:
                phone = phone_at(seat_of[person])
                tap(phone, target, grade(voter_unit, person, target))
                if target == order[1][1] and not pictured:
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
    for phone in reporters.values():
        phone.wait_for_selector("text=评分已结束")
    db.session.expire_all()
    assert db.session.query(Ballot).count() == 18
    advance(page, base, cid, "综合评定")

    # --- 综合评定: the tally chart and the proposed list ----------------------------------------------
    page.goto(f"{base}/office/campaigns/{cid}/tally")
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

    # --- 公示: the notice is drafted from the proposed list and published -----------------------------
    page.goto(f"{base}/office/campaigns/{cid}/notice")
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
    assert period.group(1) == today.isoformat()
    ends_on = date.fromisoformat(period.group(2))
    assert ends_on >= today + timedelta(days=4)  # five working days

    # A member of the public finds the notice and objects to one unit, on a phone.
    public = new_page(**PHONE)
    public.goto(f"{base}/")
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

    page.goto(f"{base}/office/campaigns/{cid}/notice")
    final = page.locator("button:has-text('审定表彰,结束评选')")
    assert final.is_disabled()
    reasons = page.locator(".blocked-reasons li").all_inner_texts()
    assert reasons == [f"公示期至 {ends_on.isoformat()} 结束,尚未期满。", "还有 1 件异议未处理完毕。"]
    page.goto(f"{base}/office/campaigns/{cid}/objections")
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

    # --- 审定表彰: the period is over; the campaign becomes final -----------------------------------
    app.config["FROZEN_TODAY"] = ends_on + timedelta(days=1)  # the day after the notice
    page.goto(f"{base}/office/campaigns/{cid}/notice")
    page.click("button:has-text('审定表彰,结束评选')")
    assert "已进入“审定表彰”阶段。" in flash(page)
    assert page.locator(".badge.big").inner_text() == "审定表彰"
    page.goto(f"{base}/office/campaigns/{cid}/notice")
    page.click("a:has-text('命名表彰名单')")
    assert sorted(page.locator(".notice-units li").all_inner_texts()) == sorted([A, B])
    assert "决定命名以下 2 个单位" in page.inner_text(".notice-para")
    capture(page, "commendation")
    page.goto(f"{base}/office/campaigns/{cid}/notice")
    # The link opens the PDF in the browser's viewer; fetch what it points at with the same session.
    response = page.request.get(base + page.get_attribute("a:has-text('荣誉证书 PDF')", "href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    certificates = tmp_path / "certificates.pdf"
    certificates.write_bytes(response.body())
    text = subprocess.run(["pdftotext", str(certificates), "-"], check=True, capture_output=True, text=True)
    assert A in text.stdout and B in text.stdout and C not in text.stdout
    info = subprocess.run(["pdfinfo", str(certificates)], check=True, capture_output=True, text=True)
    assert re.search(r"Pages:\s+2\b", info.stdout)
    if TOUR:
        subprocess.run(
            ["pdftoppm", "-r", "72", "-png", "-f", "1", "-l", "1", str(certificates), str(tmp_path / "cert")],
            check=True,
        )
        with Image.open(next(tmp_path.glob("cert-*.png"))) as certificate:
            save_for_tour(certificate, "certificate")
    for context in contexts:
        context.close()
