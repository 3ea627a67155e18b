"""Report intake as new users live it, in a real browser: the office adds a unit and hands over its
login; the unit imports its report from a Word file (the text and outline appear in the form), is
refused a disguised executable, attaches a photo and submits; the office returns it with a comment;
the unit revises; the office sees what changed and accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.steps import shot, sign_in
from tests.intake_world import EXE, PNG, build, docx_bytes

pytestmark = pytest.mark.e2e


def test_intake_flow_in_the_browser(app, live_server, browser, page, tmp_path: Path):
    world = build()
    cid = world.campaign.id
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server, "office")
    page.goto(f"{live_server}/office/campaigns/{cid}/units")
    page.fill("#name", "乌山社区")
    page.fill("#category", "社区")
    page.click("button:has-text('添加并生成登录账号')")
    username = page.inner_text("table.credentials td:nth-child(2) code")
    password = page.inner_text("code.secret")

    report = tmp_path / "汇报材料.docx"
    report.write_bytes(docx_bytes("乌山社区创建文明城区工作汇报", "我们乌山社区认真学习。", "一、领导重视,健全组织机构",
                                  "街道党工委十分重视。", "二、宣传发动,营造氛围", "通过设立专栏广泛宣传。"))  # fmt: skip
    (tmp_path / "申报材料.pdf").write_bytes(EXE)
    (tmp_path / "活动照片.png").write_bytes(PNG)

    unit_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    unit = unit_context.new_page()
    unit.on("dialog", lambda dialog: dialog.accept())
    sign_in(unit, live_server, username, password)
    unit.set_input_files("form[action$='/docx'] input[type=file]", str(report))
    unit.click("button:has-text('导入正文')")
    assert unit.input_value("#report_title") == "乌山社区创建文明城区工作汇报"
    assert "街道党工委十分重视。" in unit.input_value("#report_text")
    assert unit.locator(".outline li").all_inner_texts() == [
        "一 领导重视,健全组织机构",
        "二 宣传发动,营造氛围",
    ]
    shot(unit, "intake-unit-docx")

    unit.set_input_files("form[action$='/attachments'] input[type=file]", str(tmp_path / "申报材料.pdf"))
    unit.click("button:has-text('上传附件')")
    assert "不支持的文件类型" in unit.inner_text(".flash")
    unit.set_input_files("form[action$='/attachments'] input[type=file]", str(tmp_path / "活动照片.png"))
    unit.click("button:has-text('上传附件')")
    assert unit.locator(".file-list a").all_inner_texts() == ["活动照片.png"]
    unit.click("button:has-text('保存并提交')")
    assert "已提交待审核" in unit.inner_text(".page-head")

    page.goto(f"{live_server}/office/campaigns/{cid}/review")
    assert page.inner_text(".chip.status-submitted b") == "1"
    shot(page, "intake-office-queue")
    page.click("a.btn.primary:has-text('审核')")
    assert "街道党工委十分重视。" in page.inner_text(".report-text")
    page.check("input[value=return]")
    page.fill("#comment", "请补充宣传活动的场次和参与人数。")
    page.click("button:has-text('提交审核结果')")
    assert "退回修改" in page.inner_text(".page-head")

    unit.reload()
    assert "请补充宣传活动的场次和参与人数。" in unit.inner_text(".notice-box")
    unit.fill("#report_text", unit.input_value("#report_text") + "\n全年开展宣传活动12场,参与居民1500人次。")
    unit.click("button:has-text('保存并提交')")

    page.reload()
    page.click("a:has-text('与第 1 版比较')")
    assert "全年开展宣传活动12场,参与居民1500人次。" in page.inner_text(".diff-line.add")
    shot(page, "intake-office-diff")
    page.go_back()
    page.check("input[value=accept]")
    page.click("button:has-text('提交审核结果')")
    assert "审核通过" in page.inner_text(".page-head")
    unit_context.close()
