"""The review queue's status filter, parsed once (``intake.schemas.QueueQuery``) for the API
and the office's page: a status that does not exist is a 400 in the API and a message on the page."""

from __future__ import annotations

import pytest

from evalflow.extensions import db
from evalflow.intake.models import ApplicationStatus
from evalflow.shared.phases import Phase
from tests import factories as make


@pytest.fixture
def desk(app):
    campaign = make.campaign(phase=Phase.INTAKE)
    make.unit(campaign, "甲社区", ApplicationStatus.SUBMITTED)
    make.unit(campaign, "乙社区", ApplicationStatus.DRAFT)
    office = make.office()
    db.session.commit()
    return campaign, office


def test_queue_api_unknown_status_is_400_naming_the_parameter(client, auth, desk):
    campaign, office = desk
    response = client.get(
        f"/api/v1/campaigns/{campaign.id}/applications?status=bogus", headers=auth.headers(office)
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input"
    assert list(error["fields"]) == ["status"]
    assert "submitted" in error["fields"]["status"][0]


def test_queue_api_status_filter_lists_only_that_status(client, auth, desk):
    campaign, office = desk
    response = client.get(
        f"/api/v1/campaigns/{campaign.id}/applications?status=submitted", headers=auth.headers(office)
    )
    assert response.status_code == 200
    assert [item["name"] for item in response.get_json()["items"]] == ["甲社区"]


def test_queue_api_empty_status_lists_every_unit(client, auth, desk):
    campaign, office = desk
    response = client.get(
        f"/api/v1/campaigns/{campaign.id}/applications?status=", headers=auth.headers(office)
    )
    assert sorted(item["name"] for item in response.get_json()["items"]) == ["乙社区", "甲社区"]


def test_queue_page_unknown_status_says_so_and_lists_every_unit(auth, desk):
    campaign, office = desk
    browser = auth.browser(office)
    response = browser.get(f"/office/campaigns/{campaign.id}/review?status=bogus")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "取值无效" in page
    assert "甲社区" in page and "乙社区" in page
