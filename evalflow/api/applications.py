"""Applications (申报材料): the contract's application endpoints, plus the .docx report import,
versions and their diff, the office's review queue and the intake deadline."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from ..domain.errors import InvalidInput
from ..domain.intake import outline
from ..domain.messages import N_, msg
from ..models import Application, Campaign, Unit
from ..services import files, intake, veto
from .common import actor, body, reply, route
from .schemas import list_of, ref
from .units import campaign_of, document_body, file_json, multipart, upload


def application_json(unit: Unit, application: Application | None, campaign: Campaign) -> dict[str, Any]:
    text = application.report_text if application else ""
    return {
        "unit_id": unit.id,
        "status": application.status.value if application else "draft",
        "report_title": application.report_title if application else "",
        "report_text": text,
        "attachments": [file_json(f) for f in intake.attachments(application)],
        "review_comment": application.review_comment if application else "",
        "submitted_at": application.submitted_at.isoformat()
        if application and application.submitted_at
        else None,
        "reviewed_at": application.reviewed_at.isoformat()
        if application and application.reviewed_at
        else None,
        "outline": [{"level": h.level, "number": h.number, "text": h.text} for h in outline(text)],
        "intake_deadline": campaign.intake_deadline.isoformat() if campaign.intake_deadline else None,
    }


# --- the application -----------------------------------------------------------------------------

APP = "/campaigns/<int:cid>/units/<int:uid>/application"
APP_RESPONSES = {
    200: {"schema": ref("Application")},
    401: "unauthenticated",
    403: "forbidden",
    404: "not found",
}


def _application_reply(campaign: Campaign, uid: int, status: int = 200) -> Response:
    unit, application = intake.view_application(actor(), campaign, uid)
    return reply(application_json(unit, application, campaign), status)


@route(
    APP,
    "GET",
    summary="A unit's application (that unit or office)",
    tag="applications",
    responses=APP_RESPONSES,
)
def get_application(cid: int, uid: int) -> Response:
    return _application_reply(campaign_of(cid), uid)


@route(
    APP,
    "PUT",
    summary="Save the draft's title and text (that unit; intake; draft or returned)",
    tag="applications",
    request_schema=ref("ApplicationWrite"),
    responses={**APP_RESPONSES, 400: "invalid input", 409: "wrong phase or not editable"},
)
def put_application(cid: int, uid: int) -> Response:
    campaign = campaign_of(cid)
    intake.save_draft(actor(), campaign, uid, body())
    return _application_reply(campaign, uid)


@route(
    APP + "/attachments",
    "POST",
    summary="Attach a PDF, DOCX, JPEG or PNG file (multipart field 'file'; checked by content)",
    tag="applications",
    responses={
        201: {"schema": ref("Attachment")},
        400: "no file",
        403: "forbidden",
        404: "not found",
        409: "not editable",
        413: "too large",
        415: "unsupported type",
    },
)
def add_attachment(cid: int, uid: int) -> Response:
    campaign = campaign_of(cid)
    stored = intake.add_attachment(actor(), campaign, uid, upload())
    return reply(file_json(stored), 201)


@route(
    APP + "/attachments/<int:aid>",
    "GET",
    summary="Download an attachment with its original name (that unit or office)",
    tag="applications",
    responses={200: "the file (Content-Disposition: attachment)", 403: "forbidden", 404: "not found"},
)
def download_attachment(cid: int, uid: int, aid: int) -> Response:
    return files.send_stored(intake.get_attachment(actor(), campaign_of(cid), uid, aid))


@route(
    APP + "/attachments/<int:aid>",
    "DELETE",
    summary="Remove an attachment while editing (that unit)",
    tag="applications",
    responses={204: "removed", 403: "forbidden", 404: "not found", 409: "not editable"},
)
def delete_attachment(cid: int, uid: int, aid: int) -> Response:
    intake.remove_attachment(actor(), campaign_of(cid), uid, aid)
    return Response(status=204)


@route(
    APP + "/report-docx",
    "POST",
    summary="Fill the draft from a .docx report (multipart 'file'); returns the text and its outline",
    tag="applications",
    responses={**APP_RESPONSES, 400: "unreadable", 409: "not editable", 413: "too large", 415: "not a .docx"},
)
def import_docx(cid: int, uid: int) -> Response:
    campaign = campaign_of(cid)
    intake.import_docx(actor(), campaign, uid, upload())
    return _application_reply(campaign, uid)


@route(
    APP + "/submit",
    "POST",
    summary="Submit the application (that unit); 400 when title or text is empty",
    tag="applications",
    responses={
        **APP_RESPONSES,
        400: "title or text empty",
        409: "not editable, wrong phase or deadline passed",
    },
)
def submit_application(cid: int, uid: int) -> Response:
    campaign = campaign_of(cid)
    intake.submit(actor(), campaign, uid)
    return _application_reply(campaign, uid)


@route(
    APP + "/review",
    "POST",
    summary="Accept, return (with a comment) or reject (with a reason) a submitted application (office)",
    tag="applications",
    request_schema=ref("ReviewWrite"),
    responses={**APP_RESPONSES, 400: "invalid input", 409: "not submitted, vetoed or wrong phase"},
)
def review_application(cid: int, uid: int) -> Response:
    campaign = campaign_of(cid)
    data = body()
    intake.review(actor(), campaign, uid, data.get("decision"), data.get("comment"))
    return _application_reply(campaign, uid)


@route(
    APP + "/versions",
    "GET",
    summary="Every submitted version of the application (that unit or office)",
    tag="applications",
    responses={200: {"schema": list_of("ApplicationVersion")}, 403: "forbidden", 404: "not found"},
)
def list_versions(cid: int, uid: int) -> Response:
    items = intake.versions(actor(), campaign_of(cid), uid)
    return reply(
        [
            {
                "number": v.number,
                "report_title": v.report_title,
                "report_text": v.report_text,
                "attachment_names": list(v.attachment_names),
                "submitted_at": v.submitted_at.isoformat(),
            }
            for v in items
        ]
    )


@route(
    APP + "/diff",
    "GET",
    summary="What changed between two submitted versions (?from=N&to=M; default the last two)",
    tag="applications",
    responses={200: {"schema": {"type": "object"}}, 400: "invalid input", 404: "no such version"},
)
def diff_versions(cid: int, uid: int) -> Response:
    campaign = campaign_of(cid)
    numbers = [v.number for v in intake.versions(actor(), campaign, uid)]
    after = _int_arg("to", numbers[-1] if numbers else 1)
    before = _int_arg("from", after - 1)
    result = intake.compare(actor(), campaign, uid, before, after)
    return reply(
        {
            "from": before,
            "to": after,
            "changed": result.changed,
            "title": {"from": result.title_before, "to": result.title_after},
            "lines": [{"op": kind, "text": text} for kind, text in result.lines],
            "attachments_added": list(result.attachments_added),
            "attachments_removed": list(result.attachments_removed),
        }
    )


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise InvalidInput(fields={name: [msg(N_("须为正整数。"))]})
    return int(raw)


# --- office: queue, deadline, veto -----------------------------------------------------------------


@route(
    "/campaigns/<int:cid>/applications",
    "GET",
    summary="The review queue: applications with their status, and counts per status (office; ?status=)",
    tag="applications",
    responses={200: {"schema": {"type": "object"}}, 403: "forbidden", 404: "not found"},
)
def review_queue(cid: int) -> Response:
    campaign = campaign_of(cid)
    status = request.args.get("status") or None
    rows = intake.queue(actor(), campaign, status)
    vetoed = veto.vetoed_unit_ids(campaign.id)
    items = [
        {
            "unit_id": unit.id,
            "name": unit.name,
            "category": unit.category,
            "status": application.status.value if application else "draft",
            "report_title": application.report_title if application else "",
            "submitted_at": application.submitted_at.isoformat()
            if application and application.submitted_at
            else None,
            "vetoed": unit.id in vetoed,
        }
        for unit, application in rows
    ]
    return reply({"counts": intake.status_counts(campaign), "items": items})


@route(
    "/campaigns/<int:cid>/intake-deadline",
    "PUT",
    summary="Set, extend or clear the intake deadline, with a reason (office; audited)",
    tag="applications",
    request_schema={
        "type": "object",
        "properties": {
            "deadline": {"type": ["string", "null"], "format": "date"},
            "reason": {"type": "string"},
        },
    },
    responses={200: {"schema": {"type": "object"}}, 400: "invalid input", 403: "forbidden"},
)
def set_deadline(cid: int) -> Response:
    campaign = campaign_of(cid)
    data = body()
    intake.set_deadline(actor(), campaign, data.get("deadline"), data.get("reason", ""))
    return reply(
        {"intake_deadline": campaign.intake_deadline.isoformat() if campaign.intake_deadline else None}
    )


document_body(APP + "/attachments", "POST", multipart())
document_body(APP + "/report-docx", "POST", multipart())
