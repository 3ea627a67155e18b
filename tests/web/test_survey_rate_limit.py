"""The public survey's rate limit per client address (the API route and the form share it)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.survey_world import build


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"SURVEY_ANSWER_RATE": "3/minute"}


def test_answers_are_rate_limited_per_address(app, client):
    world = build()
    statuses = [app.test_client().post(f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/survey-answers",
                                       json={"respondent": "staff", "choices": [0, 0]}).status_code for _ in range(4)]  # fmt: skip
    assert statuses == [201, 201, 201, 429]
    limited = client.post(f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/survey-answers",
                          json={"respondent": "staff", "choices": [0, 0]})  # fmt: skip
    assert limited.get_json()["error"]["code"] == "rate_limited" and int(limited.headers["Retry-After"]) >= 1
