"""Small things users hit: the review form keeps the comment, the login page says how to get a new
password, the seat page has no sign-in links."""

from __future__ import annotations

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.intake.models import Application, ApplicationStatus
from tests.factories import PASSWORD, csrf_from, login
from tests.intake_world import build


def _submitted_world():
    world = build()
    row = db.session.scalar(sa.select(Application).where(Application.unit_id == world.a.id))
    row.report_title, row.report_text, row.status = "甲社区汇报", "正文", ApplicationStatus.SUBMITTED
    db.session.commit()
    return world


def test_review_without_decision_keeps_the_typed_comment(client):
    world = _submitted_world()
    login(client, "office", PASSWORD)
    url = f"/office/campaigns/{world.campaign.id}/units/{world.a.id}/application"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(url + "/review", data={"comment": "请补充第三部分的数据", "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请选择审核结论。" in page
    assert "请补充第三部分的数据</textarea>" in page
    assert db.session.scalar(sa.select(Application.status).where(Application.unit_id == world.a.id)) == (
        ApplicationStatus.SUBMITTED
    )


def test_review_refused_by_the_rules_keeps_the_typed_comment(client):
    world = _submitted_world()
    login(client, "office", PASSWORD)
    url = f"/office/campaigns/{world.campaign.id}/units/{world.a.id}/application"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(
        url + "/review", data={"decision": "return", "comment": "   ", "csrf_token": token}
    )
    assert response.status_code == 400
    assert "退回或不予通过时须填写意见。" in response.get_data(as_text=True)


def test_review_with_decision_saves_and_returns_to_the_page(client):
    world = _submitted_world()
    login(client, "office", PASSWORD)
    url = f"/office/campaigns/{world.campaign.id}/units/{world.a.id}/application"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(url + "/review", data={"decision": "accept", "comment": "", "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith(url)


def test_login_page_says_how_to_get_a_new_password(client):
    page = client.get("/login").get_data(as_text=True)
    assert "忘记密码?请联系文明办:工作人员会在单位列表中为您重置密码,并把新密码告诉您。" in page


def test_seat_pages_show_no_sign_in_or_registration_links(client):
    from tests.training_world import build as training_build

    world = training_build(client)
    for response in (client.get(f"/s/{world.tokens['seat']}"), client.get("/s/unknown-token")):
        page = response.get_data(as_text=True)
        assert 'href="/login"' not in page and 'href="/unit/register"' not in page
        assert "评分代表" in page or "代表证无效" in page
    landing = client.get("/").get_data(as_text=True)
    assert 'href="/login"' in landing and 'href="/unit/register"' in landing


def test_language_link_switches_in_place_without_referer(client):
    from tests.training_world import build as training_build

    world = training_build(client)
    seat = f"/s/{world.tokens['seat']}"
    page = client.get(seat).get_data(as_text=True)
    assert f'href="{seat}?lang=en"' in page
    english = client.get(f"{seat}?lang=en")  # what the browser opens, with no Referer
    assert english.status_code == 200 and 'lang="en"' in english.get_data(as_text=True)
