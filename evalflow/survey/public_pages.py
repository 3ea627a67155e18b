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
from evalflow.survey.questionnaire import public_target

bp = Blueprint("survey_public", __name__)


def _index(value: str | None) -> int | None:
    """A chosen option's index from the form: None when blank, -1 (refused later) when not a small number."""
    if not value:
        return None
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 3 else -1


def _choices(count: int) -> list[int | None]:
    return [_index(request.form.get(f"q{index}")) for index in range(count)]


def _page(cid: int, uid: int, status: int = 200, **extra: Any) -> Response:
    campaign, unit, questionnaire = public_target(cid, uid)
    values = {"campaign": campaign, "unit": unit, "questionnaire": questionnaire, "opened": device.opened_stamp(),
              "respondents": questionnaire.respondents, "coded": questionnaire.mode is rules.SurveyMode.CODED,
              "done": False, "already": False, "reasons": [], "picked": {}, **extra}  # fmt: skip
    return make_response(render_template("public/survey_form.html", **values), status)


@bp.route("/survey/<int:cid>/<int:uid>", methods=["GET", "POST"])
def answer_form(cid: int, uid: int) -> Response:
    """The questionnaire of one unit; a second answer from the same phone is refused kindly."""
    _, _, questionnaire = public_target(cid, uid)
    ident, new = device.device_id()
    sender = device.sender(ident, request.form.get("opened"))
    if request.method == "GET":
        already = questionnaire.mode is rules.SurveyMode.OPEN and answers.answered(cid, uid, sender.device)
        return device.remember(_page(cid, uid, already=already), ident, new)
    picked = dict(request.form)
    data = {"respondent": request.form.get("respondent"), "code": request.form.get("code"),
            "choices": _choices(len(questionnaire.questions))}  # fmt: skip
    try:
        answers.submit(cid, uid, data, sender)
    except DomainError as refused:
        exc = undo(refused)
        already = exc.code == "already_answered"
        reasons = [tr(exc.message)] + [tr(m) for problems in exc.fields.values() for m in problems]
        page = _page(cid, uid, exc.status, already=already, reasons=[] if already else reasons, picked=picked,
                     already_text=tr(exc.message))  # fmt: skip
        return device.remember(page, ident, new)
    return device.remember(_page(cid, uid, 201, done=True), ident, new)
