"""The public questionnaire (no account, no JavaScript, a phone at 360 px): who you are first, then
one group of choices per question; and the department's page, reached by its token link.

Both post plain HTML forms with the CSRF token; a refusal is shown on the page in the reader's
language (an answer twice from the same phone: kindly, with thanks).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, make_response, render_template, request

from evalflow.shared.errors import DomainError
from evalflow.shared.i18n import tr
from evalflow.shared.web.feedback import undo
from evalflow.survey import answers, device, rules
from evalflow.survey.questionnaire import PublicTarget, public_target

bp = Blueprint("survey_public", __name__)


def _index(value: str | None) -> int | None:
    """A chosen option's index from the form: None when blank, -1 (refused later) when not a small number."""
    if not value:
        return None
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 3 else -1


def _choices(count: int) -> list[int | None]:
    return [_index(request.form.get(f"q{index}")) for index in range(count)]


def _page(target: PublicTarget, status: int = 200, **extra: Any) -> Response:
    questionnaire = target.questionnaire
    values = {"campaign": target.campaign, "unit": target.unit, "questionnaire": questionnaire,
              "opened": device.opened_stamp(), "respondents": questionnaire.respondents,
              "coded": questionnaire.mode is rules.SurveyMode.CODED, "done": False, "already": False,
              "closed": tr(target.closed) if target.closed else None, "reasons": [], "picked": {}, **extra}  # fmt: skip
    return make_response(render_template("public/survey_form.html", **values), status)


@bp.route("/survey/<int:cid>/<int:uid>", methods=["GET", "POST"])
def answer_form(cid: int, uid: int) -> Response:
    """The questionnaire of one unit; a second answer from the same phone is refused kindly, and
    outside the phases that take answers the page says so instead of showing the form."""
    target = public_target(cid, uid)
    questionnaire = target.questionnaire
    ident, new = device.device_id()
    if target.closed is not None:
        return device.remember(_page(target, 409), ident, new)
    if request.method == "GET":
        already = questionnaire.mode is rules.SurveyMode.OPEN and answers.answered(
            cid, uid, device.sender(ident).device
        )
        return device.remember(_page(target, already=already), ident, new)
    sender = device.sender(ident, device.opened_at(request.form.get("opened")))
    picked = dict(request.form)
    data = {"respondent": request.form.get("respondent"), "code": request.form.get("code"),
            "choices": _choices(len(questionnaire.questions))}  # fmt: skip
    try:
        answers.submit(cid, uid, data, sender)
    except DomainError as refused:
        exc = undo(refused)
        already = exc.code == "already_answered"
        reasons = [tr(exc.message)] + [tr(m) for problems in exc.fields.values() for m in problems]
        page = _page(target, exc.status, already=already, reasons=[] if already else reasons, picked=picked,
                     already_text=tr(exc.message))  # fmt: skip
        return device.remember(page, ident, new)
    return device.remember(_page(target, 201, done=True), ident, new)
