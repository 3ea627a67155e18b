"""问卷调查 and 征求意见 endpoints (the contract's section *问卷调查 (survey) and 征求意见 (opinions)*):
the questionnaire, posters, codes, public answers, results, invalidation, departments, opinions and
the office's decisions on reported problems."""

from __future__ import annotations

from flask import Response, g, request

from evalflow.shared.access import Actor
from evalflow.shared.api.caller import require_login
from evalflow.shared.api.routes import reply, route
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns.guard import refuse_writes_after_final
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.files import store as files
from evalflow.shared.security import bearer_token
from evalflow.survey import answers, departments, device, paper, posters, questionnaire, results
from evalflow.survey.models import Department
from evalflow.survey.schemas import (
    AnswerOut,
    CaseDecisionIn,
    CodesIn,
    CodesOut,
    DepartmentIn,
    DepartmentOut,
    InvalidateIn,
    KeyedOut,
    OpinionIn,
    OpinionOut,
    PaperIn,
    PaperMismatchOut,
    PaperOut,
    SurveyAnswerIn,
    SurveyIn,
    SurveyOut,
    SurveyResultOut,
)
from evalflow.survey.shapes import opinion_rows, percent, survey_out

ERRORS = {400: "invalid input", 401: "unauthenticated", 403: "forbidden", 404: "not found"}
TAG = "survey"
# An answer is a respondent type and at most rules.MAX_QUESTIONS small numbers (or a slip's code): a
# body larger than this is not an answer, and the route is public — refused before it is parsed.
ANSWER_BODY_LIMIT = 16 * 1024


def _campaign(cid: int) -> tuple[Actor, Campaign]:
    who = require_login()
    return who, campaigns.get_campaign(who, cid)


@route("/campaigns/<int:cid>/survey", "PUT", summary="Set the campaign's questionnaire (office)", tag=TAG,
       body=SurveyIn, responses={200: SurveyOut, **ERRORS, 409: "frozen (answers exist) or wrong_phase"})  # fmt: skip
def put_survey(cid: int, body: SurveyIn) -> SurveyOut:
    who, campaign = _campaign(cid)
    return survey_out(questionnaire.put_survey(who, campaign, body.model_dump()))


@route("/campaigns/<int:cid>/survey", "GET", summary="The campaign's questionnaire (office)", tag=TAG,
       responses={200: SurveyOut, **ERRORS})  # fmt: skip
def get_survey(cid: int) -> SurveyOut:
    who, campaign = _campaign(cid)
    return survey_out(questionnaire.get_survey(who, campaign))


@route("/campaigns/<int:cid>/units/<int:uid>/survey-poster.pdf", "GET",
       summary="A unit's A4 poster whose QR opens its questionnaire (office)", tag=TAG,
       responses={200: "application/pdf", **ERRORS, 409: "no_survey"})  # fmt: skip
def survey_poster(cid: int, uid: int) -> Response:
    who, campaign = _campaign(cid)
    return files.send_pdf(posters.posters(who, campaign, uid), f"survey-poster-{uid}.pdf")


@route("/campaigns/<int:cid>/survey-posters.pdf", "GET", summary="Every accepted unit's poster, one PDF (office)",
       tag=TAG, responses={200: "application/pdf", **ERRORS, 409: "no_survey"})  # fmt: skip
def survey_posters(cid: int) -> Response:
    who, campaign = _campaign(cid)
    return files.send_pdf(posters.posters(who, campaign), f"survey-posters-{cid}.pdf")


@route("/campaigns/<int:cid>/units/<int:uid>/survey-codes", "POST",
       summary="One-time codes for a unit's slips (office; mode coded), shown once", tag=TAG, body=CodesIn,
       responses={201: CodesOut, **ERRORS, 409: "wrong_mode or wrong_phase"})  # fmt: skip
def survey_codes(cid: int, uid: int, body: CodesIn) -> tuple[CodesOut, int]:
    who, campaign = _campaign(cid)
    return CodesOut(codes=answers.make_codes(who, campaign, uid, body.count)), 201


@route("/campaigns/<int:cid>/units/<int:uid>/survey-answers", "POST",
       summary="Answer a unit's questionnaire (public; one answer per device and unit, or a slip's code in mode "
       "coded; rate limited per address)", tag=TAG, auth="public", body=SurveyAnswerIn, single_statement=True,
       checks_phase=True, max_body=ANSWER_BODY_LIMIT,
       responses={201: AnswerOut, 400: "invalid_input", 403: "invalid_code", 404: "not_found",
                  409: "already_answered or wrong_phase", 429: "rate_limited"})  # fmt: skip
def post_survey_answer(cid: int, uid: int, body: SurveyAnswerIn) -> Response:
    ident, new = device.device_id()
    data, sender = body.model_dump(), device.sender(ident)
    made = answers.submit_remembered(cid, uid, data, sender)  # one statement, the phase checked in it
    if made is None:  # refused, or not known in this process: read the campaign, then explain or write
        refuse_writes_after_final()
        made = answers.submit_read(cid, uid, data, sender, g.get("campaign_facts"))
    out = AnswerOut(id=made.id, unit_id=made.unit_id, respondent=made.respondent, received_at=made.created_at)
    return device.remember(reply(out.model_dump(mode="json"), 201), ident, new)


@route("/campaigns/<int:cid>/survey/results", "GET",
       summary="Each accepted unit's valid answers, 满意率 and whether its sample is reached (office)", tag=TAG,
       responses={200: list[SurveyResultOut], **ERRORS})  # fmt: skip
def survey_results(cid: int) -> list[SurveyResultOut]:
    who, campaign = _campaign(cid)
    return [SurveyResultOut(unit_id=r.unit.id, unit_name=r.unit.name, valid=r.valid, invalid=r.invalid,
                      satisfied_rate=float(r.satisfied_rate) if r.satisfied_rate is not None else None,
                      satisfied_percent=percent(r.satisfied_rate), reached=r.reached, by_type=dict(r.by_type))
            for r in results.unit_results(who, campaign)]  # fmt: skip


@route("/campaigns/<int:cid>/survey-answers/<int:aid>/invalidate", "POST",
       summary="Invalidate an answer with a reason (office; audited, shown in the results and the export)",
       tag=TAG, body=InvalidateIn, responses={200: AnswerOut, **ERRORS, 409: "already_invalid or wrong_phase"})  # fmt: skip
def invalidate_answer(cid: int, aid: int, body: InvalidateIn) -> AnswerOut:
    who, campaign = _campaign(cid)
    made = answers.invalidate(who, campaign, aid, body.reason)
    return AnswerOut(
        id=made.id, unit_id=made.unit_id, respondent=made.respondent, received_at=made.created_at
    )


@route("/campaigns/<int:cid>/departments", "POST",
       summary="Ask a department for its opinions (office): its link's token, shown once", tag=TAG,
       body=DepartmentIn, responses={201: DepartmentOut, **ERRORS, 409: "duplicate or wrong_phase"})  # fmt: skip
def create_department(cid: int, body: DepartmentIn) -> tuple[DepartmentOut, int]:
    who, campaign = _campaign(cid)
    made, token = departments.create_department(who, campaign, body.name, body.deadline)
    url = posters.department_url(token)
    return DepartmentOut(id=made.id, name=made.name, deadline=made.deadline, token=token, url=url), 201


@route("/campaigns/<int:cid>/units/<int:uid>/opinion", "PUT",
       summary="A department's opinion on a unit (the department's token as bearer): none (无意见) or problem "
       "(有问题, with a text)", tag=TAG, auth="public", body=OpinionIn,
       caller=lambda: departments.by_token(bearer_token(request.headers.get("Authorization", ""))),
       responses={200: OpinionOut, 400: "invalid_input", 401: "unauthenticated", 404: "not_found",
                  409: "decided, deadline_passed or wrong_phase"})  # fmt: skip
def put_opinion(cid: int, uid: int, body: OpinionIn, caller: tuple[Department, Campaign]) -> OpinionOut:
    department, campaign = caller
    if campaign.id != cid:
        raise departments.wrong_campaign()
    row = departments.give_opinion(department, campaign, uid, body.model_dump())
    return opinion_rows([(row, department, row.unit_id)], [])[0]


@route("/campaigns/<int:cid>/opinions", "GET",
       summary="Every department's opinions (office), plus one row with verdict null per department and unit "
       "not answered yet", tag=TAG, responses={200: list[OpinionOut], **ERRORS})  # fmt: skip
def list_opinions(cid: int) -> list[OpinionOut]:
    who, campaign = _campaign(cid)
    found = departments.board(who, campaign)
    return opinion_rows([(o, d, u.id) for o, d, u in found.opinions], found.missing)


@route("/campaigns/<int:cid>/departments/<int:did>/units/<int:uid>/decision", "POST",
       summary="Decide a reported problem (office): veto (existing veto records), deduction (points of a deduction "
       "leaf) or no_effect, with a reason", tag=TAG, body=CaseDecisionIn,
       responses={200: OpinionOut, **ERRORS, 409: "decided or wrong_phase"})  # fmt: skip
def decide_case(cid: int, did: int, uid: int, body: CaseDecisionIn) -> OpinionOut:
    who, campaign = _campaign(cid)
    data = body.model_dump()
    if data.get("occurred_on") is not None:
        data["occurred_on"] = data["occurred_on"].isoformat()
    row = departments.decide(who, campaign, did, uid, data)
    department = departments.department_of(campaign, did)
    return opinion_rows([(row, department, uid)], [])[0]


@route("/campaigns/<int:cid>/departments/<int:did>/units/<int:uid>/evidence", "GET",
       summary="The evidence file a department sent with its opinion on a unit (office)", tag=TAG,
       responses={200: "the file", **ERRORS})  # fmt: skip
def opinion_evidence(cid: int, did: int, uid: int) -> Response:
    who, campaign = _campaign(cid)
    return files.send_stored(departments.opinion_evidence(who, campaign, did, uid))


@route("/campaigns/<int:cid>/units/<int:uid>/survey-paper", "POST",
       summary="Key one pass of a paper questionnaire (office; double entry: the answer is made when both passes "
       "agree)", tag=TAG, body=PaperIn, responses={201: PaperOut, **ERRORS, 409: "matched, no_survey or wrong_phase"})  # fmt: skip
def key_paper(cid: int, uid: int, body: PaperIn) -> tuple[PaperOut, int]:
    who, campaign = _campaign(cid)
    made = paper.key_paper(who, campaign, uid, body.model_dump())
    entry = made.entry
    return PaperOut(unit_id=entry.unit_id, sheet=entry.sheet, pass_no=entry.pass_no, status=made.status.value,
                    answer_id=entry.answer_id), 201  # fmt: skip


@route("/campaigns/<int:cid>/survey-paper/mismatches", "GET",
       summary="Paper forms whose two keyings differ (office)", tag=TAG, responses={200: list[PaperMismatchOut], **ERRORS})  # fmt: skip
def paper_mismatches(cid: int) -> list[PaperMismatchOut]:
    who, campaign = _campaign(cid)
    return [PaperMismatchOut(unit_id=m.unit.id, sheet=m.sheet, first=KeyedOut.model_validate(m.first),
                        second=KeyedOut.model_validate(m.second)) for m in paper.mismatches(who, campaign)]  # fmt: skip
