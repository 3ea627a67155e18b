"""Paper questionnaires keyed twice: the answer is made when both passes agree, a mismatch is listed
until one pass is keyed again, a matched sheet cannot be keyed again; the office page does the same."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared.audit.models import AuditEntry
from evalflow.survey.models import PaperEntry, SurveyAnswer
from evalflow.survey.results import satisfied_rates
from tests import factories
from tests.survey_world import build


def _key(client: Any, auth: Any, world: Any, pass_no: int, choices: list[Any], sheet: str = "A-001",
         respondent: str = "resident") -> Any:  # fmt: skip
    return client.post(f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/survey-paper",
                       json={"sheet": sheet, "pass_no": pass_no, "respondent": respondent, "choices": choices},
                       headers=auth.headers(world.office))  # fmt: skip


def _answers() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(SurveyAnswer)) or 0


def test_two_agreeing_passes_make_one_answer(app, client, auth):
    world = build()
    first = _key(client, auth, world, 1, [0, None])
    assert (first.status_code, first.get_json()["status"]) == (201, "waiting")
    assert _answers() == 0
    second = _key(client, auth, world, 2, [0, None])
    assert (second.status_code, second.get_json()["status"]) == (201, "matched")
    answer = db.session.get(SurveyAnswer, second.get_json()["answer_id"])
    assert (answer.respondent, answer.choices, answer.device, answer.address) == (
        "resident",
        [0, None],
        None,
        "",
    )
    assert satisfied_rates(world.campaign.id) == {world.a.id: Fraction(1)}
    again = _key(client, auth, world, 1, [2, 2])
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "matched")
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "survey.paper_key")) == 2


def test_a_mismatch_is_listed_until_a_pass_is_keyed_again(app, client, auth):
    world = build()
    assert _key(client, auth, world, 1, [0, 1]).status_code == 201
    assert _key(client, auth, world, 2, [0, 2]).get_json()["status"] == "mismatch"
    listed = client.get(f"/api/v1/campaigns/{world.campaign.id}/survey-paper/mismatches",
                        headers=auth.headers(world.office)).get_json()  # fmt: skip
    assert [(m["sheet"], m["first"]["choices"], m["second"]["choices"]) for m in listed] == [
        ("A-001", [0, 1], [0, 2])
    ]
    assert _answers() == 0
    assert _key(client, auth, world, 2, [0, 1]).get_json()["status"] == "matched"
    assert client.get(f"/api/v1/campaigns/{world.campaign.id}/survey-paper/mismatches",
                      headers=auth.headers(world.office)).get_json() == []  # fmt: skip
    assert _answers() == 1


def test_paper_keying_refuses_bad_input(app, client, auth):
    world = build()
    assert _key(client, auth, world, 3, [0, 0]).status_code == 400
    assert _key(client, auth, world, 1, [0, 0], sheet=" ").status_code == 400
    assert _key(client, auth, world, 1, [0, 0], sheet="x" * 21).status_code == 400
    assert _key(client, auth, world, 1, [0, 5]).status_code == 400
    assert _key(client, auth, world, 1, [0, 0], respondent="client").status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaperEntry)) == 0


def test_the_office_page_keys_both_passes(app, client, auth):
    world = build()
    browser = auth.browser(world.office)
    page = f"/office/campaigns/{world.campaign.id}/survey/units/{world.a.id}"
    token = factories.csrf(browser, page)
    form = {"csrf_token": token, "sheet": "7", "respondent": "staff", "q0": "1", "q1": ""}
    assert browser.post(f"{page}/paper", data={**form, "pass_no": "1"}).status_code == 302
    assert browser.post(f"{page}/paper", data={**form, "pass_no": "2", "q1": "2"}).status_code == 302
    assert "两遍录入不一致" in browser.get(page).get_data(as_text=True)
    assert browser.post(f"{page}/paper", data={**form, "pass_no": "2"}).status_code == 302
    assert "两遍录入一致,已计入问卷。" in browser.get(page).get_data(as_text=True)
    assert _answers() == 1
