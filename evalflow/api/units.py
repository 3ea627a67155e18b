"""Units and applications (report intake): the contract section *Units and applications*, plus
unit import, self-registration, password reset, the review queue, versions, deadline and veto."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from ..domain.errors import InvalidInput, NotFound
from ..domain.intake import outline
from ..domain.messages import N_, msg
from ..extensions import db, limiter
from ..models import Application, Campaign, StoredFile, Unit
from ..services import campaigns, files, intake, units, veto
from .common import SPEC_PATHS, actor, body, openapi_path, reply, require_login, route
from .schemas import list_of, ref


def multipart(field: str = "file", **extra: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI request body for a multipart upload of *field* (plus other form fields)."""
    properties = {field: {"type": "string", "format": "binary"}, **extra}
    schema = {"type": "object", "required": [field], "properties": properties}
    return {"required": True, "content": {"multipart/form-data": {"schema": schema}}}


def document_body(rule: str, method: str, request_body: dict[str, Any]) -> None:
    """Add a non-JSON request body to an operation registered with ``route``."""
    SPEC_PATHS["/api/v1" + openapi_path(rule)][method.lower()]["requestBody"] = request_body


def upload(name: str = "file") -> Any:
    """The uploaded file of a multipart request; an oversized body is a 413 in the contract's shape."""
    try:
        return request.files.get(name)
    except RequestEntityTooLarge:
        raise files.too_large(files.max_file_bytes()) from None


def file_json(stored: StoredFile) -> dict[str, Any]:
    return {
        "id": stored.id,
        "filename": stored.filename,
        "size": stored.size,
        "sha256": stored.sha256,
        "content_type": stored.content_type,
    }


def unit_json(unit: Unit, office: bool) -> dict[str, Any]:
    login = units.login_of(unit)
    application = intake.peek_application(unit)
    data = {
        "id": unit.id,
        "name": unit.name,
        "category": unit.category,
        "contact_name": unit.contact_name,
        "contact_phone": unit.contact_phone,
        "username": login.username if login else None,
        "registration": "approved" if unit.approved else "pending",
        "application_status": application.status.value if application else "draft",
    }
    if office:
        data["vetoed"] = unit.id in veto.vetoed_unit_ids(unit.campaign_id)
    return data


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


def _campaign(cid: int) -> Campaign:
    return campaigns.get_campaign(require_login(), cid)


# --- units --------------------------------------------------------------------------------------


@route(
    "/campaigns/<int:cid>/units",
    "POST",
    summary="Add a unit with its login; the password is shown once (office)",
    tag="units",
    request_schema=ref("UnitWrite"),
    responses={201: {"schema": ref("NewUnit")}, 400: "invalid input", 403: "forbidden", 409: "duplicate"},
)
def create_unit(cid: int) -> Response:
    created = units.create_unit(actor(), _campaign(cid), body())
    unit = created.unit
    return reply(
        {
            "id": unit.id,
            "name": unit.name,
            "category": unit.category,
            "contact_name": unit.contact_name,
            "contact_phone": unit.contact_phone,
            "username": created.username,
            "password": created.password,
        },
        201,
    )


@route(
    "/campaigns/<int:cid>/units",
    "GET",
    summary="List units (office: all; unit: only itself)",
    tag="units",
    responses={200: {"schema": list_of("Unit")}, 401: "unauthenticated", 404: "not found"},
)
def list_units(cid: int) -> Response:
    who = require_login()
    return reply([unit_json(u, who.is_office) for u in units.list_units(who, _campaign(cid))])


@route(
    "/campaigns/<int:cid>/units/import",
    "POST",
    summary="Import units from a CSV or XLSX list (columns name, category, contact, phone); all or nothing",
    tag="units",
    responses={
        201: {"schema": {"type": "object", "properties": {"created": list_of("NewUnit")}}},
        400: "some rows refused (reasons list every refused row; nothing imported)",
        413: "too large",
        415: "not CSV/XLSX",
    },
)
def import_units(cid: int) -> Response:
    campaign = _campaign(cid)
    file = upload()
    if file is None or not file.filename:
        raise InvalidInput(fields={"file": [msg(N_("请选择要上传的文件。"))]})
    report = units.import_units(actor(), campaign, file.filename, file.read())
    created = [
        {
            "row": r.row,
            "id": r.created.unit.id,
            "name": r.name,
            "username": r.created.username,
            "password": r.created.password,
        }
        for r in report
        if r.created
    ]
    return reply({"created": created}, 201)


@route(
    "/campaigns/<int:cid>/units/<int:uid>/password",
    "POST",
    summary="Reset a unit's password; the old one and every session stop working (office)",
    tag="units",
    responses={200: {"schema": {"type": "object"}}, 403: "forbidden", 404: "not found"},
)
def reset_password(cid: int, uid: int) -> Response:
    campaign = _campaign(cid)
    username, password = units.reset_password(actor(), campaign, units.get_unit(campaign, uid))
    return reply({"username": username, "password": password})


@route(
    "/campaigns/<int:cid>/registrations",
    "POST",
    summary="A unit registers itself (public; intake only); the login waits for office approval",
    tag="units",
    auth="public",
    request_schema=ref("Registration"),
    responses={
        201: {"schema": {"type": "object"}},
        400: "invalid input",
        404: "not found",
        409: "duplicate or wrong phase",
        429: "rate limited",
    },
)
@limiter.limit("10 per minute")
def register(cid: int) -> Response:
    campaign = db.session.get(Campaign, cid)
    if campaign is None:
        raise NotFound(msg(N_("评选活动不存在。")))
    unit = units.register(campaign, body())
    return reply({"id": unit.id, "name": unit.name, "registration": "pending"}, 201)


@route(
    "/campaigns/<int:cid>/units/<int:uid>/registration",
    "POST",
    summary="Approve or decline a self-registered unit (office)",
    tag="units",
    request_schema={
        "type": "object",
        "required": ["approve"],
        "properties": {"approve": {"type": "boolean"}},
    },
    responses={200: "decided", 400: "invalid input", 404: "not found", 409: "not pending"},
)
def decide_registration(cid: int, uid: int) -> Response:
    campaign = _campaign(cid)
    approve = body().get("approve")
    if not isinstance(approve, bool):
        raise InvalidInput(fields={"approve": [msg(N_("须为 true 或 false。"))]})
    units.decide_registration(actor(), campaign, units.get_unit(campaign, uid), approve)
    return reply({"id": uid, "registration": "approved" if approve else "declined"})


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
    return _application_reply(_campaign(cid), uid)


@route(
    APP,
    "PUT",
    summary="Save the draft's title and text (that unit; intake; draft or returned)",
    tag="applications",
    request_schema=ref("ApplicationWrite"),
    responses={**APP_RESPONSES, 400: "invalid input", 409: "wrong phase or not editable"},
)
def put_application(cid: int, uid: int) -> Response:
    campaign = _campaign(cid)
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
    campaign = _campaign(cid)
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
    return files.send_stored(intake.get_attachment(actor(), _campaign(cid), uid, aid))


@route(
    APP + "/attachments/<int:aid>",
    "DELETE",
    summary="Remove an attachment while editing (that unit)",
    tag="applications",
    responses={204: "removed", 403: "forbidden", 404: "not found", 409: "not editable"},
)
def delete_attachment(cid: int, uid: int, aid: int) -> Response:
    intake.remove_attachment(actor(), _campaign(cid), uid, aid)
    return Response(status=204)


@route(
    APP + "/report-docx",
    "POST",
    summary="Fill the draft from a .docx report (multipart 'file'); returns the text and its outline",
    tag="applications",
    responses={**APP_RESPONSES, 400: "unreadable", 409: "not editable", 413: "too large", 415: "not a .docx"},
)
def import_docx(cid: int, uid: int) -> Response:
    campaign = _campaign(cid)
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
    campaign = _campaign(cid)
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
    campaign = _campaign(cid)
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
    items = intake.versions(actor(), _campaign(cid), uid)
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
    campaign = _campaign(cid)
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
    campaign = _campaign(cid)
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
    campaign = _campaign(cid)
    data = body()
    intake.set_deadline(actor(), campaign, data.get("deadline"), data.get("reason", ""))
    return reply(
        {"intake_deadline": campaign.intake_deadline.isoformat() if campaign.intake_deadline else None}
    )


def incident_json(view: veto.IncidentView) -> dict[str, Any]:
    incident = view.incident
    return {
        "id": incident.id,
        "unit_id": view.unit.id,
        "unit_name": view.unit.name,
        "kind": incident.kind,
        "occurred_on": incident.occurred_on.isoformat(),
        "description": incident.description,
        "applies": view.applies,
        "evidence": file_json(view.evidence) if view.evidence else None,
    }


@route(
    "/campaigns/<int:cid>/vetoes",
    "GET",
    summary="Veto incidents (一票否决) of the campaign, the configured types and window (office)",
    tag="veto",
    responses={200: {"schema": {"type": "object"}}, 403: "forbidden", 404: "not found"},
)
def list_vetoes(cid: int) -> Response:
    campaign = _campaign(cid)
    views = veto.list_incidents(actor(), campaign)
    return reply(
        {
            "types": veto.veto_types(),
            "lookback_months": veto.lookback_months(),
            "incidents": [incident_json(v) for v in views],
        }
    )


@route(
    "/campaigns/<int:cid>/units/<int:uid>/vetoes",
    "POST",
    summary="Record a veto incident (JSON, or multipart with an 'evidence' file) (office)",
    tag="veto",
    request_schema=ref("VetoWrite"),
    responses={
        201: {"schema": {"type": "object"}},
        400: "invalid input",
        403: "forbidden",
        413: "too large",
        415: "unsupported type",
    },
)
def record_veto(cid: int, uid: int) -> Response:
    campaign = _campaign(cid)
    if request.mimetype == "multipart/form-data":
        evidence = upload("evidence")
        data = dict(request.form)
    else:
        data, evidence = body(), None
    view = veto.record_incident(actor(), campaign, uid, data, evidence)
    return reply(incident_json(view), 201)


@route(
    "/campaigns/<int:cid>/vetoes/<int:vid>/evidence",
    "GET",
    summary="Download a veto incident's evidence file (office)",
    tag="veto",
    responses={200: "the file", 403: "forbidden", 404: "not found"},
)
def veto_evidence(cid: int, vid: int) -> Response:
    return files.send_stored(veto.get_evidence(actor(), _campaign(cid), vid))


document_body("/campaigns/<int:cid>/units/import", "POST", multipart())
document_body(APP + "/attachments", "POST", multipart())
document_body(APP + "/report-docx", "POST", multipart())
_veto_body = multipart(
    "evidence",
    kind={"type": "string"},
    occurred_on={"type": "string", "format": "date"},
    description={"type": "string"},
)
_veto_body["content"]["multipart/form-data"]["schema"]["required"] = ["kind", "occurred_on", "description"]
_veto_body["content"]["application/json"] = {"schema": ref("VetoWrite")}
document_body("/campaigns/<int:cid>/units/<int:uid>/vetoes", "POST", _veto_body)
