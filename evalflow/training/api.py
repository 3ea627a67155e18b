"""Training endpoints (集中培训): schedule and materials, attendance, venue check-in, the shared Q&A."""

from __future__ import annotations

from flask import Response, url_for

from evalflow.shared.access import Actor
from evalflow.shared.api.caller import require_login
from evalflow.shared.api.file_schemas import FileOut
from evalflow.shared.api.routes import multipart_body, route, upload
from evalflow.shared.api.schemas import Done
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.files import store as files
from evalflow.shared.files.models import StoredFile
from evalflow.shared.i18n import tr_if_constant
from evalflow.training import faq
from evalflow.training import service as training
from evalflow.training.models import FaqEntry
from evalflow.training.rules import DEFAULT_AGENDA
from evalflow.training.schemas import (
    AnswerIn,
    AskIn,
    AttendanceIn,
    AttendanceOut,
    AttendanceSummaryOut,
    CheckinIn,
    CheckinOut,
    CheckinScanIn,
    FaqIn,
    FaqOut,
    FaqQuery,
    MaterialOut,
    TrainingIn,
    TrainingOut,
)
from evalflow.training.service import Schedule

ERRORS = {400: "invalid input", 401: "unauthenticated", 403: "forbidden", 404: "not found"}


def material_out(cid: int, stored: StoredFile) -> MaterialOut:
    url = url_for("api.download_material", cid=cid, fid=stored.id)
    return MaterialOut(**FileOut.model_validate(stored).model_dump(), url=url)


def training_out(cid: int, plan: Schedule) -> TrainingOut:
    return TrainingOut(
        starts_at=plan.starts_at,
        place=plan.place,
        agenda=[tr_if_constant(item, DEFAULT_AGENDA) for item in plan.agenda],
        materials=[material_out(cid, m) for m in plan.materials],
    )


def faq_out(entry: FaqEntry, office: bool) -> FaqOut:
    """The same for every unit; only the office learns which unit asked an online question."""
    return FaqOut(
        id=entry.id,
        question=entry.question,
        answer=entry.answer,
        answered=entry.answered_at is not None,
        asked_online=entry.asked_by_unit_id is not None,
        asked_by_unit_id=entry.asked_by_unit_id if office else None,
        created_at=entry.created_at,
        answered_at=entry.answered_at,
    )


def _campaign(cid: int) -> tuple[Actor, Campaign]:
    who = require_login()
    return who, campaigns.get_campaign(who, cid)


# --- schedule and materials -------------------------------------------------------------------


@route(
    "/campaigns/<int:cid>/training",
    "GET",
    summary="The training's date, place, agenda and materials (office and every unit of the campaign)",
    tag="training",
    responses={200: TrainingOut, **ERRORS},
)
def get_training(cid: int) -> TrainingOut:
    who, campaign = _campaign(cid)
    return training_out(cid, training.schedule(who, campaign))


@route(
    "/campaigns/<int:cid>/training",
    "PUT",
    summary="Schedule the training: starts_at, place, agenda (office; before the briefing)",
    tag="training",
    body=TrainingIn,
    responses={200: TrainingOut, **ERRORS, 409: "wrong_phase"},
)
def put_training(cid: int, body: TrainingIn) -> TrainingOut:
    who, campaign = _campaign(cid)
    training.save_schedule(who, campaign, body.model_dump(exclude_unset=True))
    return training_out(cid, training.schedule(who, campaign))


@route(
    "/campaigns/<int:cid>/training/materials",
    "POST",
    summary="Upload a training material (office; multipart field `file`; PDF, DOCX, JPEG, PNG by content)",
    tag="training",
    multipart=multipart_body(),
    responses={201: MaterialOut, **ERRORS, 409: "wrong_phase", 413: "too_large", 415: "unsupported_type"},
)
def upload_material(cid: int) -> MaterialOut:
    who, campaign = _campaign(cid)
    return material_out(cid, training.add_material(who, campaign, upload()))


@route(
    "/campaigns/<int:cid>/training/materials/<int:fid>",
    "GET",
    summary="Download a training material (office and every unit of the campaign)",
    tag="training",
    responses={200: "the file", **ERRORS},
)
def download_material(cid: int, fid: int) -> Response:
    who, campaign = _campaign(cid)
    return files.send_stored(training.material(who, campaign, fid))


@route(
    "/campaigns/<int:cid>/training/materials/<int:fid>",
    "DELETE",
    summary="Remove a training material (office; before the briefing)",
    tag="training",
    responses={200: Done, **ERRORS, 409: "wrong_phase"},
)
def delete_material(cid: int, fid: int) -> Done:
    who, campaign = _campaign(cid)
    training.remove_material(who, campaign, fid)
    return Done(status="ok")


# --- attendance and check-in ------------------------------------------------------------------


@route(
    "/campaigns/<int:cid>/attendance",
    "GET",
    summary="Attendance of every accepted unit: x / y trained, who is excused, who is missing (office)",
    tag="training",
    responses={200: AttendanceSummaryOut, **ERRORS},
)
def get_attendance(cid: int) -> AttendanceSummaryOut:
    who, campaign = _campaign(cid)
    rows, summary = training.attendance_summary(who, campaign)
    return AttendanceSummaryOut(
        total=summary.total,
        trained=summary.trained,
        excused=len(summary.excused),
        missing=list(summary.missing),
        units=[
            {
                "unit_id": row.unit.id,
                "name": row.unit.name,
                "status": row.attendance.status if row.attendance else None,
                "note": row.attendance.note if row.attendance else "",
                "marked_at": row.attendance.marked_at if row.attendance else None,
            }
            for row in rows
        ],
    )


@route(
    "/campaigns/<int:cid>/units/<int:uid>/attendance",
    "POST",
    summary="Mark an accepted unit attended, or excused with a note (office; phase training)",
    tag="training",
    body=AttendanceIn,
    responses={200: AttendanceOut, **ERRORS, 409: "wrong_phase or not_accepted"},
)
def post_attendance(cid: int, uid: int, body: AttendanceIn) -> AttendanceOut:
    who, campaign = _campaign(cid)
    return AttendanceOut.model_validate(training.mark_attendance(who, campaign, uid, body.model_dump()))


@route(
    "/campaigns/<int:cid>/training/checkin",
    "POST",
    summary="Open the venue check-in: a QR code units scan, valid for `minutes` (office; phase training)",
    tag="training",
    body=CheckinIn,
    body_optional=True,
    responses={200: CheckinOut, **ERRORS, 409: "wrong_phase"},
)
def open_checkin(cid: int, body: CheckinIn) -> CheckinOut:
    who, campaign = _campaign(cid)
    code, expires_at = training.open_checkin(who, campaign, body.minutes)
    return CheckinOut(
        code=code, url=url_for("training.checkin", code=code, _external=True), expires_at=expires_at
    )


@route(
    "/campaigns/<int:cid>/training/checkin",
    "DELETE",
    summary="Close the venue check-in at once (office)",
    tag="training",
    responses={200: Done, **ERRORS, 409: "wrong_phase"},
)
def close_checkin(cid: int) -> Done:
    who, campaign = _campaign(cid)
    training.close_checkin(who, campaign)
    return Done(status="closed")


@route(
    "/checkins",
    "POST",
    summary="Check in at the venue with the scanned code (unit; phase training): marks the unit attended",
    tag="training",
    body=CheckinScanIn,
    responses={200: AttendanceOut, **ERRORS, 409: "checkin_closed, wrong_phase or not_accepted"},
)
def post_checkin(body: CheckinScanIn) -> AttendanceOut:
    return AttendanceOut.model_validate(training.check_in(require_login(), body.code.strip()))


# --- shared Q&A -------------------------------------------------------------------------------


@route(
    "/campaigns/<int:cid>/faq",
    "GET",
    summary="The shared Q&A, newest first; `?q=` searches (office and every unit of the campaign)",
    tag="faq",
    query=FaqQuery,
    responses={200: list[FaqOut], **ERRORS},
)
def list_faq(cid: int, query: FaqQuery) -> list[FaqOut]:
    who, campaign = _campaign(cid)
    return [faq_out(e, who.is_office) for e in faq.list_entries(who, campaign, query.q)]


@route(
    "/campaigns/<int:cid>/faq",
    "POST",
    summary="Record a question and its answer; every unit of the campaign sees it (office)",
    tag="faq",
    body=FaqIn,
    responses={201: FaqOut, **ERRORS},
)
def post_faq(cid: int, body: FaqIn) -> FaqOut:
    who, campaign = _campaign(cid)
    return faq_out(faq.add_entry(who, campaign, body.model_dump()), True)


@route(
    "/campaigns/<int:cid>/faq/questions",
    "POST",
    summary="Ask a question online (unit); visible to the office and the asking unit until answered",
    tag="faq",
    body=AskIn,
    responses={201: FaqOut, **ERRORS, 409: "wrong_phase"},
)
def ask_faq(cid: int, body: AskIn) -> FaqOut:
    who, campaign = _campaign(cid)
    return faq_out(faq.ask(who, campaign, body.model_dump()), False)


@route(
    "/campaigns/<int:cid>/faq/<int:fid>/answer",
    "POST",
    summary="Answer (or correct the answer to) a question; from then on every unit sees it (office)",
    tag="faq",
    body=AnswerIn,
    responses={200: FaqOut, **ERRORS},
)
def answer_faq(cid: int, fid: int, body: AnswerIn) -> FaqOut:
    who, campaign = _campaign(cid)
    return faq_out(faq.answer(who, campaign, fid, body.model_dump()), True)
