"""The briefing's HTML pages: control panel, order, big screen, paper entry, and the delegate's page."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import g

from evalflow.briefing.models import Ballot, Presentation
from evalflow.extensions import db
from tests.briefing_world import BriefingWorld, build
from tests.factories import PASSWORD, csrf_from, login


@pytest.fixture
def world(client) -> BriefingWorld:
    return build(client)


@pytest.fixture
def office(app, world):
    browser = app.test_client()
    g.pop("csrf_token", None)
    login(browser, "office", PASSWORD)
    return browser


def _post(browser, page: str, action: str, data: dict):
    g.pop("csrf_token", None)
    token = csrf_from(browser.get(page).get_data(as_text=True))
    return browser.post(action, data={**data, "csrf_token": token})


def _panel(world: BriefingWorld) -> str:
    return f"/office/campaigns/{world.cid}/briefing"


def _status(world: BriefingWorld, index: int) -> str:
    return db.session.scalar(
        sa.select(Presentation.status).where(Presentation.unit_id == world.uid(index))
    ).value


def test_panel_opens_and_closes_scoring(office, world):
    html = office.get(_panel(world)).get_data(as_text=True)
    assert "甲社区" in html and "开放评分" in html and 'src="/static/briefing.js"' in html
    opened = _post(office, _panel(world), f"{_panel(world)}/{world.uid(1)}/open", {"seconds": ""})
    assert opened.status_code == 302 and _status(world, 1) == "open"
    html = office.get(_panel(world)).get_data(as_text=True)
    assert "结束评分" in html and 'id="live-ballots">0<' in html and "尚未评分的代表" in html
    _post(office, _panel(world), f"{_panel(world)}/{world.uid(1)}/close", {})
    assert _status(world, 1) == "closed"


def test_campaign_page_links_to_the_control_panel(office, world):
    html = office.get(f"/office/campaigns/{world.cid}").get_data(as_text=True)
    assert f'href="{_panel(world)}"' in html and f'href="{_panel(world)}/order"' in html


def test_panel_refuses_a_second_open_with_a_message(office, world):
    _post(office, _panel(world), f"{_panel(world)}/{world.uid(0)}/open", {})
    response = _post(office, _panel(world), f"{_panel(world)}/{world.uid(1)}/open", {})
    page = office.get(response.headers["Location"]).get_data(as_text=True)
    assert "甲社区" in page and "评分尚未结束" in page
    assert (_status(world, 0), _status(world, 1)) == ("open", "pending")


def test_panel_has_no_inline_script_or_style(office, world):
    html = office.get(_panel(world)).get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and " style=" not in html


def test_order_page_draws_and_shows_seed_and_algorithm(office, world):
    page = f"{_panel(world)}/order"
    _post(office, page, f"{page}/draw", {"seed": "抽签-1"})
    html = office.get(page).get_data(as_text=True)
    assert 'id="draw-seed">抽签-1<' in html and "sha256-fisher-yates-v1" in html and "SHA-256" in html


def test_order_page_sets_order_by_hand(office, world):
    page = f"{_panel(world)}/order"
    data = {f"pos-{world.uid(0)}": "3", f"pos-{world.uid(1)}": "1", f"pos-{world.uid(2)}": "2"}
    _post(office, page, page, data)
    positions = dict(db.session.execute(sa.select(Presentation.unit_id, Presentation.position)).all())
    assert [positions[world.uid(i)] for i in range(3)] == [3, 1, 2]


def test_big_screen_shows_progress_and_never_grades(office, world, client):
    _post(office, _panel(world), f"{_panel(world)}/{world.uid(1)}/open", {"seconds": "120"})
    html = office.get(f"{_panel(world)}/screen").get_data(as_text=True)
    assert "乙社区" in html and '<progress class="ballots-bar"' in html and 'data-closes-at="20' in html
    assert "grade-btn" not in html and "<form" not in html.split('class="container"')[1]


def test_paper_page_double_entry_records_matching_sheet(office, world):
    page = f"{_panel(world)}/paper"
    sheet = f"{world.cid}-{world.seat_ids[(0, 'public')]}"
    form = office.get(page, query_string={"sheet": sheet, "clerk": "1"}).get_data(as_text=True)
    assert f'name="g-{world.uid(1)}"' in form and f'name="g-{world.uid(0)}"' not in form
    for clerk, grade in (("1", "好"), ("2", "较好")):
        _post(office, page, page, {"sheet": sheet, "clerk": clerk, f"g-{world.uid(1)}": grade})
    html = office.get(page).get_data(as_text=True)
    assert "好 / 较好" in html
    _post(office, page, page, {"sheet": sheet, "clerk": "2", f"g-{world.uid(1)}": "好"})
    ballots = db.session.execute(sa.select(Ballot.unit_id, Ballot.grade, Ballot.source)).all()
    assert [(u, gr, s.value) for u, gr, s in ballots] == [(world.uid(1), "好", "paper")]


def test_paper_sheets_pdf_downloads(office, world):
    response = office.get(f"{_panel(world)}/paper/sheets.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


@pytest.mark.parametrize("path", ["", "/order", "/screen", "/paper"])
def test_briefing_pages_are_office_only(client, world, path):
    response = client.get(f"{_panel(world)}{path}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- the delegate's page -------------------------------------------------------------------------


def _seat_page(client, world: BriefingWorld, unit: int, role: str = "reporter") -> str:
    return client.get(f"/s/{world.seats[(unit, role)]}").get_data(as_text=True)


def test_seat_page_before_opening_says_waiting(client, world):
    html = _seat_page(client, world, 0)
    assert (
        "甲reporter" in html and "甲社区" in html and "集中汇报正在进行" in html and "grade-btn" not in html
    )


def test_seat_page_open_shows_unit_and_grades_with_criteria(client, world):
    client.post(
        f"/api/v1/campaigns/{world.cid}/presentations/{world.uid(1)}/open", headers=world.office_headers()
    )
    html = _seat_page(client, world, 0)
    assert "乙社区" in html and html.count('class="grade-btn') == 3
    assert "创建工作机制健全" in html and "请选择一个档次" in html
    assert 'src="/static/ballot.js"' in html and " style=" not in html


def test_seat_page_own_unit_state(client, world):
    client.post(
        f"/api/v1/campaigns/{world.cid}/presentations/{world.uid(0)}/open", headers=world.office_headers()
    )
    html = _seat_page(client, world, 0)
    assert "本单位正在汇报" in html and "grade-btn" not in html


def test_seat_page_plain_form_records_and_changes_the_grade(client, world):
    client.post(
        f"/api/v1/campaigns/{world.cid}/presentations/{world.uid(1)}/open", headers=world.office_headers()
    )
    token = world.seats[(0, "cadre")]
    for grade in ("好", "一般"):
        response = client.post(f"/s/{token}/ballot", data={"unit_id": world.uid(1), "grade": grade})
        assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已记录:一般" in html and 'aria-pressed="true"' in html
    grades = db.session.execute(sa.select(Ballot.grade)).scalars().all()
    assert grades == ["一般"]


def test_seat_page_plain_form_after_close_says_closed(client, world):
    client.post(
        f"/api/v1/campaigns/{world.cid}/presentations/{world.uid(1)}/open", headers=world.office_headers()
    )
    client.post(
        f"/api/v1/campaigns/{world.cid}/presentations/{world.uid(1)}/close", headers=world.office_headers()
    )
    response = client.post(
        f"/s/{world.seats[(0, 'cadre')]}/ballot", data={"unit_id": world.uid(1), "grade": "好"}
    )
    assert "failure=scoring_closed" in response.headers["Location"]
    html = client.get(f"/s/{world.seats[(0, 'cadre')]}").get_data(as_text=True)
    assert "“乙社区”的评分已结束" in html and "您未对该单位评分" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 0


def test_seat_page_reloaded_after_a_late_tap_shows_no_stale_failure_on_the_next_unit(client, world):
    """Without JavaScript, a tap after the close lands on ``?failure=scoring_closed``; reloading that
    address once the next unit is open must not tell the delegate the new unit's grade failed."""
    api = f"/api/v1/campaigns/{world.cid}/presentations"
    client.post(f"{api}/{world.uid(1)}/open", headers=world.office_headers())
    client.post(f"{api}/{world.uid(1)}/close", headers=world.office_headers())
    token = world.seats[(0, "cadre")]
    late = client.post(f"/s/{token}/ballot", data={"unit_id": world.uid(1), "grade": "好"})
    assert "failure=scoring_closed" in late.headers["Location"]
    client.post(f"{api}/{world.uid(2)}/open", headers=world.office_headers())
    html = client.get(late.headers["Location"]).get_data(as_text=True)  # the browser's reload
    assert "丙社区" in html and "grade-btn" in html
    assert "该单位的评分未开放或已结束" not in html and "请选择一个档次" in html


def test_seat_page_plain_form_failure_shows_on_the_unit_it_concerns(client, world):
    client.post(
        f"/api/v1/campaigns/{world.cid}/presentations/{world.uid(1)}/open", headers=world.office_headers()
    )
    token = world.seats[(0, "cadre")]
    response = client.post(f"/s/{token}/ballot", data={"unit_id": world.uid(1), "grade": "极好"})
    assert "failure=invalid_grade" in response.headers["Location"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "未能记录:无效的评定档次。" in html
