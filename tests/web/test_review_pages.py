"""The office's 综合测评 pages and downloads on both databases: the results page (formula, one row per
unit, totals), a unit's trace down to each reviewer's sheet (who, when, comment, evidence link), the
测评汇总表 XLSX (API and page) and PDF, and a unit's 测评表 PDF — values asserted (tests/review_world.py)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from evalflow.assessment.models import ScoreSheet, SheetScore
from evalflow.extensions import db
from evalflow.shared.campaigns.models import Campaign
from tests.factories import login
from tests.review_world import build


@pytest.fixture
def world(app, client):
    made = build()
    sheet = db.session.scalars(
        db.select(ScoreSheet).where(
            ScoreSheet.unit_id == made.units[0].id, ScoreSheet.scorer_id == made.users["zhang"].id
        )
    ).one()
    score = db.session.scalars(db.select(SheetScore).where(SheetScore.sheet_id == sheet.id)).first()
    score.comment = "制度齐全,台账缺一季度"
    db.session.commit()
    login(client, "office")
    return made


def test_results_page_shows_the_formula_and_every_units_figures(client, world):
    html = client.get(f"/office/campaigns/{world.cid}/composite").get_data(as_text=True)
    assert "计分公式" in html and "综合测评" in html
    for name, total in (("甲", "23.00"), ("乙", "17.00"), ("丙", "15.00")):
        assert f">{name}</a>" in html and f">{total}</a>" in html
    assert "5.50" in html and "3.50" in html and "10.00" in html


def test_trace_follows_a_total_to_each_reviewers_sheet(client, world):
    a = world.units[0]
    html = client.get(f"/office/campaigns/{world.cid}/composite/units/{a.id}").get_data(as_text=True)
    assert "甲 的测评表" in html
    assert "张评审" in html and "李评审" in html and "林组长" in html
    assert "制度齐全,台账缺一季度" in html
    assert f"/office/campaigns/{world.cid}/assessment/units/{a.id}/sheets#sheet-" in html
    assert "/office/visits/" in html  # the visit's record and photos
    assert "提交于" in html


def test_summary_xlsx_one_row_per_unit(client, world):
    for url in (f"/office/campaigns/{world.cid}/composite.xlsx",):
        response = client.get(url)
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.get_data())).active
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        head = next(i for i, r in enumerate(rows) if r[0] == "单位编号")
        assert rows[head][1:11] == [
            "名次",
            "申报单位",
            "类别",
            "材料审核",
            "实地考察",
            "集中汇报互评",
            "加分",
            "扣分",
            "总分",
            "测评完整",
        ]
        body = rows[head + 1 :]
        assert [(r[2], r[4], r[5], r[6], r[7], r[8], r[9], r[1]) for r in body] == [
            ("甲", 5.5, 3.5, 10.0, 4.0, 0.0, 23.0, 1),
            ("乙", 4.5, 3.0, 8.0, 1.5, 0.0, 17.0, 2),
            ("丙", 5.0, 4.0, 7.0, 1.0, 2.0, 15.0, 3),
        ]
        assert body[0][-1] == "23"


def test_api_xlsx_answers_the_same_workbook(client, world):
    response = client.get(f"/api/v1/campaigns/{world.cid}/composite.xlsx", headers=world.headers("office"))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")


def test_summary_and_unit_pdfs(client, world):
    summary = client.get(f"/office/campaigns/{world.cid}/composite.pdf")
    assert summary.status_code == 200 and summary.get_data()[:5] == b"%PDF-"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(summary.get_data())).pages)
    assert "测评汇总表" in text and "23.00" in text and "丙" in text
    unit = client.get(f"/office/campaigns/{world.cid}/composite/units/{world.units[0].id}.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(unit.get_data())).pages)
    assert "测评表" in text and "张评审" in text and "制度齐全" in text and "5.50" in text


def test_the_office_proposes_the_list_from_the_composite_page(client, world):
    from evalflow.shared.campaigns import transitions as phases
    from evalflow.shared.phases import Phase
    from evalflow.tally import service as tally
    from tests.factories import csrf, office_actor

    phases.advance_phase(office_actor(), world.campaign, Phase.REVIEW)
    db.session.commit()
    page = f"/office/campaigns/{world.cid}/composite"
    assert "按综合测评确定拟表彰对象" in client.get(page).get_data(as_text=True)
    response = client.post(f"{page}/proposal", data={"csrf_token": csrf(client, page)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/tally#proposal")
    assert tally.proposed_unit_ids(world.campaign) == [u.id for u in world.units]


def test_summary_xlsx_keeps_formula_like_names_as_text(client, world):
    """A unit may register as ``=HYPERLINK(…)`` and the office names categories and the campaign: the
    workbook shows them as typed, as text cells, never as formulas (csvfile.xlsx_append)."""
    world.by_name()["甲"].name = '=HYPERLINK("http://evil","点我")'
    db.session.get(Campaign, world.cid).title = "+2026年度评选"
    db.session.commit()
    response = client.get(f"/office/campaigns/{world.cid}/composite.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    names = [c for c in cells if c.value == '=HYPERLINK("http://evil","点我")']
    assert len(names) == 1 and names[0].data_type == "s" and names[0].quotePrefix
    title = [c for c in cells if c.value.startswith("+2026年度评选") or "+2026年度评选" in c.value]
    assert title and all(c.data_type == "s" for c in title)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
