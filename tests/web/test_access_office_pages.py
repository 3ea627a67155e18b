"""Access matrix of the office's HTML pages: anonymous → sign-in, unit → 403, office → 200."""

from __future__ import annotations

import pytest

from evalflow.extensions import db
from evalflow.shared.access import Role
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.phases import Phase
from tests import factories
from tests.factories import csrf_from, login

PAGES = ["/office/", "/office/campaigns/new", "/office/campaigns/{cid}", "/office/campaigns/{cid}/scale"]
POSTS = [
    "/office/campaigns/{cid}/edit",
    "/office/campaigns/{cid}/transition",
    "/office/campaigns/{cid}/scale",
]


@pytest.fixture
def cid(app):
    factories.admin()
    campaign = factories.campaign("本活动", Phase.DRAFT)
    factories.user("unit1", Role.UNIT, factories.unit(campaign, "乌山社区", None))
    db.session.commit()
    return campaign.id


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(("who", "expected"), [(None, 302), ("unit1", 403), ("office", 200)])
def test_office_page_access(client, cid, path, who, expected):
    if who:
        login(client, who)
    response = client.get(path.format(cid=cid))
    assert response.status_code == expected
    if expected == 302:
        assert "/login" in response.headers["Location"]
    if expected == 200:
        assert "本活动" in response.get_data(as_text=True) or path == "/office/campaigns/new"


@pytest.mark.parametrize("path", POSTS)
def test_office_posts_refused_for_unit(client, cid, path):
    login(client, "unit1")

    token = csrf_from(client.get("/unit/").get_data(as_text=True))
    response = client.post(path.format(cid=cid), data={"csrf_token": token, "to": "intake", "title": "改"})
    assert response.status_code == 403
    db.session.expire_all()
    campaign = db.session.get(Campaign, cid)
    assert (campaign.title, campaign.phase.value) == ("本活动", "draft")


def test_token_endpoint_rate_limited(client):
    statuses = [
        client.post("/api/v1/auth/token", json={"username": "x", "password": "y"}).status_code
        for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]  # failed attempts per account (LOGIN_FAILURES_PER_ACCOUNT)
    response = client.post("/api/v1/auth/token", json={"username": "x", "password": "y"})
    assert response.get_json()["error"]["code"] == "rate_limited"
