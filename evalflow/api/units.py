"""Units (申报单位) and their logins: the contract's unit endpoints, plus list import (CSV/XLSX),
self-registration with office approval and password reset. Also the upload helpers the intake API shares."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from ..domain.errors import InvalidInput, NotFound
from ..domain.messages import N_, msg
from ..extensions import db, limiter
from ..models import Campaign, StoredFile, Unit
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


def campaign_of(cid: int) -> Campaign:
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
    created = units.create_unit(actor(), campaign_of(cid), body())
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
    return reply([unit_json(u, who.is_office) for u in units.list_units(who, campaign_of(cid))])


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
    campaign = campaign_of(cid)
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
    campaign = campaign_of(cid)
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
    campaign = campaign_of(cid)
    approve = body().get("approve")
    if not isinstance(approve, bool):
        raise InvalidInput(fields={"approve": [msg(N_("须为 true 或 false。"))]})
    units.decide_registration(actor(), campaign, units.get_unit(campaign, uid), approve)
    return reply({"id": uid, "registration": "approved" if approve else "declined"})


document_body("/campaigns/<int:cid>/units/import", "POST", multipart())
