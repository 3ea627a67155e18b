"""The office desk: dashboard, creating a campaign, the timeline, blocked reasons, the scale editor."""

from __future__ import annotations

import re

import pytest

from evalflow.extensions import db
from evalflow.intake.models import ApplicationStatus
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.phases import Phase
from tests import factories
from tests.factories import csrf_from, login


@pytest.fixture
def signed_in(client):
    factories.admin()
    login(client)
    return client


def new_campaign(client, title="2026年度文明单位评选", days="5"):
    token = csrf_from(client.get("/office/campaigns/new").get_data(as_text=True))
    return client.post(
        "/office/campaigns/new",
        data={"title": title, "description": "说明", "notice_working_days": days, "csrf_token": token},
    )


def test_dashboard_empty_state(signed_in):
    page = signed_in.get("/office/").get_data(as_text=True)
    assert "还没有评选活动。" in page


def test_create_campaign_from_form(signed_in):
    response = new_campaign(signed_in)
    assert response.status_code == 302
    campaign = db.session.query(Campaign).one()
    assert (campaign.title, campaign.description, campaign.phase) == (
        "2026年度文明单位评选",
        "说明",
        Phase.DRAFT,
    )
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "评选活动已创建。" in page
    assert "进入“申报”阶段" in page
    assert "2026年度文明单位评选" in signed_in.get("/office/").get_data(as_text=True)


def test_create_campaign_invalid_shows_errors(signed_in):
    response = new_campaign(signed_in, title="", days="0")
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写标题。" in text and "公示期须在 1 到 60 个工作日之间。" in text
    assert db.session.query(Campaign).count() == 0


def test_campaign_page_shows_timeline_and_blocked_reasons(signed_in):
    new_campaign(signed_in)
    campaign = db.session.query(Campaign).one()
    page = signed_in.get(f"/office/campaigns/{campaign.id}").get_data(as_text=True)
    token = csrf_from(page)
    signed_in.post(f"/office/campaigns/{campaign.id}/transition", data={"to": "intake", "csrf_token": token})
    factories.unit(campaign, "乌山社区", ApplicationStatus.SUBMITTED)
    db.session.commit()
    page = signed_in.get(f"/office/campaigns/{campaign.id}").get_data(as_text=True)
    assert re.search(r'class="current">\s*<span class="dot">2</span><span class="name">申报', page)
    assert "暂不能进入“集中培训”阶段" in page
    assert "至少需要 2 个已通过审核的申报单位,目前只有 0 个。" in page
    assert "还有 1 份已提交的申报材料未审核。" in page
    assert 'disabled aria-disabled="true"' in page


def test_blocked_transition_post_flashes_reasons(signed_in):
    new_campaign(signed_in)
    campaign = db.session.query(Campaign).one()
    token = csrf_from(signed_in.get(f"/office/campaigns/{campaign.id}").get_data(as_text=True))
    signed_in.post(f"/office/campaigns/{campaign.id}/transition", data={"to": "intake", "csrf_token": token})
    response = signed_in.post(
        f"/office/campaigns/{campaign.id}/transition",
        data={"to": "training", "csrf_token": token},
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert "尚不满足进入下一阶段的条件。" in text
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).phase is Phase.INTAKE


def test_scale_editor_saves_rows_and_ignores_blanks(signed_in):
    new_campaign(signed_in)
    cid = db.session.query(Campaign).one().id
    token = csrf_from(signed_in.get(f"/office/campaigns/{cid}/scale").get_data(as_text=True))
    data = {
        "csrf_token": token,
        "grades-0-label": "优秀",
        "grades-0-points": "95",
        "grades-0-criteria": "成效显著",
        "grades-1-label": "合格",
        "grades-1-points": "75",
        "grades-1-criteria": "有所开展",
        "grades-2-label": "",
        "grades-2-points": "",
        "grades-2-criteria": "",
    }
    response = signed_in.post(f"/office/campaigns/{cid}/scale", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    scale = db.session.get(Campaign, cid).scale
    assert [(g.label, int(g.points), g.criteria) for g in scale] == [
        ("优秀", 95, "成效显著"),
        ("合格", 75, "有所开展"),
    ]


def test_scale_editor_rejects_duplicates_and_keeps_old_scale(signed_in):
    new_campaign(signed_in)
    cid = db.session.query(Campaign).one().id
    token = csrf_from(signed_in.get(f"/office/campaigns/{cid}/scale").get_data(as_text=True))
    data = {
        "csrf_token": token,
        "grades-0-label": "好",
        "grades-0-points": "1",
        "grades-1-label": "好",
        "grades-1-points": "2",
    }
    response = signed_in.post(f"/office/campaigns/{cid}/scale", data=data)
    assert response.status_code == 400
    assert "档次名称“好”重复。" in response.get_data(as_text=True)
    db.session.expire_all()
    assert [g.label for g in db.session.get(Campaign, cid).scale] == ["好", "较好", "一般"]


def test_scale_editor_refused_after_draft(signed_in):
    new_campaign(signed_in)
    cid = db.session.query(Campaign).one().id
    token = csrf_from(signed_in.get(f"/office/campaigns/{cid}").get_data(as_text=True))
    signed_in.post(f"/office/campaigns/{cid}/transition", data={"to": "intake", "csrf_token": token})
    page = signed_in.get(f"/office/campaigns/{cid}").get_data(as_text=True)
    assert "评定表只能在筹备阶段修改。" in page
    data = {
        "csrf_token": token,
        "grades-0-label": "甲",
        "grades-0-points": "1",
        "grades-1-label": "乙",
        "grades-1-points": "2",
    }
    response = signed_in.post(f"/office/campaigns/{cid}/scale", data=data)
    assert response.status_code == 400
    assert "评定表和公示期只能在筹备阶段修改。" in response.get_data(as_text=True)


def test_activity_log_shows_states_in_words(signed_in):
    from evalflow.shared.access import Actor, Role
    from evalflow.shared.audit import record as audit

    new_campaign(signed_in)
    campaign = db.session.query(Campaign).one()
    actor = Actor(Role.OFFICE, label="office")
    audit.record(
        actor, "application.review", campaign_id=campaign.id, from_state="submitted", to_state="accepted"
    )
    audit.record(actor, "campaign.transition", campaign_id=campaign.id, from_state="draft", to_state="intake")
    db.session.commit()
    page = signed_in.get(f"/office/campaigns/{campaign.id}").get_data(as_text=True)
    assert "已提交待审核 → 审核通过" in page
    assert "筹备 → 申报" in page


def test_activity_log_names_the_unit_acted_on(signed_in):
    from evalflow.intake.models import Application
    from evalflow.shared.access import Actor, Role
    from evalflow.shared.audit import record as audit

    new_campaign(signed_in)
    campaign = db.session.query(Campaign).one()
    unit = factories.unit(campaign, "五塔北街社区", ApplicationStatus.SUBMITTED)
    application = db.session.query(Application).filter_by(unit_id=unit.id).one()
    actor = Actor(Role.OFFICE, label="office")
    audit.record(
        actor, "application.review", campaign_id=campaign.id, subject=("application", application.id)
    )
    audit.record(actor, "unit.create", campaign_id=campaign.id, subject=("unit", 9999))
    db.session.commit()
    page = signed_in.get(f"/office/campaigns/{campaign.id}").get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<td class=\"nowrap\">.*?</tr>", page, re.S)
    review = next(r for r in rows if "审核申报材料" in r)
    assert "<td>五塔北街社区</td>" in review


def test_edit_campaign_with_empty_title_flashes_reason(signed_in):
    new_campaign(signed_in)
    cid = db.session.query(Campaign).one().id
    token = csrf_from(signed_in.get(f"/office/campaigns/{cid}").get_data(as_text=True))
    response = signed_in.post(
        f"/office/campaigns/{cid}/edit",
        data={"csrf_token": token, "title": "", "notice_working_days": "5"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "请填写标题。" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Campaign, cid).title == "2026年度文明单位评选"


def test_scale_editor_out_of_range_points_shows_field_error(signed_in):
    new_campaign(signed_in)
    cid = db.session.query(Campaign).one().id
    token = csrf_from(signed_in.get(f"/office/campaigns/{cid}/scale").get_data(as_text=True))
    data = {
        "csrf_token": token,
        "grades-0-label": "好",
        "grades-0-points": "2000",
        "grades-1-label": "差",
        "grades-1-points": "1",
    }
    response = signed_in.post(f"/office/campaigns/{cid}/scale", data=data)
    assert response.status_code == 400
    assert re.search(r'<p class="error">[^<]*1000[^<]*</p>', response.get_data(as_text=True))
