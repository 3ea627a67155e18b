"""Public pages: the landing page (open notices and sign-in), language switch, health probe."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from evalflow.extensions import db, limiter
from evalflow.notice import service as notice
from evalflow.shared import clock
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.phases import Phase

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
    """Back to the page the user came from, in language *code*; never to another site."""
    if code not in current_app.config["LANGUAGES"]:
        return redirect(url_for("public.index"))
    path = _same_site_path(request.referrer)
    return redirect(_with_lang(path, code) if path else url_for("public.index", lang=code))


def _same_site_path(referrer: str | None) -> str | None:
    """The path of *referrer* when it is a page of this site, else None.

    A path that a browser would read as another host (``//evil``, ``/\\evil``) or that carries
    control characters is refused too."""
    if not referrer:
        return None
    try:
        parts = urlsplit(referrer)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    if parts.netloc and parts.netloc != request.host:
        return None
    if parts.scheme not in ("", "http", "https"):
        return None
    path = parts.path
    if not path.startswith("/") or path.startswith(("//", "/\\")) or "\\" in path:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in path):
        return None
    return path


def _with_lang(path: str, code: str) -> str:
    query = dict(parse_qsl(urlsplit(request.referrer or "").query))
    query["lang"] = code
    return urlunsplit(("", "", path, urlencode(query), ""))
