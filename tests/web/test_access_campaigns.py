"""Access matrix of the campaign endpoints: role × endpoint → status, and nothing leaks."""

from __future__ import annotations

import pytest

from evalflow.extensions import db
from evalflow.shared.access import Role
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.phases import Phase
from tests import factories
from tests.factories import PASSWORD, bearer, office_token


@pytest.fixture
def world(client):
    """Two campaigns; a unit account and a seat in the first; tokens for every role."""
    office = office_token(client)
    mine = factories.campaign("本活动", Phase.DRAFT)
    other = factories.campaign("别的活动", Phase.DRAFT)
    unit = factories.unit(mine, "乌山社区", None)
    factories.user("unit1", Role.UNIT, unit)
    _, seat_token = factories.seat(unit)
    db.session.commit()
    unit_token = client.post(
        "/api/v1/auth/token", json={"username": "unit1", "password": PASSWORD}
    ).get_json()
    return {
        "tokens": {"office": office, "unit": unit_token["token"], "seat": seat_token, "public": None},
        "mine": mine.id,
        "other": other.id,
        "unit_id": unit_token["unit_id"],
    }


ENDPOINTS = [
    ("GET", "/api/v1/campaigns", None),
    ("POST", "/api/v1/campaigns", {"title": "新活动"}),
    ("GET", "/api/v1/campaigns/{mine}", None),
    ("GET", "/api/v1/campaigns/{other}", None),
    ("PATCH", "/api/v1/campaigns/{mine}", {"title": "改"}),
    ("POST", "/api/v1/campaigns/{mine}/transitions", {"to": "intake"}),
]

EXPECTED = {
    "office": [200, 201, 200, 200, 200, 200],
    "unit": [200, 403, 200, 404, 403, 403],
    "seat": [403, 403, 403, 404, 403, 403],
    "public": [401, 401, 401, 401, 401, 401],
}


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("index", range(len(ENDPOINTS)))
def test_campaign_endpoint_access(client, world, role, index):
    method, path, payload = ENDPOINTS[index]
    token = world["tokens"][role]
    response = client.open(
        path.format(**world), method=method, json=payload, headers=bearer(token) if token else {}
    )
    assert response.status_code == EXPECTED[role][index], response.get_json()
    if response.status_code >= 400:
        assert set(response.get_json()) == {"error"}
    db.session.expire_all()
    assert db.session.get(Campaign, world["mine"]).title == (
        "改" if (role, index) == ("office", 4) else "本活动"
    )


def test_unit_lists_only_its_own_campaign(client, world):
    listed = client.get("/api/v1/campaigns", headers=bearer(world["tokens"]["unit"])).get_json()
    assert [c["id"] for c in listed] == [world["mine"]]
    assert "别的活动" not in str(listed)
