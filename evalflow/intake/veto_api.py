"""一票否决 (veto): incidents recorded by the office, the configured types and look-back window."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from evalflow.intake import veto
from evalflow.intake.units_api import campaign_of
from evalflow.intake.veto_schemas import IncidentOut, VetoIn, VetoListOut, WithdrawIn
from evalflow.shared.api.caller import actor
from evalflow.shared.api.file_schemas import FileOut
from evalflow.shared.api.routes import multipart_body, route, schema_ref, upload
from evalflow.shared.api.schemas import validate_json
from evalflow.shared.files import store as files

ERRORS = {400: "invalid input", 401: "unauthenticated", 403: "forbidden", 404: "not found"}


def incident_out(view: veto.IncidentView) -> IncidentOut:
    incident = view.incident
    return IncidentOut(
        id=incident.id,
        unit_id=view.unit.id,
        unit_name=view.unit.name,
        kind=incident.kind,
        occurred_on=incident.occurred_on,
        description=incident.description,
        applies=view.applies,
        evidence=FileOut.model_validate(view.evidence) if view.evidence else None,
        withdrawn_at=incident.withdrawn_at,
        withdrawal_reason=incident.withdrawal_reason or "",
    )


@route(
    "/campaigns/<int:cid>/vetoes",
    "GET",
    summary="Veto incidents (一票否决) of the campaign, the configured types and window (office)",
    tag="veto",
    responses={200: VetoListOut, **ERRORS},
)
def list_vetoes(cid: int) -> VetoListOut:
    views = veto.list_incidents(actor(), campaign_of(cid))
    return VetoListOut(
        types=veto.veto_types(),
        lookback_months=veto.lookback_months(),
        incidents=[incident_out(v) for v in views],
    )


@route(
    "/campaigns/<int:cid>/units/<int:uid>/vetoes",
    "POST",
    summary="Record a veto incident (JSON, or multipart with an 'evidence' file) (office)",
    tag="veto",
    request_schema=schema_ref(VetoIn, "validation"),
    multipart=multipart_body("evidence", optional=True, form=VetoIn),
    responses={201: IncidentOut, **ERRORS, 413: "too large", 415: "unsupported type"},
)
def record_veto(cid: int, uid: int) -> IncidentOut:
    campaign = campaign_of(cid)
    data: dict[str, Any]
    if request.mimetype == "multipart/form-data":
        # Form fields are text: the domain rule parses them (the date too), as for the HTML form.
        evidence = upload("evidence")
        data = dict(request.form)
    else:
        data, evidence = validate_json(VetoIn, request.get_data(cache=True)).model_dump(), None
    return incident_out(veto.record_incident(actor(), campaign, uid, data, evidence))


@route(
    "/campaigns/<int:cid>/vetoes/<int:vid>/evidence",
    "GET",
    summary="Download a veto incident's evidence file (office)",
    tag="veto",
    responses={200: "the file", **ERRORS},
)
def veto_evidence(cid: int, vid: int) -> Response:
    return files.send_stored(veto.get_evidence(actor(), campaign_of(cid), vid))


@route(
    "/campaigns/<int:cid>/vetoes/<int:vid>/withdraw",
    "POST",
    summary="Withdraw a veto incident recorded in error, with a reason (office; audited; kept, no longer counts)",
    tag="veto",
    body=WithdrawIn,
    responses={200: IncidentOut, **ERRORS, 409: "already withdrawn"},
)
def withdraw_veto(cid: int, vid: int, body: WithdrawIn) -> IncidentOut:
    return incident_out(veto.withdraw_incident(actor(), campaign_of(cid), vid, body.reason))
