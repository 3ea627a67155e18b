"""Notice (公示) and objections (异议): the contract's section *Notice and objections*, plus the
office's investigating step and its table of extra calendar days."""

from __future__ import annotations

from typing import Any

from flask import request
from pydantic import ValidationError

from evalflow.intake.units_api import upload
from evalflow.notice import commendation, objections
from evalflow.notice import documents as notice_docs
from evalflow.notice import service as svc
from evalflow.notice.models import Notice, Objection
from evalflow.notice.rules import ObjectionState
from evalflow.notice.schemas import (
    CalendarDayIn,
    CalendarDayOut,
    CommendationOut,
    InvestigateIn,
    NoticeIn,
    NoticeOut,
    ObjectionIn,
    ObjectionOut,
    ReceiptOut,
    ResolveIn,
)
from evalflow.shared.api.caller import require_login
from evalflow.shared.api.routes import multipart_body, route
from evalflow.shared.api.schemas import invalid_input
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns.models import Campaign


def notice_out(item: Notice, campaign: Campaign) -> NoticeOut:
    return NoticeOut(
        id=item.id,
        campaign_id=item.campaign_id,
        title=item.title,
        starts_on=item.starts_on,
        ends_on=item.ends_on,
        status=svc.status(item),
        units=svc.units_of(item),
        contact=item.contact or {},
        published=item.published_at is not None,
        published_at=item.published_at,
        beyond_known_calendar=svc.period(campaign, item.starts_on).beyond_known,
        url=notice_docs.public_url("notices.notice_page", nid=item.id),
        pdf_url=notice_docs.public_url("notices.notice_pdf", nid=item.id),
    )


def objection_out(view: objections.ObjectionView) -> ObjectionOut:
    o = view.objection
    return ObjectionOut(
        id=o.id, notice_id=o.notice_id, unit_id=o.unit_id, unit_name=view.unit.name, kind=o.kind.value,
        name=o.name, contact_name=o.contact_name, phone=o.phone, email=o.email, content=o.content,
        status=o.state.status, investigating=o.state is ObjectionState.INVESTIGATING,
        state=o.state, reply=o.reply, reply_due_on=o.reply_due_on, created_at=o.created_at,
        resolved_at=o.resolved_at, files=[f.filename for f in view.files],
    )  # fmt: skip


@route(
    "/campaigns/<int:cid>/notice",
    "POST",
    summary="Draft the notice from a list of units (office; phase review). Publishing is the review → notice transition",
    tag="notice",
    body=NoticeIn,
    responses={201: NoticeOut, 400: "invalid_input (a vetoed unit, a unit of another campaign)", 401: "unauthenticated",
               403: "forbidden", 404: "not_found", 409: "wrong_phase"},
)  # fmt: skip
def create_notice(cid: int, body: NoticeIn) -> tuple[NoticeOut, int]:
    who = require_login()
    campaign = campaigns.get_campaign(who, cid)
    data = body.model_dump(exclude_none=True)
    if body.starts_on is not None:
        data["starts_on"] = body.starts_on.isoformat()
    item = svc.create_notice(who, campaign, data)
    return notice_out(item, campaign), 201


@route(
    "/notices/<int:nid>",
    "GET",
    summary="A published notice (public; 404 before it is published). No scores or ranks",
    tag="notice",
    auth="public",
    responses={200: NoticeOut, 404: "not_found"},
)
def get_notice(nid: int) -> NoticeOut:
    item = svc.public_notice(nid)
    return notice_out(item, commendation.campaign_of_notice(item))


@route(
    "/notices/<int:nid>/objections",
    "POST",
    summary="Object to a unit on an open notice (public; real name and phone required; 10 posts per client per minute)",
    tag="notice",
    auth="public",
    body=ObjectionIn,
    responses={201: ReceiptOut, 400: "invalid_input (anonymous, unit not on the notice)", 404: "not_found",
               409: "notice_not_open", 429: "rate_limited"},
)  # fmt: skip
def post_objection(nid: int, body: ObjectionIn) -> tuple[ReceiptOut, int]:
    return receipt_out(objections.file_objection(nid, body.model_dump())), 201


def receipt_out(objection: Objection) -> ReceiptOut:
    return ReceiptOut(
        id=objection.id,
        receipt=objection.receipt,
        status_url=notice_docs.public_url("notices.objection_status", receipt=objection.receipt),
        reply_due_on=objection.reply_due_on,
    )


def _multipart_objection() -> dict[str, Any]:
    """The multipart body of the upload route: the JSON objection's fields plus its files."""
    schema = multipart_body("seal", optional=True, form=ObjectionIn)
    schema["properties"]["evidence"] = {"type": "array", "items": {"type": "string", "format": "binary"}}
    return schema


@route(
    "/notices/<int:nid>/objections/upload",
    "POST",
    summary="Object with files (public; multipart: the fields of a JSON objection, `seal` image of a "
    "unit's official seal, `evidence` files). Same rules and the same rate limit as the JSON route",
    tag="notice",
    auth="public",
    multipart=_multipart_objection(),
    responses={201: ReceiptOut, 400: "invalid_input (anonymous, no seal for a unit, unit not on the notice)",
               404: "not_found", 409: "notice_not_open", 413: "too_large", 415: "unsupported_type",
               429: "rate_limited"},
)  # fmt: skip
def post_objection_upload(nid: int) -> tuple[ReceiptOut, int]:
    form = {key: request.form.get(key) for key in request.form}
    try:
        data = ObjectionIn.model_validate(form, strict=False)
    except ValidationError as exc:
        raise invalid_input(exc) from None
    objection = objections.file_objection(
        nid, data.model_dump(), seal=upload("seal"), evidence=request.files.getlist("evidence")
    )
    return receipt_out(objection), 201


@route(
    "/campaigns/<int:cid>/objections",
    "GET",
    summary="Every objection against the campaign's notices (office)",
    tag="notice",
    responses={200: list[ObjectionOut], 401: "unauthenticated", 403: "forbidden", 404: "not_found"},
)
def list_objections(cid: int) -> list[ObjectionOut]:
    who = require_login()
    campaign = campaigns.get_campaign(who, cid)
    return [objection_out(v) for v in objections.list_objections(who, campaign)]


@route(
    "/objections/<int:oid>/investigate",
    "POST",
    summary="Mark an objection as being investigated (office; received → investigating)",
    tag="notice",
    body=InvestigateIn,
    responses={200: ObjectionOut, 401: "unauthenticated", 404: "not_found",
               409: "already_investigating, already_resolved or wrong_phase"},
)  # fmt: skip
def investigate_objection(oid: int, body: InvestigateIn) -> ObjectionOut:
    return objection_out(objections.start_investigation(require_login(), oid, body.note))


@route(
    "/objections/<int:oid>/resolve",
    "POST",
    summary="Resolve an objection with a reply (office): upheld removes the unit from the commendation",
    tag="notice",
    body=ResolveIn,
    responses={200: ObjectionOut, 400: "invalid_input", 401: "unauthenticated", 404: "not_found",
               409: "already_resolved or wrong_phase"},
)  # fmt: skip
def resolve_objection(oid: int, body: ResolveIn) -> ObjectionOut:
    return objection_out(objections.resolve_objection(require_login(), oid, body.model_dump()))


@route(
    "/campaigns/<int:cid>/commendation",
    "GET",
    summary="The commended units (public once final): the noticed units minus those with an upheld objection",
    tag="notice",
    auth="public",
    responses={200: CommendationOut, 404: "not_found"},
)
def get_commendation(cid: int) -> CommendationOut:
    campaign, units = commendation.public_commendation(cid)
    return CommendationOut(
        campaign_id=campaign.id, title=notice_docs.commendation_title(campaign), units=units
    )


@route(
    "/calendar/days",
    "GET",
    summary="The office's table of extra holidays and make-up working days (office)",
    tag="notice",
    responses={200: list[CalendarDayOut], 401: "unauthenticated", 403: "forbidden"},
)
def list_calendar_days() -> list[CalendarDayOut]:
    return svc.list_extra_days(require_login())  # type: ignore[return-value]


@route(
    "/calendar/days",
    "PUT",
    summary="Add or change one day of the office's calendar table (office)",
    tag="notice",
    body=CalendarDayIn,
    responses={200: CalendarDayOut, 400: "invalid_input", 401: "unauthenticated", 403: "forbidden"},
)
def put_calendar_day(body: CalendarDayIn) -> CalendarDayOut:
    return svc.set_extra_day(require_login(), body.day, body.is_workday, body.note)  # type: ignore[return-value]
