"""问卷调查 and 征求意见 in a real browser at 360 px: two phones answer by the poster's QR code (the
second answer of the same phone for the same unit is refused kindly), a coded slip answers once, a
department reports a problem by its link and the office turns it into a veto, which the 综合测评
follows; axe-clean pages."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.intake.veto import vetoed_unit_ids
from evalflow.shared.phases import Phase
from evalflow.survey.models import SurveyAnswer
from tests import factories
from tests.e2e.steps import qr_codes, serious_violations, shot, sign_in
from tests.survey_world import build, survey_body

pytestmark = pytest.mark.e2e
PHONE = {"width": 360, "height": 740}


def _phone(browser: Any) -> Any:
    return browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN").new_page()


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _poster_path(app: Any, world: Any, tmp_path: Path) -> str:
    """The path the unit's poster QR opens, decoded from the rendered PDF."""
    client = app.test_client()
    token = factories.token(world.office)
    db.session.commit()
    pdf = client.get(f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/survey-poster.pdf",
                     headers=factories.bearer(token)).data  # fmt: skip
    (tmp_path / "poster.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(tmp_path / "poster.pdf"),
                    str(tmp_path / "poster")], check=True)  # fmt: skip
    (url,) = qr_codes((tmp_path / "poster.png").read_bytes())
    return urlsplit(url).path


def _answer(page: Any, base: str, path: str, code: str | None = None) -> str:
    page.goto(base + path)
    if code is not None:
        page.fill("#code", code)
    page.check("input[name='respondent'][value='resident']")
    page.check("input[name='q0'][value='0']")
    page.check("input[name='q1'][value='1']")
    page.click("button[type=submit]")
    return page.inner_text("main")


def _answers() -> int:
    db.session.rollback()  # read what the server committed
    return db.session.scalar(sa.select(sa.func.count()).select_from(SurveyAnswer)) or 0


def test_survey_by_qr_coded_slip_and_a_department_problem_turned_into_a_veto(
    app, live_server, browser, axe_source, tmp_path
):
    world = build()
    path = _poster_path(app, world, tmp_path)
    assert path == f"/survey/{world.campaign.id}/{world.a.id}"
    first, second = _phone(browser), _phone(browser)
    first.goto(live_server + path)
    assert serious_violations(first, axe_source) == []
    _no_sideways_scroll(first)
    shot(first, "survey-form-360")
    assert "提交成功,感谢您的参与!" in _answer(first, live_server, path)
    shot(first, "survey-thanks-360")
    first.goto(live_server + path)
    assert "您已为该单位填写过问卷,感谢参与!" in first.inner_text("main")
    assert first.locator("input[name='q0']").count() == 0
    shot(first, "survey-already-360")
    assert "提交成功" in _answer(second, live_server, path)
    assert _answers() == 2

    office = factories.token(world.office)
    db.session.commit()
    api = app.test_client()
    assert api.put(f"/api/v1/campaigns/{world.campaign.id}/survey", json=survey_body("coded"),
                   headers=factories.bearer(office)).status_code == 200  # fmt: skip
    (code,) = api.post(f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/survey-codes", json={"count": 1},
                       headers=factories.bearer(office)).get_json()["codes"]  # fmt: skip
    slip_one, slip_two = _phone(browser), _phone(browser)
    assert "提交成功" in _answer(slip_one, live_server, path, code)
    assert "该调查码已使用过" in _answer(slip_two, live_server, path, code)
    shot(slip_two, "survey-code-used-360")
    assert _answers() == 3

    factories.department(world.campaign, "区公安分局", "e2e-department-token")
    db.session.commit()
    department = _phone(browser)
    department.goto(f"{live_server}/d/e2e-department-token")
    assert serious_violations(department, axe_source) == []
    _no_sideways_scroll(department)
    item = department.locator(f"#unit-{world.a.id}")
    item.locator("input[value='problem']").check()
    item.locator("textarea").fill("该单位发生重大安全生产事故")
    item.locator("button[type=submit]").click()
    assert "已反馈:有问题" in department.locator(f"#unit-{world.a.id}").inner_text()
    shot(department, "survey-department-360")

    world.campaign.phase = Phase.BRIEFING  # the 综合测评 is shown from the briefing on
    db.session.commit()
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    sign_in(desk, live_server, world.office.username)
    composite = f"{live_server}/office/campaigns/{world.campaign.id}/composite"
    desk.goto(composite)
    assert desk.locator(f"#unit-{world.a.id} td").first.inner_text() != "一票否决"
    desk.goto(f"{live_server}/office/campaigns/{world.campaign.id}/survey")
    assert serious_violations(desk, axe_source) == []
    case = desk.locator(".case-form")
    case.locator("select[name='outcome']").select_option("veto")
    case.locator("input[name='reason']").fill("经核实属实")
    case.locator("button[type=submit]").click()
    assert "已处理并记录理由。" in desk.inner_text(".flash")
    shot(desk, "survey-office")
    db.session.rollback()
    assert vetoed_unit_ids(world.campaign.id) == {world.a.id}
    desk.goto(composite)  # the composite follows: 甲 leaves the ranking
    assert desk.locator(f"#unit-{world.a.id} td").first.inner_text() == "一票否决"
    assert desk.locator(f"#unit-{world.b.id} td").first.inner_text() == "1"
