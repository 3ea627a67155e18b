"""问卷调查 through the API (the contract's section *问卷调查 (survey) and 征求意见*): the questionnaire,
open answers (one per device and unit), coded answers (one per code), results with the 满意率,
invalidation, posters, and hostile input — on both engines."""

from __future__ import annotations

import io
from fractions import Fraction
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from pypdf import PdfReader

from evalflow.extensions import db
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.phases import Phase
from evalflow.survey.models import Survey, SurveyAnswer, SurveyCode
from evalflow.survey.results import sample_gaps, satisfied_rates
from tests import factories
from tests.survey_world import answer_url, build, pdf_qr_codes, survey_body


def _count(model: Any) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def _put(client: Any, auth: Any, world: Any, body: dict[str, Any]) -> Any:
    return client.put(
        f"/api/v1/campaigns/{world.campaign.id}/survey", json=body, headers=auth.headers(world.office)
    )


def test_put_survey_stores_the_questionnaire_and_says_the_formula(app, client, auth):
    world = build(mode=None)
    response = _put(client, auth, world, survey_body(sample=30))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["mode"], body["sample"], body["respondents"]) == ("open", 30, ["staff", "resident"])
    assert [o["label"] for o in body["questions"][0]["options"]] == ["满意", "基本满意", "不满意"]
    assert [o["satisfied"] for o in body["questions"][1]["options"]] == [True, True, False]
    assert body["formula"].startswith("满意率 = ")
    assert db.session.get(Survey, world.campaign.id).sample == 30
    assert (
        db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.action == "survey.set"))
        == "survey.set"
    )


def test_put_survey_refuses_a_bad_questionnaire_field_by_field(app, client, auth):
    world = build(mode=None)
    body = survey_body(sample=0)
    body["questions"][1]["options"] = [{"label": "好", "points": -1, "satisfied": True}]
    response = _put(client, auth, world, body)
    error = response.get_json()["error"]
    assert (response.status_code, error["code"]) == (400, "invalid_input")
    assert set(error["fields"]) == {"sample", "questions.1.options"}
    assert _count(Survey) == 0


def test_put_survey_refuses_no_satisfied_option_and_bad_points(app, client, auth):
    world = build(mode=None)
    body = survey_body()
    body["questions"][0]["options"] = [{"label": "好", "points": 1.234, "satisfied": False},
                                       {"label": "差", "points": 0, "satisfied": False}]  # fmt: skip
    error = _put(client, auth, world, body).get_json()["error"]
    assert set(error["fields"]) == {"questions.0.options.0.points"}
    body["questions"][0]["options"][0]["points"] = 1
    error = _put(client, auth, world, body).get_json()["error"]
    assert error["fields"] == {"questions.0.options": ["至少一个选项须计为满意。"]}


def test_questions_freeze_once_answered_but_the_sample_may_change(app, client, auth):
    world = build()
    assert client.post(answer_url(world), json={"respondent": "staff", "choices": [0, 0]}).status_code == 201
    changed = survey_body()
    changed["questions"][0]["text"] = "改过的问题"
    response = _put(client, auth, world, changed)
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "frozen")
    assert _put(client, auth, world, survey_body(sample=5)).get_json()["sample"] == 5


def test_open_answers_one_per_device_and_the_satisfied_rate(app, client, auth):
    world = build()
    first = client.post(answer_url(world), json={"respondent": "staff", "choices": [0, 1]})
    assert first.status_code == 201, first.get_json()
    assert (first.get_json()["unit_id"], first.get_json()["respondent"]) == (world.a.id, "staff")
    again = client.post(answer_url(world), json={"respondent": "resident", "choices": [2, 2]})
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "already_answered")
    assert "只能作答一次" in again.get_json()["error"]["message"]
    other_unit = client.post(answer_url(world, world.b), json={"respondent": "staff", "choices": [2, None]})
    assert other_unit.status_code == 201
    second_phone = app.test_client()
    assert (
        second_phone.post(
            answer_url(world), json={"respondent": "resident", "choices": [2, None]}
        ).status_code
        == 201
    )
    assert satisfied_rates(world.campaign.id) == {world.a.id: Fraction(2, 3), world.b.id: Fraction(0)}
    results = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/survey/results", headers=auth.headers(world.office)
    )
    rows = {r["unit_id"]: r for r in results.get_json()}
    assert (rows[world.a.id]["valid"], rows[world.a.id]["satisfied_percent"]) == (2, "66.67")
    assert rows[world.a.id]["by_type"] == {"staff": 1, "resident": 1}
    assert rows[world.a.id]["reached"] is False
    assert abs(rows[world.a.id]["satisfied_rate"] - 2 / 3) < 1e-9
    assert (rows[world.b.id]["valid"], rows[world.b.id]["satisfied_percent"]) == (1, "0.00")


def test_a_forged_device_cookie_is_a_new_device(app, client):
    world = build()
    client.set_cookie("evalflow_survey_device", "forged.value")
    assert client.post(answer_url(world), json={"respondent": "staff", "choices": [0, 0]}).status_code == 201
    stored = db.session.scalar(sa.select(SurveyAnswer.device))
    assert stored is not None and len(stored) == 64  # a SHA-256, never the id itself


def test_sample_reached_and_gaps_in_plain_words(app, client):
    world = build()
    for kind in ("staff", "staff", "resident"):
        assert (
            app.test_client()
            .post(answer_url(world), json={"respondent": kind, "choices": [0, 0]})
            .status_code
            == 201
        )
    gaps = sample_gaps(world.campaign.id)
    assert [m.render() for m in gaps[world.a.id]] == ["“甲社区”的问卷调查(居民)未达样本量:还差 1 份。"]
    assert len(gaps[world.b.id]) == 2
    assert (
        app.test_client()
        .post(answer_url(world), json={"respondent": "resident", "choices": [1, 1]})
        .status_code
        == 201
    )
    assert world.a.id not in sample_gaps(world.campaign.id)


def test_answers_refuse_a_type_not_asked_and_choices_that_do_not_fit(app, client):
    world = build()
    for body, field in (({"respondent": "client", "choices": [0, 0]}, "respondent"),
                        ({"respondent": "staff", "choices": [0]}, "choices"),
                        ({"respondent": "staff", "choices": [0, 3]}, "choices"),
                        ({"respondent": "staff", "choices": [0, -1]}, "choices")):  # fmt: skip
        response = client.post(answer_url(world), json=body)
        assert response.status_code == 400, body
        assert field in response.get_json()["error"]["fields"]
    assert _count(SurveyAnswer) == 0


def test_answers_only_while_the_sources_are_scored(app, client):
    world = build(phase=Phase.INTAKE)
    response = client.post(answer_url(world), json={"respondent": "staff", "choices": [0, 0]})
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "wrong_phase")


def test_no_questionnaire_or_a_unit_not_accepted_is_not_found(app, client):
    world = build(mode=None)
    assert client.post(answer_url(world), json={"respondent": "staff", "choices": [0, 0]}).status_code == 404
    factories.survey(world.campaign, survey_body())
    other = factories.unit(world.campaign, "丙社区")
    db.session.commit()
    assert (
        client.post(answer_url(world, other), json={"respondent": "staff", "choices": [0, 0]}).status_code
        == 404
    )
    assert client.post(answer_url(world), json={"respondent": "staff", "choices": [0, 0]}).status_code == 201


def test_coded_mode_each_code_answers_once_and_only_hashes_are_kept(app, client, auth):
    world = build(mode="coded")
    made = client.post(f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/survey-codes", json={"count": 3},
                       headers=auth.headers(world.office))  # fmt: skip
    assert made.status_code == 201, made.get_json()
    codes = made.get_json()["codes"]
    assert len(set(codes)) == 3 and all(len(c) == 16 for c in codes)
    stored = set(db.session.scalars(sa.select(SurveyCode.code_hash)))
    assert not stored & set(codes) and len(stored) == 3
    none = client.post(answer_url(world), json={"respondent": "staff", "choices": [0, 0]})
    assert (none.status_code, none.get_json()["error"]["code"]) == (403, "invalid_code")
    elsewhere = client.post(
        answer_url(world, world.b), json={"respondent": "staff", "choices": [0, 0], "code": codes[0]}
    )
    assert (elsewhere.status_code, elsewhere.get_json()["error"]["code"]) == (403, "invalid_code")
    ok = client.post(
        answer_url(world), json={"respondent": "staff", "choices": [0, 0], "code": codes[0].lower()}
    )
    assert ok.status_code == 201, ok.get_json()
    again = app.test_client().post(
        answer_url(world), json={"respondent": "staff", "choices": [2, 2], "code": codes[0]}
    )
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "already_answered")
    assert (
        client.post(
            answer_url(world), json={"respondent": "staff", "choices": [1, 1], "code": codes[1]}
        ).status_code
        == 201
    )
    assert _count(SurveyAnswer) == 2


def test_codes_only_in_coded_mode_and_within_limits(app, client, auth):
    world = build()
    url = f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/survey-codes"
    response = client.post(url, json={"count": 3}, headers=auth.headers(world.office))
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "wrong_mode")
    assert client.post(url, json={"count": 0}, headers=auth.headers(world.office)).status_code == 400
    assert client.post(url, json={"count": 3}).status_code == 401


def test_invalidation_needs_a_reason_is_audited_and_leaves_the_rate(app, client, auth):
    world = build()
    assert client.post(answer_url(world), json={"respondent": "staff", "choices": [2, 2]}).status_code == 201
    assert (
        app.test_client().post(answer_url(world), json={"respondent": "staff", "choices": [0, 0]}).status_code
        == 201
    )
    answer_id = db.session.scalar(sa.select(SurveyAnswer.id).order_by(SurveyAnswer.id))
    url = f"/api/v1/campaigns/{world.campaign.id}/survey-answers/{answer_id}/invalidate"
    assert client.post(url, json={"reason": " "}, headers=auth.headers(world.office)).status_code == 400
    done = client.post(url, json={"reason": "同一人重复填写"}, headers=auth.headers(world.office))
    assert done.status_code == 200, done.get_json()
    assert satisfied_rates(world.campaign.id) == {world.a.id: Fraction(1)}
    again = client.post(url, json={"reason": "再次"}, headers=auth.headers(world.office))
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "already_invalid")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "survey.invalidate"))
    assert entry.reason == "同一人重复填写"
    results = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/survey/results", headers=auth.headers(world.office)
    )
    row = next(r for r in results.get_json() if r["unit_id"] == world.a.id)
    assert (row["valid"], row["invalid"], row["satisfied_percent"]) == (1, 1, "100.00")


def test_poster_pdf_one_unit_and_all_open_each_units_questionnaire(app, client, auth, tmp_path):
    world = build()
    one = client.get(f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/survey-poster.pdf",
                     headers=auth.headers(world.office))  # fmt: skip
    assert one.status_code == 200 and one.data.startswith(b"%PDF") and one.mimetype == "application/pdf"
    assert "甲社区" in "".join(page.extract_text() for page in PdfReader(io.BytesIO(one.data)).pages)
    every = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/survey-posters.pdf", headers=auth.headers(world.office)
    )
    assert len(PdfReader(io.BytesIO(every.data)).pages) == 2
    codes = pdf_qr_codes(every.data, tmp_path)
    assert [urlsplit(c).path for c in codes] == [f"/survey/{world.campaign.id}/{world.a.id}",
                                                  f"/survey/{world.campaign.id}/{world.b.id}"]  # fmt: skip
    assert client.get(urlsplit(codes[1]).path).status_code == 200


def test_hostile_answers_are_400_not_500(app, client):
    world = build()
    for body in ({"respondent": "staff\x00", "choices": [0, 0]},
                 {"respondent": "staff", "choices": [2**63, 0]},
                 {"respondent": "staff", "choices": [True, 0]},
                 {"respondent": "staff", "choices": "00"},
                 {"respondent": "staff", "choices": [0, 0], "code": "x" * 5000}):  # fmt: skip
        response = client.post(answer_url(world), json=body)
        assert response.status_code == 400, (body, response.get_json())
    for raw in (
        b'{"respondent": "staff", "choices": [0, 0]',
        b'{"respondent": "\\ud800", "choices": [0, 0]}',
        b'{"respondent": "staff", "choices": [0, 0], "code": "\\udc00"}',
    ):
        assert client.post(answer_url(world), data=raw, content_type="application/json").status_code == 400, (
            raw
        )
    huge = client.post(answer_url(world), data=b'{"respondent": "' + b"a" * (20 * 1024 * 1024) + b'"}',
                       content_type="application/json")  # fmt: skip
    assert huge.status_code in (400, 413)
    assert client.post(f"/api/v1/campaigns/{2**63}/units/1/survey-answers", json={}).status_code == 404
    assert _count(SurveyAnswer) == 0


def test_a_changed_questionnaire_is_never_answered_against_the_old_one(app, client, auth):
    world = build()
    assert client.post(answer_url(world), json={"respondent": "staff", "choices": [0, 0]}).status_code == 201
    assert _put(client, auth, world, survey_body("coded")).status_code == 200  # the mode may change
    refused = app.test_client().post(answer_url(world), json={"respondent": "staff", "choices": [0, 0]})
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (403, "invalid_code")
    assert _count(SurveyAnswer) == 1


def _phase(world: Any, phase: Phase) -> None:
    db.session.execute(sa.update(Campaign).where(Campaign.id == world.campaign.id).values(phase=phase))
    db.session.commit()


def test_a_remembered_open_questionnaire_answers_in_one_statement(app, client):
    world = build()
    assert client.post(answer_url(world), json={"respondent": "staff", "choices": [0, 0]}).status_code == 201
    statements: list[str] = []
    url, other_phone = answer_url(world, world.b), app.test_client()

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(" ".join(statement.split()[:3]).upper())

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:  # another phone: the questionnaire is remembered, the campaign is not read first
        made = other_phone.post(url, json={"respondent": "resident", "choices": [1, 2]})
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    assert made.status_code == 201, made.get_json()
    assert statements == ["INSERT INTO SURVEY_ANSWER"]
    row = db.session.scalars(sa.select(SurveyAnswer).where(SurveyAnswer.unit_id == world.b.id)).one()
    assert (row.respondent, row.choices, row.satisfied) == ("resident", [1, 2], 1)


def test_a_remembered_questionnaire_refuses_a_campaign_past_scoring_with_its_reason(app, client):
    world = build()
    assert client.post(answer_url(world), json={"respondent": "staff", "choices": [0, 0]}).status_code == 201
    for phase, words in ((Phase.REVIEW, "“综合评定”阶段"), (Phase.FINAL, "已归档")):
        _phase(world, phase)
        refused = app.test_client().post(
            answer_url(world, world.b), json={"respondent": "staff", "choices": [0, 0]}
        )
        body = refused.get_json()["error"]
        assert (refused.status_code, body["code"]) == (409, "wrong_phase")
        assert words in body["message"], body["message"]
    for bad in ({}, {"respondent": "staff", "choices": "x"}):  # a finished campaign says so before the body
        refused = app.test_client().post(answer_url(world, world.b), json=bad)
        assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "wrong_phase")
    broken = app.test_client().post(answer_url(world, world.b), data=b"{", content_type="application/json")
    assert (broken.status_code, broken.get_json()["error"]["code"]) == (409, "wrong_phase")
    _phase(world, Phase.BRIEFING)  # scored again: the remembered questionnaire answers again
    again = app.test_client().post(
        answer_url(world, world.b), json={"respondent": "staff", "choices": [2, 2]}
    )
    assert again.status_code == 201
    assert [(a.unit_id, a.choices) for a in db.session.scalars(sa.select(SurveyAnswer).order_by(SurveyAnswer.id))] == [
        (world.a.id, [0, 0]), (world.b.id, [2, 2])
    ]  # fmt: skip
