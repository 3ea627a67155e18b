"""A view that catches a failed use case and redirects must not commit what that use case wrote."""

from __future__ import annotations

from flask import redirect

from evalflow.extensions import db
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.errors import Conflict
from evalflow.shared.messages import msg
from evalflow.shared.web.feedback import flash_failure
from tests import factories


def test_flash_failure_rolls_back_before_the_redirect_commits(app, client):
    @app.route("/_half_done")
    def half_done():
        factories.campaign("半途而废")
        try:
            raise Conflict(msg("第二步失败。"), reasons=[msg("原因一。")])
        except Conflict as exc:
            flash_failure(exc)
        return redirect("/")

    response = client.get("/_half_done", follow_redirects=True)
    assert response.status_code == 200
    assert "第二步失败。 原因一。" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.query(Campaign).count() == 0
