"""The tally as a new office user finds it, in a real browser: from the dashboard to the demo campaign in
review, its comparison chart, the bias signals and the proposed list; the PDF downloads and carries the
sealed digest."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from evalflow.demo import load_demo
from evalflow.demo.tally import TITLE
from evalflow.extensions import db
from evalflow.shared.campaigns.models import Campaign
from evalflow.tally.models import TallySeal
from tests.e2e.steps import shot

pytestmark = pytest.mark.e2e
PASSWORD = "demo-pass-1234"


def test_office_finds_the_tally_chart_and_downloads_the_pdf(app, live_server, page, tmp_path: Path):
    load_demo(PASSWORD)
    db.session.commit()
    campaign = db.session.query(Campaign).filter_by(title=TITLE).one()
    sealed = db.session.query(TallySeal).filter_by(campaign_id=campaign.id).one().digest

    page.goto(live_server + "/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.click(f"text={TITLE}")
    page.click("nav.subnav >> text=综合评定")

    chart = page.locator("#chart svg[role=img]")
    assert chart.get_attribute("aria-labelledby") == "chart-title chart-desc"
    bars: Any = page.locator("#chart g.bar-row")
    assert bars.count() == 8
    first = bars.nth(0).locator("title").text_content()
    assert "第 1 名" in first and "好 " in first
    assert sealed in page.inner_text(".tally-meta")
    signals = page.inner_text("#signals")
    assert "评分无区分" in signals and "互相抬分" in signals and "压低领先单位" in signals
    assert page.locator(".proposed-list li").count() == 4
    shot(page, "tally-office")

    with page.expect_download() as download:
        page.click("text=评定结果 PDF")
    pdf = tmp_path / "tally.pdf"
    download.value.save_as(pdf)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    assert "综合评定结果" in text and sealed in text and "五塔北街社区" in text
