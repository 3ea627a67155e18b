"""The office's training page: a refused form says why and keeps what the user typed."""

from __future__ import annotations

import pytest

from evalflow.extensions import db
from evalflow.shared.phases import Phase
from evalflow.training.models import Training
from tests import factories as make


@pytest.fixture
def desk(auth):
    campaign = make.campaign(phase=Phase.TRAINING)
    office = make.office()
    db.session.commit()
    return campaign, auth.browser(office)


def _open_checkin(desk, minutes: str):
    campaign, browser = desk
    url = f"/office/campaigns/{campaign.id}/training"
    return browser.post(f"{url}/checkin", data={"minutes": minutes, "csrf_token": make.csrf(browser, url)})


def test_checkin_minutes_not_a_number_says_why_and_keeps_the_input(desk):
    response = _open_checkin(desk, "abc")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "有效时间须为 1 到 480 分钟之间的整数。" in page
    assert 'value="abc"' in page
    assert db.session.scalar(db.select(Training.checkin_token_hash)) is None


def test_checkin_minutes_in_digits_opens_the_checkin(desk):
    response = _open_checkin(desk, "45")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/training/checkin")
    assert db.session.scalar(db.select(Training.checkin_token_hash)) is not None
