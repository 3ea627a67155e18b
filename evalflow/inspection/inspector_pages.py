"""The inspector's pages (/inspect): their visits, the sheet filled on site — offline first — and the
leader's review and signature.

The sheet page is drawn once with the sheet as the server has it (the same JSON the API answers,
embedded as data, never as script) and then run by ``static/inspection.js``: every change is kept on
the device (IndexedDB, through Dexie) and sent to the JSON API when the network allows, each sheet
state and each photo under an id the device made, so a retry is stored once. ``/inspect/sw.js`` is
the service worker that lets the page open with no signal (scope ``/inspect/``).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from evalflow.inspection import sheets, signoff, visits
from evalflow.inspection.shapes import leaves_out, sheet_out, visit_out
from evalflow.shared.access import Role
from evalflow.shared.web import current_actor
from evalflow.shared.web.decorators import role_required
from evalflow.shared.web.feedback import attempt

bp = Blueprint("inspector", __name__, url_prefix="/inspect")
inspector_only = role_required(Role.INSPECTOR)


@bp.get("/")
@inspector_only
def home() -> str:
    rows = visits.my_visits(current_actor())
    return render_template("inspector/home.html", rows=rows)


@bp.get("/visits/<int:vid>")
@inspector_only
def sheet(vid: int) -> str:
    mine, tree = sheets.my_sheet(current_actor(), vid)
    state = {
        "visit": visit_out(visits.rows([mine.visit])[0]).model_dump(mode="json"),
        "leaves": [leaf.model_dump(mode="json") for leaf in leaves_out(tree)],
        "sheet": sheet_out(mine).model_dump(mode="json"),
        "api": url_for("api.put_my_sheet", vid=vid),
        "photos": url_for("api.add_photo", vid=vid),
        "token": url_for("inspector.token"),
    }
    return render_template("inspector/sheet.html", mine=mine, tree=tree, leaves=leaves_out(tree),
                           state=state)  # fmt: skip


@bp.get("/visits/<int:vid>/team")
@inspector_only
def team(vid: int) -> str:
    seen, team_sheets, tree = sheets.team_sheets(current_actor(), vid)
    return render_template("inspector/team.html", row=visits.rows([seen.visit])[0], sheets=team_sheets,
                           leaves=leaves_out(tree))  # fmt: skip


@bp.post("/visits/<int:vid>/sign")
@inspector_only
def sign(vid: int) -> Response:
    attempt(lambda: signoff.sign(current_actor(), vid), _("已签字,评分表已锁定。"))
    return redirect(url_for("inspector.team", vid=vid))


@bp.post("/visits/<int:vid>/return/<int:user_id>")
@inspector_only
def return_sheet(vid: int, user_id: int) -> Response:
    attempt(lambda: signoff.return_sheet(current_actor(), vid, user_id), _("已退回该成员修改。"))
    return redirect(url_for("inspector.team", vid=vid))


@bp.get("/token")
@inspector_only
def token() -> Response:
    """A fresh CSRF token for a sheet page that stayed open (offline) longer than its token lives."""
    return jsonify({"csrf_token": generate_csrf(), "user_id": current_user.id})


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, served from /inspect/ so that it may control the sheet pages."""
    path = Path(current_app.static_folder or "") / "inspection-sw.js"
    response = send_file(path, mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
