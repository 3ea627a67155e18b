"""The delegate's ballot page (评分代表): opened from the QR code on the credential card, no password.

It shows whose seat this is, which unit is being scored now and the grades with their written
conditions; one tap records the grade. Without JavaScript the grade buttons are a plain form posted
to this blueprint; with ``static/ballot.js`` the tap is sent to the JSON API (retried safely on a
flaky network, the ballot is idempotent) and the page follows the next presentation by itself.

The URL is the credential, so the form needs no CSRF token: a forger would have to know the token.
An unknown or reissued token gets a friendly 404 that says what to do.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from evalflow.briefing import ballots, seats
from evalflow.briefing import live as briefing_live
from evalflow.extensions import csrf
from evalflow.shared import bounds
from evalflow.shared.accounts import actors
from evalflow.shared.errors import DomainError
from evalflow.shared.phases import Phase
from evalflow.shared.security import no_referrer
from evalflow.shared.web.feedback import undo

bp = Blueprint("seat", __name__)


@bp.route("/s/<token>")
def landing(token: str) -> tuple[str, int] | Response:
    cred = seats.credential(token)
    if cred is None:
        html = render_template("seat/invalid.html")
        return html, 404
    view = briefing_live.seat_view(cred.seat, cred.campaign)
    html = render_template(
        "seat/landing.html",
        seat=cred.seat,
        unit=cred.unit,
        campaign=cred.campaign,
        token=token,
        view=view,
        scale=cred.campaign.scale,
        scoring_started=cred.campaign.phase is Phase.BRIEFING,
        scoring_over=cred.campaign.phase in (Phase.REVIEW, Phase.NOTICE, Phase.FINAL),
        saved=request.args.get("saved", ""),
        failure=_failure_for(view),
    )
    return html, 200


def _failure_for(view: briefing_live.SeatView) -> str:
    """The plain form's failure (``?failure=<code>&unit=<id>``), shown only while the page is about
    the unit it concerns: reloading that address once the next unit is open shows a clean ballot."""
    if bounds.parse_id(request.args.get("unit")) != view.unit_id:
        return ""
    return request.args.get("failure", "")


@bp.route("/s/<token>/ballot", methods=["POST"])
@csrf.exempt
def ballot(token: str) -> tuple[str, int] | Response:
    """The no-JavaScript path: record the grade, then show the page again (post/redirect/get)."""
    cred = seats.credential(token)
    if cred is None:
        return render_template("seat/invalid.html"), 404
    unit_id = bounds.parse_id(request.form.get("unit_id")) or 0  # 0 names no unit: a 404 failure
    try:
        result = ballots.cast_ballot(
            actors.actor_for_seat(cred.seat), cred.campaign, unit_id, request.form.get("grade")
        )
    except DomainError as exc:
        failure = undo(exc).code
        return redirect(url_for("seat.landing", token=token, failure=failure, unit=unit_id) + "#ballot")
    return redirect(url_for("seat.landing", token=token, saved=result.grade) + "#ballot")


@bp.after_request
def no_store(response: Response) -> Response:
    """The URL is the credential: keep the page out of caches and referrers."""
    response.headers["Cache-Control"] = "no-store"
    no_referrer()  # applied after Talisman's site-wide policy (see security.py)
    return response
