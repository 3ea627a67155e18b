"""The delegate's page (评分代表): opened from the QR code on the credential card, no password.

For now it shows whose seat this is and that scoring has not started; the ballot itself comes with
the briefing. An unknown or reissued token gets a friendly 404 that says what to do.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from werkzeug.wrappers import Response

from ..domain.phases import Phase
from ..security import no_referrer
from ..services import seats

bp = Blueprint("seat", __name__)


@bp.route("/s/<token>")
def landing(token: str) -> tuple[str, int] | Response:
    cred = seats.credential(token)
    if cred is None:
        html = render_template("seat/invalid.html")
        return html, 404
    html = render_template(
        "seat/landing.html",
        seat=cred.seat,
        unit=cred.unit,
        campaign=cred.campaign,
        scoring_started=cred.campaign.phase is Phase.BRIEFING,
        scoring_over=cred.campaign.phase in (Phase.REVIEW, Phase.NOTICE, Phase.FINAL),
    )
    return html, 200


@bp.after_request
def no_store(response: Response) -> Response:
    """The URL is the credential: keep the page out of caches and referrers."""
    response.headers["Cache-Control"] = "no-store"
    no_referrer()  # applied after Talisman's site-wide policy (see security.py)
    return response
