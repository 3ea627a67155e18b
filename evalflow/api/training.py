"""Training endpoints (集中培训): schedule and materials, attendance, venue check-in, the shared Q&A."""

from __future__ import annotations

from typing import Any

from flask import Response, request, send_file, url_for

from ..domain.errors import InvalidInput
from ..domain.messages import N_, msg
from ..i18n import tr
from ..models import Attendance, FaqEntry, StoredFile
from ..services import campaigns, faq, files, training
from ..services.training import AttendanceRow, Schedule
from .common import body, reply, require_login, route
from .schemas import (
    ATTENDANCE_WRITE,
    CHECKIN_OPEN,
    CHECKIN_SCAN,
    FAQ_ANSWER,
    FAQ_ASK,
    FAQ_WRITE,
    TRAINING_WRITE,
    list_of,
    ref,
)
from .units import document_body, multipart, upload

ERRORS = {400: "invalid input", 401: "unauthenticated", 403: "forbidden", 404: "not found"}


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment else None


def material_json(cid: int, stored: StoredFile) -> dict[str, Any]:
    return {
        "id": stored.id,
        "filename": stored.filename,
        "size": stored.size,
        "sha256": stored.sha256,
        "content_type": stored.content_type,
        "url": url_for("api.download_material", cid=cid, fid=stored.id),
    }


def training_json(cid: int, plan: Schedule) -> dict[str, Any]:
    return {
        "starts_at": _iso(plan.starts_at),
        "place": plan.place,
        "agenda": [tr(item) for item in plan.agenda],
        "materials": [material_json(cid, m) for m in plan.materials],
    }


def attendance_json(row: Attendance) -> dict[str, Any]:
    return {
        "unit_id": row.unit_id,
        "status": row.status.value,
        "note": row.note,
        "marked_at": _iso(row.marked_at),
    }


def _row_json(row: AttendanceRow) -> dict[str, Any]:
    mark = row.attendance
    return {
        "unit_id": row.unit.id,
        "name": row.unit.name,
        "status": mark.status.value if mark else None,
        "note": mark.note if mark else "",
        "marked_at": _iso(mark.marked_at) if mark else None,
    }


def faq_json(entry: FaqEntry, office: bool) -> dict[str, Any]:
    """The same for every unit; only the office learns which unit asked an online question."""
    return {
        "id": entry.id,
        "question": entry.question,
        "answer": entry.answer,
        "answered": entry.answered_at is not None,
        "asked_online": entry.asked_by_unit_id is not None,
        "asked_by_unit_id": entry.asked_by_unit_id if office else None,
        "created_at": _iso(entry.created_at),
        "answered_at": _iso(entry.answered_at),
    }


# --- schedule and materials -------------------------------------------------------------------


@route(
    "/campaigns/<int:cid>/training",
    "GET",
    summary="The training's date, place, agenda and materials (office and every unit of the campaign)",
    tag="training",
    responses={200: {"schema": ref("Training")}, **ERRORS},
)
def get_training(cid: int) -> Response:
    who = require_login()
    campaign = campaigns.get_campaign(who, cid)
    return reply(training_json(cid, training.schedule(who, campaign)))


@route(
    "/campaigns/<int:cid>/training",
    "PUT",
    summary="Schedule the training: starts_at, place, agenda (office; before the briefing)",
    tag="training",
    request_schema=TRAINING_WRITE,
    responses={200: {"schema": ref("Training")}, **ERRORS, 409: "wrong_phase"},
)
def put_training(cid: int) -> Response:
    who = require_login()
    campaign = campaigns.get_campaign(who, cid)
    training.save_schedule(who, campaign, body())
    return reply(training_json(cid, training.schedule(who, campaign)))


@route(
    "/campaigns/<int:cid>/training/materials",
    "POST",
    summary="Upload a training material (office; multipart field `file`; PDF, DOCX, JPEG, PNG by content)",
    tag="training",
    responses={201: "the material", **ERRORS, 409: "wrong_phase", 413: "too_large", 415: "unsupported_type"},
)
def upload_material(cid: int) -> Response:
    who = require_login()
    campaign = campaigns.get_campaign(who, cid)
    stored = training.add_material(who, campaign, upload())
    return reply(material_json(cid, stored), 201)


@route(
    "/campaigns/<int:cid>/training/materials/<int:fid>",
    "GET",
    summary="Download a training material (office and every unit of the campaign)",
    tag="training",
    responses={200: "the file", **ERRORS},
)
def download_material(cid: int, fid: int) -> Response:
    who = require_login()
    stored = training.material(who, campaigns.get_campaign(who, cid), fid)
    return send_file(
        files.path_of(stored), mimetype=stored.content_type, as_attachment=True, download_name=stored.filename
    )


@route(
    "/campaigns/<int:cid>/training/materials/<int:fid>",
    "DELETE",
    summary="Remove a training material (office; before the briefing)",
    tag="training",
    responses={200: "removed", **ERRORS, 409: "wrong_phase"},
)
def delete_material(cid: int, fid: int) -> Response:
    who = require_login()
    training.remove_material(who, campaigns.get_campaign(who, cid), fid)
    return reply({"status": "ok"})


# --- attendance and check-in ------------------------------------------------------------------


@route(
    "/campaigns/<int:cid>/attendance",
    "GET",
    summary="Attendance of every accepted unit: x / y trained, who is excused, who is missing (office)",
    tag="training",
    responses={200: {"schema": ref("AttendanceSummary")}, **ERRORS},
)
def get_attendance(cid: int) -> Response:
    who = require_login()
    rows, summary = training.attendance_summary(who, campaigns.get_campaign(who, cid))
    return reply(
        {
            "total": summary.total,
            "trained": summary.trained,
            "excused": len(summary.excused),
            "missing": list(summary.missing),
            "units": [_row_json(r) for r in rows],
        }
    )


@route(
    "/campaigns/<int:cid>/units/<int:uid>/attendance",
    "POST",
    summary="Mark an accepted unit attended, or excused with a note (office; phase training)",
    tag="training",
    request_schema=ATTENDANCE_WRITE,
    responses={200: {"schema": ref("Attendance")}, **ERRORS, 409: "wrong_phase or not_accepted"},
)
def post_attendance(cid: int, uid: int) -> Response:
    who = require_login()
    campaign = campaigns.get_campaign(who, cid)
    return reply(attendance_json(training.mark_attendance(who, campaign, uid, body())))


@route(
    "/campaigns/<int:cid>/training/checkin",
    "POST",
    summary="Open the venue check-in: a QR code units scan, valid for `minutes` (office; phase training)",
    tag="training",
    request_schema=CHECKIN_OPEN,
    responses={200: {"schema": ref("Checkin")}, **ERRORS, 409: "wrong_phase"},
)
def open_checkin(cid: int) -> Response:
    who = require_login()
    campaign = campaigns.get_campaign(who, cid)
    data = request.get_json(silent=True) or {}
    code, expires_at = training.open_checkin(
        who, campaign, data.get("minutes") if isinstance(data, dict) else None
    )
    return reply(checkin_json(code, expires_at))


def checkin_json(code: str, expires_at: Any) -> dict[str, Any]:
    return {
        "code": code,
        "url": url_for("training.checkin", code=code, _external=True),
        "expires_at": _iso(expires_at),
    }


@route(
    "/campaigns/<int:cid>/training/checkin",
    "DELETE",
    summary="Close the venue check-in at once (office)",
    tag="training",
    responses={200: "closed", **ERRORS, 409: "wrong_phase"},
)
def close_checkin(cid: int) -> Response:
    who = require_login()
    training.close_checkin(who, campaigns.get_campaign(who, cid))
    return reply({"status": "closed"})


@route(
    "/checkins",
    "POST",
    summary="Check in at the venue with the scanned code (unit; phase training): marks the unit attended",
    tag="training",
    request_schema=CHECKIN_SCAN,
    responses={
        200: {"schema": ref("Attendance")},
        **ERRORS,
        409: "checkin_closed, wrong_phase or not_accepted",
    },
)
def post_checkin() -> Response:
    who = require_login()
    code = body().get("code")
    if not isinstance(code, str) or not code.strip():
        raise InvalidInput(fields={"code": [msg(N_("请提供签到码。"))]})
    return reply(attendance_json(training.check_in(who, code.strip())))


# --- shared Q&A -------------------------------------------------------------------------------


@route(
    "/campaigns/<int:cid>/faq",
    "GET",
    summary="The shared Q&A, newest first; `?q=` searches (office and every unit of the campaign)",
    tag="faq",
    responses={200: {"schema": list_of("FaqEntry")}, **ERRORS},
)
def list_faq(cid: int) -> Response:
    who = require_login()
    entries = faq.list_entries(who, campaigns.get_campaign(who, cid), request.args.get("q"))
    return reply([faq_json(e, who.is_office) for e in entries])


@route(
    "/campaigns/<int:cid>/faq",
    "POST",
    summary="Record a question and its answer; every unit of the campaign sees it (office)",
    tag="faq",
    request_schema=FAQ_WRITE,
    responses={201: {"schema": ref("FaqEntry")}, **ERRORS},
)
def post_faq(cid: int) -> Response:
    who = require_login()
    entry = faq.add_entry(who, campaigns.get_campaign(who, cid), body())
    return reply(faq_json(entry, True), 201)


@route(
    "/campaigns/<int:cid>/faq/questions",
    "POST",
    summary="Ask a question online (unit); visible to the office and the asking unit until answered",
    tag="faq",
    request_schema=FAQ_ASK,
    responses={201: {"schema": ref("FaqEntry")}, **ERRORS, 409: "wrong_phase"},
)
def ask_faq(cid: int) -> Response:
    who = require_login()
    entry = faq.ask(who, campaigns.get_campaign(who, cid), body())
    return reply(faq_json(entry, False), 201)


@route(
    "/campaigns/<int:cid>/faq/<int:fid>/answer",
    "POST",
    summary="Answer (or correct the answer to) a question; from then on every unit sees it (office)",
    tag="faq",
    request_schema=FAQ_ANSWER,
    responses={200: {"schema": ref("FaqEntry")}, **ERRORS},
)
def answer_faq(cid: int, fid: int) -> Response:
    who = require_login()
    entry = faq.answer(who, campaigns.get_campaign(who, cid), fid, body())
    return reply(faq_json(entry, True))


document_body("/campaigns/<int:cid>/training/materials", "POST", multipart())
