"""Public pages: the landing page (open notices and sign-in), language switch, health probe."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..domain.phases import Phase
from ..extensions import db, limiter
from ..models import Campaign
from ..services import clock, notice

bp = Blueprint("public", __name__)


@bp.route("/healthz")
@limiter.exempt
def healthz() -> Response:
    return jsonify({"status": "ok"})


@bp.route("/")
def index() -> str:
    today = clock.today()
    open_notices = notice.published_notices(open_only=True)
    finals = db.session.scalars(
        sa.select(Campaign).where(Campaign.phase == Phase.FINAL).order_by(Campaign.updated_at.desc()).limit(5)
    ).all()
    return render_template(
        "public/index.html",
        notices=[(n, notice.status(n)) for n in open_notices],
        commendations=finals,
        today=today,
    )


@bp.route("/lang/<code>")
def set_language(code: str) -> Response:
    target = request.referrer or url_for("public.index")
    return redirect(url_for("public.index", lang=code) if not request.referrer else _with_lang(target, code))


def _with_lang(target: str, code: str) -> str:
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(target)
    query = dict(parse_qsl(parts.query))
    query["lang"] = code
    return urlunsplit(("", "", parts.path, urlencode(query), ""))
