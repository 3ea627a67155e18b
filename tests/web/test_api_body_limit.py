"""The API reads at most so much JSON body per route (shared/api/routes.py, ``route(max_body=…)``):
a larger one is a 413 ``too_large`` in the user's language before anything is parsed, and a public
route that takes its own credential (a department's link) settles the caller before the body."""

from __future__ import annotations

import json

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared.bounds import JSON_BODY_LIMIT
from evalflow.survey.api import ANSWER_BODY_LIMIT
from evalflow.survey.models import SurveyAnswer as Answer
from tests import factories
from tests.survey_world import answer_url, build


def _padded(body: dict, size: int) -> bytes:
    """*body* as JSON, padded with spaces (still valid JSON) to *size* bytes."""
    raw = json.dumps(body).encode()
    return raw + b" " * (size - len(raw))


def test_a_public_answer_larger_than_its_limit_is_413_and_writes_nothing(app, client):
    world = build()
    answer = {"respondent": "staff", "choices": [0, 1]}
    big = client.post(answer_url(world), data=_padded(answer, ANSWER_BODY_LIMIT + 1),
                      content_type="application/json")  # fmt: skip
    assert big.status_code == 413
    error = big.get_json()["error"]
    assert error["code"] == "too_large" and "16.0 KB" in error["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0
    fits = client.post(answer_url(world), data=_padded(answer, ANSWER_BODY_LIMIT),
                       content_type="application/json")  # fmt: skip
    assert fits.status_code == 201, fits.get_json()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 1


def test_the_crafted_million_item_answer_is_refused_by_size(app, client):
    world = build()
    items = ",".join(['{"a":[1,{"b":2}]}'] * 200_000)
    raw = ('{"respondent":"staff","choices":[' + items + "]}").encode()
    response = client.post(answer_url(world), data=raw, content_type="application/json")
    assert (response.status_code, response.get_json()["error"]["code"]) == (413, "too_large")


def test_an_office_json_body_over_the_general_limit_is_413_in_english_too(app, client, auth):
    world = build()
    url = f"/api/v1/campaigns/{world.campaign.id}/survey?lang=en"
    response = client.put(url, data=_padded({}, JSON_BODY_LIMIT + 1), content_type="application/json",
                          headers=auth.headers(world.office))  # fmt: skip
    assert response.status_code == 413
    assert response.get_json()["error"]["message"] == "Request too large: at most 2.0 MB."


def test_anonymous_is_401_before_the_size_or_the_fields(app, client):
    world = build()
    url = f"/api/v1/campaigns/{world.campaign.id}/survey"
    for data in (_padded({}, JSON_BODY_LIMIT + 1), b'{"questions": 5}'):
        response = client.put(url, data=data, content_type="application/json")
        assert (response.status_code, response.get_json()["error"]["code"]) == (401, "unauthenticated")


def test_a_department_route_checks_the_token_before_the_body(app, client, auth):
    world = build()
    made = client.post(f"/api/v1/campaigns/{world.campaign.id}/departments", json={"name": "公安局"},
                       headers=auth.headers(world.office)).get_json()  # fmt: skip
    url = f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/opinion"
    bad_body = {"verdict": 5, "text": [1]}
    for headers in ({}, factories.bearer("not-a-token"), {"Authorization": f"Basic {made['token']}"}):
        response = client.put(url, json=bad_body, headers=headers)
        assert (response.status_code, response.get_json()["error"]["code"]) == (401, "unauthenticated")
        assert "fields" not in response.get_json()["error"]
    good_token = client.put(url, json=bad_body, headers=factories.bearer(made["token"]))
    assert (good_token.status_code, good_token.get_json()["error"]["code"]) == (400, "invalid_input")
    answered = client.put(url, json={"verdict": "none"}, headers=factories.bearer(made["token"]))
    assert (answered.status_code, answered.get_json()["verdict"]) == (200, "none")
