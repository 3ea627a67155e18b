"""The office's 问卷调查 and 征求意见 pages: the questionnaire (one textarea), posters and codes, the
results per unit with the anomaly signals, one unit's answers (per-question charts, invalidation),
the departments with who has not answered, and the cases a reported problem opens.

Views read the form into the same values the API sends and call the same use cases."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from evalflow.assessment.rules import Kind
from evalflow.assessment.tree_rows import load_tree
from evalflow.intake.veto import veto_types
from evalflow.shared import bounds, clock
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.errors import DomainError, InvalidInput
from evalflow.shared.files import csvfile
from evalflow.shared.files import store as files
from evalflow.shared.i18n import tr
from evalflow.shared.messages import N_, msg
from evalflow.shared.web import current_actor
from evalflow.shared.web.decorators import office_only
from evalflow.shared.web.feedback import attempt, flash_failure
from evalflow.survey import (
    answers,
    departments,
    export,
    form_text,
    paper,
    posters,
    questionnaire,
    results,
    rules,
)
from evalflow.survey.models import PaperEntry
from evalflow.survey.questionnaire import survey_unit
from evalflow.survey.shapes import percent

bp = Blueprint("survey_office", __name__)


def _campaign(cid: int) -> Campaign:
    return campaigns.get_campaign(current_actor(), cid)


def _fast() -> int:
    return int(current_app.config.get("SURVEY_FAST_SECONDS") or rules.DEFAULT_FAST_SECONDS)


@bp.get("/office/campaigns/<int:cid>/survey")
@office_only
def overview(cid: int) -> str:
    campaign, actor = _campaign(cid), current_actor()
    found = questionnaire.stored(campaign.id)
    text = form_text.to_text(found.to_json()["questions"]) if found else form_text.DEFAULT_TEXT
    board = departments.board(actor, campaign)
    tree = load_tree(campaign.id)
    return render_template(
        "office/survey.html", campaign=campaign, survey=found, text=text, modes=list(rules.SurveyMode),
        kinds=list(rules.Respondent), rows=results.unit_results(actor, campaign), percent=percent,
        signals=[(_(s.kind.label), tr(s.detail)) for s in results.anomalies(actor, campaign, _fast())], board=board, formula=_(rules.FORMULA),
        text_hint=_(form_text.HINT),
        deduction_leaves=tree.leaves(Kind.DEDUCTION) if tree else [], veto_kinds=veto_types(),
        departments=departments.departments(actor, campaign), outcomes=list(rules.Outcome), today=clock.today(),
    )  # fmt: skip


def _day(raw: str) -> date | None:
    """The form's date (empty: none); 400 for anything but YYYY-MM-DD."""
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(fields={"deadline": [msg(N_("请填写日期(YYYY-MM-DD)。"))]}) from None


def _back(cid: int) -> Response:
    return redirect(url_for("survey_office.overview", cid=cid))


@bp.post("/office/campaigns/<int:cid>/survey")
@office_only
def save(cid: int) -> Response:
    campaign = _campaign(cid)
    sample = request.form.get("sample", "")
    data = {"mode": request.form.get("mode"), "respondents": request.form.getlist("respondents"),
            "sample": int(sample) if sample.isascii() and sample.isdigit() and len(sample) < 7 else -1,
            "questions": form_text.from_text(request.form.get("questions", ""))}  # fmt: skip
    attempt(lambda: questionnaire.put_survey(current_actor(), campaign, data), _("问卷已保存。"))
    return _back(cid)


@bp.get("/office/campaigns/<int:cid>/survey-posters.pdf")
@office_only
def all_posters(cid: int) -> Response:
    campaign = _campaign(cid)
    try:
        data = posters.posters(current_actor(), campaign)
    except DomainError as exc:
        flash_failure(exc)
        return _back(cid)
    return files.send_pdf(data, f"survey-posters-{cid}.pdf")


@bp.get("/office/campaigns/<int:cid>/survey/cases/<int:did>/<int:uid>/evidence")
@office_only
def opinion_evidence(cid: int, did: int, uid: int) -> Response:
    """The evidence file a department sent with its opinion on a unit (404 page when there is none)."""
    return files.send_stored(departments.opinion_evidence(current_actor(), _campaign(cid), did, uid))


@bp.post("/office/campaigns/<int:cid>/survey/units/<int:uid>/codes")
@office_only
def codes(cid: int, uid: int) -> Response | str:
    campaign = _campaign(cid)
    count = bounds.parse_id(request.form.get("count")) or 0
    try:
        made = answers.make_codes(current_actor(), campaign, uid, count)
    except DomainError as exc:
        flash_failure(exc)
        return _back(cid)
    return render_template("office/survey_codes.html", campaign=campaign, unit=survey_unit(campaign.id, uid), codes=made,
                           url=posters.answer_url(campaign.id, uid))  # fmt: skip


@bp.get("/office/campaigns/<int:cid>/survey/units/<int:uid>")
@office_only
def unit_page(cid: int, uid: int) -> str:
    campaign, actor = _campaign(cid), current_actor()
    unit = survey_unit(campaign.id, uid)
    row = next(
        (r for r in results.unit_results(actor, campaign, with_distribution=True) if r.unit.id == uid), None
    )
    flagged: dict[int, list[str]] = {}
    for signal in results.anomalies(actor, campaign, _fast()):
        for answer_id in signal.answer_ids:
            flagged.setdefault(answer_id, []).append(_(signal.kind.label))
    survey = questionnaire.stored(campaign.id)
    answers_ = results.answers_of(actor, campaign, uid)
    mismatches = [m for m in paper.mismatches(actor, campaign) if m.unit.id == uid]
    return render_template(
        "office/survey_unit.html", campaign=campaign, unit=unit, row=row, survey=survey, answers=answers_,
        shown={a.id: _shown(survey, a.choices) for a in answers_}, flagged=flagged, percent=percent,
        poster_url=posters.answer_url(campaign.id, uid), kinds=list(rules.Respondent),
        mismatches=[(m, _keyed(survey, m.first), _keyed(survey, m.second)) for m in mismatches],
    )  # fmt: skip


def _shown(survey: rules.Questionnaire | None, choices: list[Any]) -> str:
    """An answer's choices as the options' labels, numbered ("1. 满意 · 2. 未答")."""
    labels = rules.choice_labels(survey, choices) if survey else [None] * len(choices)
    return " · ".join(f"{n}. {label or _('未答')}" for n, label in enumerate(labels, 1))


def _keyed(survey: rules.Questionnaire | None, entry: PaperEntry) -> str:
    """One keying of a paper form as the office reads it: the respondent type, then the choices."""
    return f"{_(rules.Respondent(entry.respondent).label)}:{_shown(survey, entry.choices)}"


@bp.post("/office/campaigns/<int:cid>/survey/answers/<int:aid>/invalidate")
@office_only
def invalidate(cid: int, aid: int) -> Response:
    campaign = _campaign(cid)
    step = lambda: answers.invalidate(current_actor(), campaign, aid, request.form.get("reason", ""))  # noqa: E731
    attempt(step, _("已作废该问卷,理由已记录。"))
    uid = bounds.parse_id(request.form.get("unit_id"))
    return redirect(url_for("survey_office.unit_page", cid=cid, uid=uid)) if uid else _back(cid)


@bp.post("/office/campaigns/<int:cid>/survey/departments")
@office_only
def add_department(cid: int) -> Response:
    campaign = _campaign(cid)
    try:
        deadline = _day(request.form.get("deadline", ""))
        made, token = departments.create_department(
            current_actor(), campaign, request.form.get("name", ""), deadline
        )
    except DomainError as exc:
        flash_failure(exc)
        return _back(cid)
    link = posters.department_url(token)
    flash(
        _("已添加“%(name)s”。请把此链接发给该部门(只显示这一次):%(link)s", name=made.name, link=link),
        "success",
    )
    return _back(cid)


@bp.post("/office/campaigns/<int:cid>/survey/cases/<int:did>/<int:uid>")
@office_only
def decide(cid: int, did: int, uid: int) -> Response:
    campaign = _campaign(cid)
    data = {
        key: request.form.get(key) or None
        for key in ("outcome", "reason", "code", "points", "kind", "occurred_on")
    }
    attempt(lambda: departments.decide(current_actor(), campaign, did, uid, data), _("已处理并记录理由。"))
    return _back(cid)


@bp.post("/office/campaigns/<int:cid>/survey/units/<int:uid>/paper")
@office_only
def key_paper(cid: int, uid: int) -> Response:
    campaign = _campaign(cid)
    found = questionnaire.stored(campaign.id)
    count = len(found.questions) if found else 0
    pass_no = request.form.get("pass_no", "")
    data = {"sheet": request.form.get("sheet", ""), "respondent": request.form.get("respondent"),
            "pass_no": int(pass_no) if pass_no in ("1", "2") else 0,
            "choices": [_choice(request.form.get(f"q{i}", "")) for i in range(count)]}  # fmt: skip
    labels = {"waiting": _("已录入,等待另一遍录入。"), "matched": _("两遍录入一致,已计入问卷。"),
              "mismatch": _("两遍录入不一致,请核对纸质问卷后重新录入其中一遍。")}  # fmt: skip
    attempt(
        lambda: paper.key_paper(current_actor(), campaign, uid, data), lambda made: labels[made.status.value]
    )
    return redirect(url_for("survey_office.unit_page", cid=cid, uid=uid))


def _choice(raw: str) -> int | None:
    """A paper form's choice from the select: blank is no choice; anything not a small number is refused later."""
    if not raw:
        return None
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else -1


@bp.get("/office/campaigns/<int:cid>/survey/answers.csv")
@office_only
def answers_csv(cid: int) -> Response:
    campaign = _campaign(cid)
    return files.send_csv(
        csvfile.data(export.rows(current_actor(), campaign, _fast())), f"survey-answers-{cid}.csv"
    )
