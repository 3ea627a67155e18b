"""The notice demo: an open notice on the landing page and a final campaign with its commendation."""

from __future__ import annotations

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.notice import service as notice
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.phases import Phase


def test_demo_notice_campaigns_open_and_final(app, client):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0  # idempotent
    by_title = {c.title: c for c in db.session.scalars(sa.select(Campaign))}
    open_campaign = by_title["2026年度市级文明单位评选(公示演示)"]
    final_campaign = by_title["2025年度市级文明单位评选(审定表彰演示)"]
    assert (open_campaign.phase, final_campaign.phase) == (Phase.NOTICE, Phase.FINAL)
    (item,) = notice.published_notices(open_only=True)
    assert notice.status(item) == "open"
    assert f'href="/notices/{item.id}"' in client.get("/").get_data(as_text=True)
    names = [
        u["name"]
        for u in client.get(f"/api/v1/campaigns/{final_campaign.id}/commendation").get_json()["units"]
    ]
    assert sorted(names) == sorted(["市博物馆", "台江区瀛洲街道", "福州港务集团"])
