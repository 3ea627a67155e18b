"""问卷调查 against hostile or careless input, on both engines: units that do not take part, texts the
rest of the app refuses, limits stated as they are, and huge lists refused without validating every
item."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest
import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.intake.models import ApplicationStatus
from evalflow.shared.api.schemas import validate_json
from evalflow.shared.errors import InvalidInput
from evalflow.survey.models import PaperEntry, Survey, SurveyAnswer, SurveyCode
from evalflow.survey.schemas import SurveyAnswerIn, SurveyIn
from tests import factories
from tests.survey_world import build, survey_body

APP_LIMIT = 21 * 1024 * 1024  # the app's request size limit (MAX_FILE_MB 20 + 1)


def _count(model: Any) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def _error(response: Any) -> tuple[int, str, dict[str, list[str]] | None]:
    error = response.get_json()["error"]
    return response.status_code, error["code"], error.get("fields")


# --- a unit takes part in the survey only when its application is accepted -----------------------


@pytest.mark.parametrize("status", [ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, None])
def test_a_unit_not_accepted_gets_no_paper_answer_poster_or_codes(app, client, auth, status):
    world = build(mode="coded")
    other = factories.unit(world.campaign, "丙社区", status)
    db.session.commit()
    headers, base = auth.headers(world.office), f"/api/v1/campaigns/{world.campaign.id}/units/{other.id}"
    expected = ["该单位不参加问卷调查:单位不存在,或其申报尚未通过审核。"]
    for pass_no in (1, 2):
        keyed = client.post(f"{base}/survey-paper", headers=headers,
                            json={"sheet": "R0", "pass_no": pass_no, "respondent": "staff", "choices": [0, 0]})  # fmt: skip
        assert _error(keyed)[:2] == (404, "not_found")
        assert keyed.get_json()["error"]["message"] == expected[0]
    assert (_count(PaperEntry), _count(SurveyAnswer)) == (0, 0)
    poster = client.get(f"{base}/survey-poster.pdf", headers=headers)
    assert (poster.status_code, poster.get_json()["error"]["message"]) == (404, expected[0])
    codes = client.post(f"{base}/survey-codes", json={"count": 3}, headers=headers)
    assert _error(codes)[:2] == (404, "not_found") and _count(SurveyCode) == 0
    page = auth.browser(world.office).get(f"/office/campaigns/{world.campaign.id}/survey/units/{other.id}")
    assert page.status_code == 404
    assert client.get(f"/survey/{world.campaign.id}/{other.id}").status_code == 404


def test_the_all_units_poster_and_the_results_list_only_the_units_taking_part(app, client, auth):
    world = build()
    factories.unit(world.campaign, "丙社区", ApplicationStatus.DRAFT)
    db.session.commit()
    headers = auth.headers(world.office)
    results = client.get(f"/api/v1/campaigns/{world.campaign.id}/survey/results", headers=headers).get_json()
    assert [r["unit_name"] for r in results] == ["甲社区", "乙社区"]


# --- the one text rule ------------------------------------------------------------------------------

INVISIBLE = "不能只包含空白或不可见的字符,请填写可见的文字。"
FORBIDDEN = "含有无法保存的字符(如空字符、控制字符或不完整的 Unicode 字符),请删除后重试。"


def _with(text: str | None = None, label: str | None = None) -> dict[str, Any]:
    body = copy.deepcopy(survey_body())
    if text is not None:
        body["questions"][0]["text"] = text
    if label is not None:  # a new list: in the body, both questions share one list of options
        body["questions"][1]["options"] = [*body["questions"][1]["options"][:2],
                                           {"label": label, "points": 0, "satisfied": False}]  # fmt: skip
    return body


@pytest.mark.parametrize(("body", "field", "message"), [
    (_with(text="服务\u007f\u0085满意吗?"), "questions.0.text", FORBIDDEN),
    (_with(text="服务\ufffe满意吗?"), "questions.0.text", FORBIDDEN),
    (_with(label="不\u2028满意"), "questions.1.options.2.label",
     "须写在一行内:不能包含换行符、制表符或 Unicode 行/段分隔符(此处含 U+2028)。"),
    (_with(label="\u200b"), "questions.1.options.2.label", INVISIBLE),
    (_with(text="\u3000\ufeff"), "questions.0.text", INVISIBLE),
], ids=["del-nel", "non-character", "line-separator", "zero-width-space", "blank"])  # fmt: skip
def test_the_questionnaire_refuses_what_the_rest_of_the_app_refuses(app, client, auth, body, field, message):
    world = build(mode=None)
    response = client.put(
        f"/api/v1/campaigns/{world.campaign.id}/survey", json=body, headers=auth.headers(world.office)
    )
    assert _error(response) == (400, "invalid_input", {field: [message]})
    assert _count(Survey) == 0


# --- every message states the real limit ----------------------------------------------------------


def test_each_limit_is_stated_as_it_is(app, client, auth):
    world = build()
    headers, cid = auth.headers(world.office), world.campaign.id
    assert client.post(f"/api/v1/campaigns/{cid}/units/{world.a.id}/survey-answers",
                       json={"respondent": "staff", "choices": [1, 1]}).status_code == 201  # fmt: skip
    answer_id = db.session.scalar(sa.select(SurveyAnswer.id))
    cases = [
        ("POST", f"/api/v1/campaigns/{cid}/departments", {"name": "部" * 121}, "name", "最多 60 个字。"),
        ("POST", f"/api/v1/campaigns/{cid}/departments", {"name": "部" * 61}, "name", "最多 60 个字。"),
        ("POST", f"/api/v1/campaigns/{cid}/survey-answers/{answer_id}/invalidate", {"reason": "因" * 1001},
         "reason", "最多 500 个字。"),
        ("PUT", f"/api/v1/campaigns/{cid}/survey", {**survey_body(), "questions": [{}] * 61}, "questions",
         "最多 30 项。"),
        ("PUT", f"/api/v1/campaigns/{cid}/survey", {**survey_body(), "questions": [{}] * 31}, "questions",
         "最多 30 项。"),
        ("POST", f"/api/v1/campaigns/{cid}/units/{world.a.id}/survey-paper",
         {"sheet": "9" * 41, "pass_no": 1, "respondent": "staff", "choices": [0, 0]}, "sheet", "最多 20 个字。"),
        ("POST", f"/api/v1/campaigns/{cid}/units/{world.a.id}/survey-paper",
         {"sheet": "9" * 21, "pass_no": 1, "respondent": "staff", "choices": [0, 0]}, "sheet", "最多 20 个字。"),
        ("POST", f"/api/v1/campaigns/{cid}/units/{world.a.id}/survey-answers",
         {"respondent": "staff", "choices": [0] * 61}, "choices", "最多 30 项。"),
    ]  # fmt: skip
    for method, url, body, field, message in cases:
        response = client.open(url, method=method, json=body, headers=headers)
        assert _error(response) == (400, "invalid_input", {field: [message]}), (url, field)


def test_an_opinion_longer_than_allowed_says_the_real_limit(app, client):
    world = build()
    factories.department(world.campaign, "公安局", "dep-limit-token-123456")
    db.session.commit()
    response = client.put(f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/opinion",
                          json={"verdict": "problem", "text": "问" * 4001},
                          headers={"Authorization": "Bearer dep-limit-token-123456"})  # fmt: skip
    assert _error(response) == (400, "invalid_input", {"text": ["最多 2000 个字。"]})


@pytest.mark.parametrize(("points", "message"), [
    (101, "扣分须大于 0 且不超过该项的 5 分。"),
    ("101", "扣分须大于 0 且不超过该项的 5 分。"),
    (True, '扣分须为数字,例如 2 或 "2.5"。'),
    ([1], '扣分须为数字,例如 2 或 "2.5"。'),
    ({"n": 1}, '扣分须为数字,例如 2 或 "2.5"。'),
], ids=["number-over", "text-over", "true", "list", "object"])  # fmt: skip
def test_a_decision_with_wrong_points_gets_one_message(app, client, auth, points, message):
    world = build()
    department = factories.department(world.campaign, "公安局")
    factories.opinion(department, world.a, "problem", "无证经营")
    db.session.commit()
    response = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/departments/{department.id}/units/{world.a.id}/decision",
        json={"outcome": "deduction", "reason": "属实", "code": "D1", "points": points},
        headers=auth.headers(world.office),
    )
    assert _error(response) == (400, "invalid_input", {"points": [message]})


def test_a_decision_takes_points_as_a_number_or_as_text(app, client, auth):
    world = build()
    department = factories.department(world.campaign, "公安局")
    factories.opinion(department, world.a, "problem", "无证经营")
    factories.opinion(department, world.b, "problem", "占道经营")
    db.session.commit()
    for unit, points in ((world.a, 2.5), (world.b, "1.5")):
        done = client.post(
            f"/api/v1/campaigns/{world.campaign.id}/departments/{department.id}/units/{unit.id}/decision",
            json={"outcome": "deduction", "reason": "属实", "code": "D1", "points": points},
            headers=auth.headers(world.office),
        )
        assert (done.status_code, done.get_json()["outcome"]) == (200, "deduction"), done.get_json()


# --- huge lists: the first bad item stops the check -------------------------------------------------


def _refused(model: Any, raw: bytes) -> dict[str, list[str]]:
    assert len(raw) < APP_LIMIT
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as refused:
        validate_json(model, raw)
    print(f"{model.__name__} {len(raw) / 2**20:.1f} MiB refused in {time.perf_counter() - started:.3f} s")
    return {name: [m.render() for m in found] for name, found in refused.value.fields.items()}


def _body(head: bytes, item: bytes, count: int, lead: bytes = b"") -> bytes:
    return head + lead + b",".join([item] * count) + b"]}"


def test_a_huge_answer_is_refused_at_its_first_bad_choice():
    """The probe's 18 MB body: a million objects where option indexes belong. Before, every item was
    checked (one error each) and the whole list turned into Python objects for the length error."""
    head = b'{"respondent": "staff", "choices": ['
    assert _refused(SurveyAnswerIn, _body(head, b'{"a":[1,{"b":2}]}', 1_000_000)) == {
        "choices": ["须为整数。"]
    }
    mixed = _body(head, b'{"a":[1,{"b":2}]}', 1_000_000, lead=b"0," * 31)
    assert _refused(SurveyAnswerIn, mixed) == {"choices": ["须为整数。"]}
    assert _refused(SurveyAnswerIn, _body(head, b"0", 100_000)) == {"choices": ["最多 30 项。"]}


def test_a_huge_questionnaire_is_refused_at_its_first_bad_question():
    head = b'{"mode": "open", "questions": ['
    assert _refused(SurveyIn, _body(head, b'[1,{"b":2}]', 1_500_000)) == {"questions": ["须为对象。"]}
    assert _refused(SurveyIn, _body(head, b"{}", 100_000)) == {"questions": ["最多 30 项。"]}
    respondents = b'{"mode": "open", "questions": [{}], "respondents": ['
    assert _refused(SurveyIn, _body(respondents, b'{"a":[1,{"b":2}]}', 1_000_000)) == {
        "respondents": ["须为文字。"]
    }
