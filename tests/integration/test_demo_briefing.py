"""The briefing demo: a campaign in the middle of its briefing, whose ballot URLs work at once."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa

from evalflow.briefing.models import Ballot, Presentation
from evalflow.demo.briefing import TITLE
from evalflow.extensions import db
from evalflow.shared.campaigns.models import Campaign


def test_demo_briefing_is_mid_briefing_with_working_ballot_urls(app, client):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.title == TITLE))
    statuses = sorted(
        s.value
        for s in db.session.scalars(
            sa.select(Presentation.status).where(Presentation.campaign_id == campaign.id)
        )
    )
    assert statuses == ["closed", "closed", "open", "pending", "pending", "pending"]
    ballots = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Ballot)
        .join(Presentation, Presentation.unit_id == Ballot.unit_id)
        .where(Presentation.campaign_id == campaign.id)
    )
    assert ballots == 15 + 15 + 9
    lines = result.output.splitlines()
    after = lines[lines.index("briefing ballot pages (as on the credential cards):") + 1 :]
    url = after[0].split(": ", 1)[1]
    assert "/s/" in url
    page = client.get(urlsplit(url).path).get_data(as_text=True)
    assert "正在评分" in page or "本单位正在汇报" in page
