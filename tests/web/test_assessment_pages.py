"""The 测评体系's pages: the office's tree editor (problems shown on their rows, input kept), the
reviewer grid with its proposal, divergences resolved, and the reviewer's side-by-side sheet without
JavaScript (saved, refused with the input kept, submitted and locked)."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from reportlab.pdfgen import canvas
from werkzeug.datastructures import FileStorage

from evalflow.assessment.models import ReviewerAssignment, ReviewerConflict
from evalflow.assessment.parse import parse_tree
from evalflow.assessment.tree_form import rows_of_tree
from evalflow.assessment.tree_rows import load_tree
from evalflow.extensions import db
from evalflow.intake.applications import peek_application
from evalflow.shared.files import store
from evalflow.shared.phases import Phase
from tests import assessment_world, factories
from tests.assessment_trees import small_data


class Browser:
    """A signed-in test client whose posts carry the session's CSRF token."""

    def __init__(self, client, token: str) -> None:
        self.client, self.token = client, token

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict, **kwargs):
        return self.client.post(url, data={**data, "csrf_token": self.token}, **kwargs)


@pytest.fixture
def sign_in(client, auth):
    def signed(user) -> Browser:
        browser = auth.browser(user)
        return Browser(browser, factories.csrf(browser, "/"))

    return signed


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def tree_form_data(rows, **settings) -> dict:
    data: dict = {key: [row[key] for row in rows] for key in rows[0]}
    data.update({"mode": "points", "bonus_cap": "4", **settings})
    return data


def test_tree_page_saves_the_table_and_shows_totals(app, client, sign_in):
    world = assessment_world.build(Phase.DRAFT, with_tree=False)
    browser = sign_in(world.users["office"])
    url = f"/office/campaigns/{world.cid}/assessment/indicators"
    assert "还没有测评体系" in page(browser, url)
    rows = rows_of_tree(parse_tree(small_data())) + [
        dict.fromkeys(rows_of_tree(parse_tree(small_data()))[0], "")
    ]
    rows[-1]["evidence"] = "0"  # a blank row left for adding: ignored
    response = browser.post(url, data=tree_form_data(rows))
    assert response.status_code == 302
    assert load_tree(world.cid) == parse_tree(small_data())
    html = page(browser, url)
    assert 'value="A1"' in html and "基本分合计" in html
    assert re.search(r"基本分合计</th><td>30</td>", html)


def test_tree_page_shows_each_problem_on_its_row_and_keeps_the_input(app, client, sign_in):
    world = assessment_world.build(Phase.DRAFT, with_tree=False)
    browser = sign_in(world.users["office"])
    rows = rows_of_tree(parse_tree(small_data()))
    rows[1]["points"] = "六分"
    rows[2]["parent"] = "ZZ"
    response = browser.post(
        f"/office/campaigns/{world.cid}/assessment/indicators", data=tree_form_data(rows, bonus_cap="很多")
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'value="六分"' in html and 'value="ZZ"' in html and 'value="很多"' in html
    assert 'id="err-1-points"' in html and 'id="err-2-parent"' in html
    assert "上级编码“ZZ”不存在。" in html and "加分上限须为 0 到 1000 之间的数" in html
    assert load_tree(world.cid) is None


def test_tree_page_default_tree_copy_and_workbook(app, client, sign_in):
    world = assessment_world.build(Phase.DRAFT, with_tree=False)
    browser = sign_in(world.users["office"])
    base = f"/office/campaigns/{world.cid}/assessment/indicators"
    assert browser.post(base + "/default", data={"category": "机关事业单位"}).status_code == 302
    assert load_tree(world.cid).totals().total == 100
    exported = browser.get(base + ".xlsx")
    assert exported.status_code == 200 and exported.data[:2] == b"PK"
    later = factories.campaign("下一年度", phase=Phase.DRAFT)
    db.session.commit()
    copied = browser.post(
        f"/office/campaigns/{later.id}/assessment/indicators/copy", data={"campaign": world.cid}
    )
    assert copied.status_code == 302
    assert load_tree(later.id) == load_tree(world.cid)
    upload = browser.post(
        f"/office/campaigns/{later.id}/assessment/indicators/import",
        data={"file": (io.BytesIO(b"not a workbook"), "x.xlsx")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    assert "只接受 Excel 工作簿" in page(browser, f"/office/campaigns/{later.id}/assessment/indicators")


def test_tree_page_when_frozen_shows_why_and_offers_no_save(app, client, sign_in):
    world = assessment_world.build(Phase.TRAINING)
    client.put(world.sheet_url(), json={"scores": {"A1": 1}}, headers=world.headers("zhang"))
    browser = sign_in(world.users["office"])
    html = page(browser, f"/office/campaigns/{world.cid}/assessment/indicators")
    assert "测评体系已开始使用,不能再修改" in html and "已有评分表打分或填写意见。" in html
    assert "保存测评体系" not in html


def test_reviewer_grid_proposal_and_save(app, client, sign_in):
    world = assessment_world.build(Phase.TRAINING, assign=False)
    browser = sign_in(world.users["office"])
    url = f"/office/campaigns/{world.cid}/assessment/reviewers"
    html = page(browser, url)
    assert html.count("(不足)") == 2 and "回避" in html  # 王 works for 甲
    proposed = page(browser, url + "?proposal=1")
    pairs = re.findall(r'name="pair" value="(\d+:\d+)" checked', proposed)
    assert len(pairs) == 4 and proposed.count('class="proposed"') == 4
    assert f"{world.a.id}:{world.users['wang'].id}" not in pairs
    assert browser.post(url, data={"pair": pairs}).status_code == 302
    saved = db.session.execute(sa.select(ReviewerAssignment.unit_id, ReviewerAssignment.reviewer_id)).all()
    assert sorted(f"{u}:{r}" for u, r in saved) == sorted(pairs)
    refused = browser.post(url, data={"pair": [f"{world.a.id}:{world.users['wang'].id}"]})
    assert refused.status_code == 302
    assert "王评审在该申报单位工作" in page(browser, url)
    assert len(db.session.execute(sa.select(ReviewerAssignment.id)).all()) == 4  # nothing half-saved


def test_reviewer_conflict_added_on_the_page(app, client, sign_in):
    world = assessment_world.build(Phase.TRAINING, assign=False)
    browser = sign_in(world.users["office"])
    url = f"/office/campaigns/{world.cid}/assessment/reviewers/conflicts"
    response = browser.post(url, data={"reviewer": world.users["li"].id, "unit": world.b.id, "note": "亲属"})
    assert response.status_code == 302
    conflict = db.session.scalars(sa.select(ReviewerConflict)).one()
    assert (conflict.reviewer_id, conflict.unit_id, conflict.note) == (
        world.users["li"].id,
        world.b.id,
        "亲属",
    )


def _diverge(client, world) -> None:
    for who, points in (("zhang", 6), ("li", 1)):
        response = client.put(
            world.sheet_url(), json={"scores": {"A1": points}, "submit": True}, headers=world.headers(who)
        )
        assert response.status_code == 200


def test_divergence_page_decides_with_a_reason(app, client, sign_in):
    world = assessment_world.build(Phase.TRAINING)
    _diverge(client, world)
    browser = sign_in(world.users["office"])
    url = f"/office/campaigns/{world.cid}/assessment/divergences"
    html = page(browser, url)
    assert "甲社区 · A1 制度" in html and "待处理" in html and "zhang:6" in html
    empty = browser.post(
        url + "/decision", data={"unit": world.a.id, "code": "A1", "points": "4", "reason": ""}
    )
    assert (
        empty.status_code == 302
        and "已认定" not in page(browser, url).split("评分分歧</h1>")[1].split("<form")[0]
    )
    done = browser.post(
        url + "/decision", data={"unit": world.a.id, "code": "A1", "points": "4", "reason": "核实台账"}
    )
    assert done.status_code == 302
    html = page(browser, url)
    assert "已认定" in html and "核实台账" in html
    sheets = page(browser, f"/office/campaigns/{world.cid}/assessment/units/{world.a.id}/sheets")
    assert "张评审" in sheets and "李评审" in sheets


def _pdf() -> bytes:
    out = io.BytesIO()
    drawing = canvas.Canvas(out)
    drawing.drawString(72, 720, "report")
    drawing.save()
    return out.getvalue()


def test_reviewer_sheet_side_by_side_without_javascript(app, client, sign_in):
    world = assessment_world.build(Phase.TRAINING)
    application = peek_application(world.a)
    application.report_text = "一、组织领导\n二、阵地建设"
    stored = store.store_upload(
        world.cid, "attachment", FileStorage(io.BytesIO(_pdf()), "台账.pdf"), application_id=application.id
    )
    db.session.commit()
    browser = sign_in(world.users["zhang"])
    url = f"/review/campaigns/{world.cid}/units/{world.a.id}"
    assert "甲社区" in page(browser, "/review/")
    html = page(browser, url)
    assert "一、组织领导" in html and "台账.pdf" in html and 'name="score-A1"' in html
    assert "A2" not in re.sub(r"<[^>]+>", "", html.split("材料审核条目")[1])  # only materials leaves
    opened = browser.get(f"/review/campaigns/{world.cid}/units/{world.a.id}/files/{stored.id}")
    assert opened.status_code == 200 and opened.headers["Content-Disposition"].startswith("inline;")
    opened.close()
    bad = browser.post(
        url, data={"score-A1": "7", "score-T1": "2", "comment-A1": "台账齐全", "action": "save"}
    )
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert 'value="7"' in text and "台账齐全" in text and "得分须为 0 到 6 之间的数" in text
    saved = browser.post(
        url, data={"score-A1": "5.5", "score-T1": "2", "comment-A1": "台账齐全", "action": "save"}
    )
    assert saved.status_code == 302
    mine = client.get(world.sheet_url(), headers=world.headers("zhang")).get_json()
    assert (mine["scores"], mine["comments"], mine["submitted"]) == (
        {"A1": 5.5, "T1": 2},
        {"A1": "台账齐全"},
        False,
    )
    browser.post(url, data={"score-A1": "5.5", "action": "submit"})
    locked = page(browser, url)
    assert "已提交" in locked and "提交评分表" not in locked and "disabled" in locked


@pytest.mark.parametrize("who", ["wang", "office", "unit"])
def test_reviewer_sheet_of_another_unit_or_role_is_refused(app, client, sign_in, who):
    world = assessment_world.build(Phase.TRAINING)
    url = f"/review/campaigns/{world.cid}/units/{world.a.id}"
    browser = sign_in(world.users[who])
    assert browser.get(url).status_code == 403
    assert browser.post(url, data={"score-A1": "1"}).status_code == 403
