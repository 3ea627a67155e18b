"""Public pages: the landing page (open notices and sign-in), language switch, health probe."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..extensions import db, limiter
from ..models import Campaign, Notice
from ..services import clock

bp = Blueprint("public", __name__)


@bp.route("/healthz")
@limiter.exempt
def healthz() -> Response:
    return jsonify({"status": "ok"})


@bp.route("/")
def index() -> str:
    today = clock.today()
    notices = db.session.execute(
        sa.select(Notice, Campaign)
        .join(Campaign, Campaign.id == Notice.campaign_id)
        .where(Notice.withdrawn_at.is_(None), Notice.ends_on >= today)
        .order_by(Notice.starts_on.desc())
    ).all()
    return render_template("public/index.html", notices=notices, today=today)


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
