"""一票否决 (veto): incidents recorded by the office, the configured types and look-back window."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from ..services import files, veto
from .common import actor, body, reply, route
from .schemas import ref
from .units import campaign_of, document_body, file_json, multipart, upload


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
        "withdrawn_at": incident.withdrawn_at.isoformat() if incident.withdrawn_at else None,
        "withdrawal_reason": incident.withdrawal_reason or "",
    }


@route(
    "/campaigns/<int:cid>/vetoes",
    "GET",
    summary="Veto incidents (一票否决) of the campaign, the configured types and window (office)",
    tag="veto",
    responses={200: {"schema": {"type": "object"}}, 403: "forbidden", 404: "not found"},
)
def list_vetoes(cid: int) -> Response:
    campaign = campaign_of(cid)
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
    campaign = campaign_of(cid)
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
    return files.send_stored(veto.get_evidence(actor(), campaign_of(cid), vid))


@route(
    "/campaigns/<int:cid>/vetoes/<int:vid>/withdraw",
    "POST",
    summary="Withdraw a veto incident recorded in error, with a reason (office; audited; kept, no longer counts)",
    tag="veto",
    request_schema={
        "type": "object",
        "required": ["reason"],
        "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 500}},
    },
    responses={
        200: {"schema": {"type": "object"}},
        400: "invalid input",
        403: "forbidden",
        404: "not found",
        409: "already withdrawn",
    },
)
def withdraw_veto(cid: int, vid: int) -> Response:
    campaign = campaign_of(cid)
    data = body()
    view = veto.withdraw_incident(actor(), campaign, vid, data.get("reason"))
    return reply(incident_json(view))


_veto_body = multipart(
    "evidence",
    kind={"type": "string"},
    occurred_on={"type": "string", "format": "date"},
    description={"type": "string"},
)
_veto_body["content"]["multipart/form-data"]["schema"]["required"] = ["kind", "occurred_on", "description"]
_veto_body["content"]["application/json"] = {"schema": ref("VetoWrite")}
document_body("/campaigns/<int:cid>/units/<int:uid>/vetoes", "POST", _veto_body)
