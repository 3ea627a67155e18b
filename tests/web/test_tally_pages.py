"""The office's tally page: chart, table, digest, signals, the proposed list form, settings, downloads;
nobody else sees it."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from evalflow.extensions import db
from evalflow.shared.access import Role
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.campaigns.rules import SeatRole
from evalflow.shared.phases import Phase
from evalflow.tally.models import TallySettings
from evalflow.tally.seal_rules import verify_export
from tests import factories
from tests.factories import PASSWORD, csrf_from, login
from tests.tally_world import build, set_phase

NAMES = ["甲社区", "乙社区", "丙社区", "丁社区"]


def ladder(giver, role, unit):
    if unit == 0:
        return "好"
    if unit == 1:
        return "好" if role is SeatRole.REPORTER else "较好"
    return "较好" if unit == 2 else ("一般" if giver != 0 else None)


@pytest.fixture
def world(app):
    return build(NAMES, ladder, tokens=True)


@pytest.fixture
def office(client, world):
    login(client, "office", PASSWORD)
    return client


def test_tally_page_shows_chart_table_digest_and_missing_seats(office, world):
    response = office.get(f"/office/campaigns/{world.campaign.id}/tally")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<svg viewBox="0 0 840 184" role="img" aria-labelledby="chart-title chart-desc"' in page
    assert "各单位得分与评定档次分布,按名次排列" in page
    # bars in rank order with accessible titles
    titles = re.findall(r"<title>([^<]*第 \d 名[^<]*)</title>", page)
    assert titles[0].startswith("甲社区:第 1 名,得分 100.00;好 9;较好 0;一般 0")
    assert titles[1].startswith("乙社区:第 2 名,得分 85.71")
    assert "去掉一个最高分和一个最低分后的平均分" in page
    assert "尚未封存:进入综合评定阶段时自动封存。" in page
    # no digest of a ballot set that still changes; the current ballots can be downloaded
    assert not re.search(r"<code>[0-9a-f]{64}</code>", page)
    assert f'href="/office/campaigns/{world.campaign.id}/ballots.csv"' in page
    assert "33 / 36" in page.replace("</strong>", "")
    assert "甲社区" in page and "未给部分单位评分" in page


def test_tally_page_refused_to_units_and_seats_and_public(client, world):
    path = f"/office/campaigns/{world.campaign.id}/tally"
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, "unit-a", PASSWORD)
    assert client.get(path).status_code == 403
    assert client.get(f"/office/campaigns/{world.campaign.id}/ballots.csv").status_code == 403


def test_tally_page_before_briefing_is_refused(office, world):
    set_phase(world.campaign, Phase.TRAINING)
    response = office.get(f"/office/campaigns/{world.campaign.id}/tally")
    assert response.status_code == 409


def test_proposal_form_top_k_then_deviation_needs_reason(office, world):
    set_phase(world.campaign, Phase.REVIEW)
    path = f"/office/campaigns/{world.campaign.id}/tally"
    token = csrf_from(office.get(path).get_data(as_text=True))
    response = office.post(path + "/proposal", data={"rule": "top_k", "k": "2", "csrf_token": token})
    assert response.status_code == 302
    page = office.get(path).get_data(as_text=True)
    assert "拟表彰对象名单已保存。" in page
    listed = re.search(r'<ol class="proposed-list">(.*?)</ol>', page, re.S).group(1)
    assert "甲社区" in listed and "乙社区" in listed and "丙社区" not in listed
    u = world.units
    data = {
        "rule": "top_k",
        "k": "2",
        "adjust": "1",
        "unit_ids": [str(u[0].id), str(u[2].id)],
        "csrf_token": token,
    }
    page = office.post(path + "/proposal", data=data, follow_redirects=True).get_data(as_text=True)
    assert "“丙社区”排在入选线以下,列入须写明理由。" in page
    data[f"reason-{u[2].id}"] = "群众测评第一"
    data[f"reason-{u[1].id}"] = "整改未完成"
    page = office.post(path + "/proposal", data=data, follow_redirects=True).get_data(as_text=True)
    assert "拟表彰对象名单已保存。" in page
    assert "未列入 乙社区:整改未完成" in page
    actions = [a for (a,) in db.session.query(AuditEntry.action).filter(AuditEntry.action.like("proposal.%"))]
    assert actions == ["proposal.set", "proposal.set", "proposal.add_below_cut", "proposal.skip"]


def test_settings_form_changes_method_in_draft_only(office, world):
    set_phase(world.campaign, Phase.DRAFT)
    path = f"/office/campaigns/{world.campaign.id}/tally/settings"
    overview = office.get(f"/office/campaigns/{world.campaign.id}").get_data(as_text=True)
    assert (
        f'href="{path}"' in overview and f'href="/office/campaigns/{world.campaign.id}/tally"' not in overview
    )
    token = csrf_from(office.get(path).get_data(as_text=True))
    data = {"method": "median", "flat_min_ballots": "4", "reciprocity_margin": "10", "downgrade_margin": "12.5",
            "leading_units": "3", "csrf_token": token}  # fmt: skip
    response = office.post(path, data=data)
    assert response.status_code == 302
    settings = db.session.get(TallySettings, world.campaign.id)
    db.session.refresh(settings)
    assert (settings.method.value, settings.flat_min_ballots, str(settings.downgrade_margin)) == (
        "median",
        4,
        "12.50",
    )
    set_phase(world.campaign, Phase.BRIEFING)
    page = office.get(path).get_data(as_text=True)
    assert "计分方法和阈值只能在筹备阶段修改。" in page and "中位数" in page


def test_downloads_pdf_xlsx_csv_and_verifiable_ballots(office, world):
    base = f"/office/campaigns/{world.campaign.id}"
    pdf = office.get(base + "/tally.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    xlsx = office.get(base + "/tally.xlsx")
    book = load_workbook(io.BytesIO(xlsx.data))
    sheet = book.worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0] == "名次")
    assert rows[header + 1][:5] == [1, world.units[0].id, "甲社区", None, 9]
    assert len(book["选票"]["A"]) == 34
    tally_csv = office.get(base + "/tally.csv").get_data(as_text=True)
    assert tally_csv.splitlines()[1].startswith(f"1,{world.units[0].id},甲社区,,9,0,0,9,9,100.00")
    ballots = office.get(base + "/ballots.csv").get_data(as_text=True)
    assert "张三" not in ballots and "甲社区reporter" not in ballots
    result = verify_export(ballots)
    assert result.ok, [p.render() for p in result.problems]
    assert result.ballots == 33


def test_proposal_form_invalid_k_flashes_the_reason(office, world):
    set_phase(world.campaign, Phase.REVIEW)
    path = f"/office/campaigns/{world.campaign.id}/tally"
    token = csrf_from(office.get(path).get_data(as_text=True))
    data = {"rule": "top_k", "k": "0", "csrf_token": token}
    page = office.post(path + "/proposal", data=data, follow_redirects=True).get_data(as_text=True)
    assert "数值大小必须介于 1 到 1000 之间。" in page
    assert "拟表彰对象名单已保存。" not in page


def test_settings_form_after_draft_is_refused_with_a_reason(office, world):
    path = f"/office/campaigns/{world.campaign.id}/tally/settings"
    token = csrf_from(office.get(path).get_data(as_text=True))
    data = {"method": "mean", "flat_min_ballots": "4", "reciprocity_margin": "10", "downgrade_margin": "10",
            "leading_units": "3", "csrf_token": token}  # fmt: skip
    response = office.post(path, data=data, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "不能执行此操作" in page and "计分方法和阈值只能在筹备阶段修改。" in page
    assert db.session.get(TallySettings, world.campaign.id).method.value == "trimmed_mean"


def test_tally_page_and_pdf_without_units_or_ballots(client, app):
    world = build([], lambda giver, role, unit: None)
    factories.user("office", Role.OFFICE)
    db.session.commit()
    login(client, "office", PASSWORD)
    page = client.get(f"/office/campaigns/{world.campaign.id}/tally")
    assert page.status_code == 200 and "还没有参评单位。" in page.get_data(as_text=True)
    pdf = client.get(f"/office/campaigns/{world.campaign.id}/tally.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
