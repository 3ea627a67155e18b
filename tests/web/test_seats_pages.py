"""The HTML side of the training and the delegations, tried as a new user would, plus its access matrix.

The office runs a training, marks attendance, answers a question that every unit then sees; units
check in by the venue QR, ask online, name their delegates and print credential cards.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import g

from evalflow.extensions import db
from evalflow.shared.campaigns.models import Seat
from evalflow.training.models import Attendance
from tests.factories import PASSWORD, csrf_from, login
from tests.intake_world import PDF  # a real PDF: uploads are parsed (issue 8)
from tests.training_world import World, build


@pytest.fixture
def world(client) -> World:
    return build(client)


def _fresh() -> None:
    """The test app context outlives requests, so forget the CSRF token Flask-WTF cached in ``g``
    for the previous browser (in production every request has its own ``g``)."""
    g.pop("csrf_token", None)


def _browser(app, username: str):
    browser = app.test_client()
    _fresh()
    login(browser, username, PASSWORD)
    return browser


@pytest.fixture
def office(app, world):
    return _browser(app, "office")


def _unit(app, username: str):
    return _browser(app, username)


def _post(browser, page: str, action: str, data: dict):
    _fresh()
    token = csrf_from(browser.get(page).get_data(as_text=True))
    return browser.post(action, data={**data, "csrf_token": token})


def test_training_page_shows_progress_and_marking_updates_it(office, world):
    page = f"/office/campaigns/{world.campaign.id}/training"
    before = office.get(page).get_data(as_text=True)
    assert "<strong>0</strong> / 2" in before and "甲社区、乙社区" in before
    action = f"/office/campaigns/{world.campaign.id}/units/{world.a.id}/attendance"
    response = _post(office, page, action, {"status": "attended", "note": ""})
    assert response.status_code == 302
    after = office.get(page).get_data(as_text=True)
    assert "<strong>1</strong> / 2" in after and "已登记。" in after
    campaign_page = office.get(f"/office/campaigns/{world.campaign.id}").get_data(as_text=True)
    assert "个单位已参训" in campaign_page and "尚未登记:乙社区" in campaign_page


def test_training_page_excuse_without_note_shows_error_and_saves_nothing(office, world):
    page = f"/office/campaigns/{world.campaign.id}/training"
    action = f"/office/campaigns/{world.campaign.id}/units/{world.a.id}/attendance"
    _post(office, page, action, {"status": "excused", "note": ""})
    assert "请假须填写说明。" in office.get(page).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


def test_office_answer_is_seen_by_every_unit(office, world, app):
    page = f"/office/campaigns/{world.campaign.id}/faq"
    _post(office, page, page, {"question": "汇报几分钟?", "answer": "每个单位八分钟。"})
    for username in ("unit-a", "unit-b"):
        text = _unit(app, username).get("/unit/faq").get_data(as_text=True)
        assert "汇报几分钟?" in text and "每个单位八分钟。" in text
    assert "汇报几分钟?" not in _unit(app, "unit-x").get("/unit/faq").get_data(as_text=True)


def test_unit_question_online_then_answered_for_all(office, world, app):
    a = _unit(app, "unit-a")
    _post(a, "/unit/faq", "/unit/faq", {"question": "照片要原件吗?"})
    assert "照片要原件吗?" in a.get("/unit/faq").get_data(as_text=True)
    b = _unit(app, "unit-b")
    assert "照片要原件吗?" not in b.get("/unit/faq").get_data(as_text=True)
    page = f"/office/campaigns/{world.campaign.id}/faq"
    listing = office.get(page).get_data(as_text=True)
    assert "照片要原件吗?" in listing and "甲社区" in listing
    fid = db.session.execute(sa.text("SELECT id FROM faq_entry")).scalar()
    _post(office, page, f"{page}/{fid}/answer", {"answer": "复印件即可。"})
    assert "复印件即可。" in b.get("/unit/faq?q=照片").get_data(as_text=True)


def test_unit_checks_in_by_scanning_the_venue_code(office, world, app):
    page = f"/office/campaigns/{world.campaign.id}/training"
    shown = _post(office, page, f"{page}/checkin", {"minutes": "30"})
    display = office.get(shown.headers["Location"]).get_data(as_text=True)
    assert "<svg" in display
    scanned = display.split("/unit/checkin/")[1].split("<")[0].strip()
    a = _unit(app, "unit-a")
    checkin_page = f"/unit/checkin/{scanned}"
    assert "甲社区" in a.get(checkin_page).get_data(as_text=True)
    done = _post(a, checkin_page, checkin_page, {})
    assert done.status_code == 302
    assert db.session.scalar(sa.select(Attendance.unit_id)) == world.a.id


def test_unit_names_delegates_and_prints_cards(world, app):
    b = _unit(app, "unit-b")
    for role, name in (("reporter", "赵磊"), ("cadre", "王芳")):
        _post(b, "/unit/seats", "/unit/seats", {"role": role, "name": name})
    text = b.get("/unit/seats").get_data(as_text=True)
    assert "赵磊" in text and "王芳" in text and "2 / 3 人" in text
    cards = _post(b, "/unit/seats", "/unit/seats/cards", {})
    assert cards.status_code == 200 and cards.mimetype == "application/pdf"


def test_unit_duplicate_role_shows_clear_error(world, app):
    a = _unit(app, "unit-a")
    _post(a, "/unit/seats", "/unit/seats", {"role": "reporter", "name": "另一人"})
    assert "已有汇报人" in a.get("/unit/seats").get_data(as_text=True)
    assert db.session.scalar(sa.select(Seat.name).where(Seat.unit_id == world.a.id)) == "张三"


def test_office_reissue_downloads_one_card_and_retires_old_link(office, world, client):
    seat = db.session.scalar(sa.select(Seat).where(Seat.unit_id == world.a.id))
    page = f"/office/campaigns/{world.campaign.id}/seats"
    old_path = f"/s/{world.tokens['seat']}"
    assert client.get(old_path).status_code == 200
    response = _post(
        office, page, f"/office/campaigns/{world.campaign.id}/units/{world.a.id}/seats/{seat.id}/reissue", {}
    )
    assert response.mimetype == "application/pdf"
    invalid = client.get(old_path)
    assert invalid.status_code == 404 and "代表证无效" in invalid.get_data(as_text=True)


def test_seat_landing_unknown_token_is_friendly_404(client, world):
    response = client.get("/s/not-a-real-token")
    assert response.status_code == 404
    assert "已被重新签发" in response.get_data(as_text=True)


def test_seat_landing_shows_who_and_not_started(client, world):
    page = client.get(urlsplit(f"http://localhost/s/{world.tokens['seat']}").path)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert all(word in text for word in ("甲社区", "汇报人", "张三", "评分尚未开始"))


PAGES = [
    "/office/campaigns/{c}/training",
    "/office/campaigns/{c}/faq",
    "/office/campaigns/{c}/seats",
    "/unit/training",
    "/unit/faq",
    "/unit/seats",
]
EXPECTED = {
    "office": [200, 200, 200, 403, 403, 403],
    "unit-a": [403, 403, 403, 200, 200, 200],
    "unit-x": [403, 403, 403, 200, 200, 200],
    "public": [302, 302, 302, 302, 302, 302],
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_training_pages_access(app, world, who):
    browser = app.test_client() if who == "public" else _unit(app, who)
    for page, expected in zip(PAGES, EXPECTED[who], strict=True):
        response = browser.get(page.format(c=world.campaign.id))
        assert response.status_code == expected, (who, page)
        if who == "unit-x" and expected == 200:
            assert "甲社区" not in response.get_data(as_text=True) and "张三" not in response.get_data(
                as_text=True
            )


def test_office_schedules_training_and_uploads_material_units_see_both(office, world, app):
    page = f"/office/campaigns/{world.campaign.id}/training"
    _post(
        office,
        page,
        f"{page}/schedule",
        {"starts_at": "2026-12-03T09:30", "place": "礼堂", "agenda": "意义\n\n流程"},
    )
    _fresh()
    token = csrf_from(office.get(page).get_data(as_text=True))
    office.post(
        f"{page}/materials",
        data={"file": (io.BytesIO(PDF), "培训讲义.pdf"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    text = _unit(app, "unit-b").get("/unit/training").get_data(as_text=True)
    assert "2026-12-03 09:30" in text and "礼堂" in text and "培训讲义.pdf" in text
    assert "<li>意义</li><li>流程</li>" in text


def test_office_upload_of_wrong_type_is_refused_with_message(office, world):
    page = f"/office/campaigns/{world.campaign.id}/training"
    _fresh()
    token = csrf_from(office.get(page).get_data(as_text=True))
    office.post(
        f"{page}/materials",
        data={"file": (io.BytesIO(b"MZ\x90\x00"), "讲义.pdf"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert "不支持的文件类型" in office.get(page).get_data(as_text=True)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_training_pages_render_in_every_language(office, world, app, lang):
    for page in PAGES[:3]:
        assert office.get(page.format(c=world.campaign.id), query_string={"lang": lang}).status_code == 200
    unit = _unit(app, "unit-a")
    for page in PAGES[3:]:
        assert unit.get(page, query_string={"lang": lang}).status_code == 200
    assert app.test_client().get(f"/s/{world.tokens['seat']}", query_string={"lang": lang}).status_code == 200
