"""A department's page (征求意见), reached by its token link — no account: every accepted unit with
无意见 / 有问题, a text and an optional evidence file (a new one replaces it), the deadline — past it
the page says so and the forms are disabled — and what it answered so far."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, make_response, redirect, render_template, request, url_for

from evalflow.extensions import db
from evalflow.shared.errors import DomainError
from evalflow.shared.i18n import tr
from evalflow.shared.security import no_referrer
from evalflow.shared.web.feedback import undo
from evalflow.survey import departments, rules
from evalflow.survey.models import Opinion
from evalflow.survey.questionnaire import survey_units

bp = Blueprint("survey_departments", __name__)


def _render(
    token: str,
    status: int = 200,
    errors: dict[int, list[str]] | None = None,
    submitted: dict[int, dict[str, Any]] | None = None,
    field_errors: dict[int, dict[str, list[str]]] | None = None,
) -> Response:
    """The page; after a refused answer, *errors* at the top of that unit, *field_errors* under their
    field, and what was *submitted* kept in the form."""
    department, campaign = departments.by_token(token)
    given = {
        o.unit_id: o
        for o in db.session.scalars(sa.select(Opinion).where(Opinion.department_id == department.id))
    }
    closed = tr(departments.late(department)) if departments.past_deadline(department) else None
    html = render_template("public/department.html", department=department, campaign=campaign, token=token,
                           units=survey_units(campaign.id), given=given, errors=errors or {}, late=closed,
                           evidence=departments.evidence_files([o.evidence_file_id for o in given.values()]),
                           verdicts=list(rules.Verdict), sent=request.args.get("sent"), submitted=submitted or {},
                           field_errors=field_errors or {})  # fmt: skip
    no_referrer()  # the token is in the path
    return make_response(html, status)


@bp.route("/d/<token>")
def page(token: str) -> Response:
    return _render(token)


@bp.route("/d/<token>/units/<int:uid>", methods=["POST"])
def answer(token: str, uid: int) -> Response:
    department, campaign = departments.by_token(token)
    data = {"verdict": request.form.get("verdict"), "text": request.form.get("text") or None}
    evidence = request.files.get("evidence")
    try:
        departments.give_opinion(
            department, campaign, uid, data, evidence if evidence and evidence.filename else None
        )
    except DomainError as refused:
        exc = undo(refused)
        fields = {name: [tr(m) for m in found] for name, found in exc.fields.items()}
        problems = [tr(exc.message)] + [m for name, found in fields.items() if name != "text" for m in found]
        return _render(token, exc.status, {uid: problems}, {uid: data}, {uid: fields})
    return redirect(url_for("survey_departments.page", token=token, sent=uid, _anchor=f"unit-{uid}"))
