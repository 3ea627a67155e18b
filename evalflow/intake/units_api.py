"""Units (申报单位) and their logins: the contract's unit endpoints, plus list import (CSV/XLSX),
self-registration with office approval and password reset."""

from __future__ import annotations

from evalflow.extensions import db, limiter
from evalflow.intake import applications as intake
from evalflow.intake import units, veto
from evalflow.intake.rules import RegistrationState
from evalflow.intake.unit_schemas import (
    NewUnitOut,
    PasswordOut,
    RegistrationDecisionIn,
    RegistrationDecisionOut,
    RegistrationIn,
    RegistrationOut,
    UnitFields,
    UnitIn,
    UnitOut,
    UnitsImportOut,
)
from evalflow.shared.api.caller import actor, require_login
from evalflow.shared.api.routes import multipart_body, route, upload
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.errors import InvalidInput, NotFound
from evalflow.shared.messages import N_, msg


def unit_out(unit: Unit, vetoed: set[int] | None) -> UnitOut:
    """*vetoed*: the campaign's vetoed unit ids for the office; ``None`` for a unit (not shown)."""
    login = units.login_of(unit)
    application = intake.peek_application(unit)
    return UnitOut(
        **UnitFields.model_validate(unit).model_dump(),
        username=login.username if login else None,
        registration=RegistrationState.APPROVED if unit.approved else RegistrationState.PENDING,
        application_status=application.status if application else "draft",
        vetoed=unit.id in vetoed if vetoed is not None else None,
    )


def campaign_of(cid: int) -> Campaign:
    return campaigns.get_campaign(require_login(), cid)


ERRORS = {400: "invalid input", 401: "unauthenticated", 403: "forbidden", 404: "not found"}


@route(
    "/campaigns/<int:cid>/units",
    "POST",
    summary="Add a unit with its login; the password is shown once (office)",
    tag="units",
    body=UnitIn,
    responses={201: NewUnitOut, **ERRORS, 409: "duplicate"},
)
def create_unit(cid: int, body: UnitIn) -> NewUnitOut:
    created = units.create_unit(actor(), campaign_of(cid), body.model_dump())
    return NewUnitOut(
        **UnitFields.model_validate(created.unit).model_dump(),
        username=created.username,
        password=created.password,
    )


@route(
    "/campaigns/<int:cid>/units",
    "GET",
    summary="List units (office: all; unit: only itself)",
    tag="units",
    responses={200: list[UnitOut], **ERRORS},
)
def list_units(cid: int) -> list[UnitOut]:
    who = require_login()
    campaign = campaign_of(cid)
    vetoed = veto.vetoed_unit_ids(campaign.id) if who.is_office else None
    return [unit_out(u, vetoed) for u in units.list_units(who, campaign)]


@route(
    "/campaigns/<int:cid>/units/import",
    "POST",
    summary="Import units from a CSV or XLSX list (columns name, category, contact, phone); all or nothing",
    tag="units",
    multipart=multipart_body(),
    responses={
        201: UnitsImportOut,
        **ERRORS,
        400: "some rows refused (reasons list every refused row; nothing imported)",
        413: "too large",
        415: "not CSV/XLSX",
    },
)
def import_units(cid: int) -> UnitsImportOut:
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
    return UnitsImportOut(created=created)


@route(
    "/campaigns/<int:cid>/units/<int:uid>/password",
    "POST",
    summary="Reset a unit's password; the old one and every session stop working (office)",
    tag="units",
    responses={200: PasswordOut, **ERRORS},
)
def reset_password(cid: int, uid: int) -> PasswordOut:
    campaign = campaign_of(cid)
    username, password = units.reset_password(actor(), campaign, units.get_unit(campaign, uid))
    return PasswordOut(username=username, password=password)


@route(
    "/campaigns/<int:cid>/registrations",
    "POST",
    summary="A unit registers itself (public; intake only); the login waits for office approval",
    tag="units",
    auth="public",
    body=RegistrationIn,
    responses={
        201: RegistrationOut,
        400: "invalid input",
        404: "not found",
        409: "duplicate or wrong phase",
        429: "rate limited",
    },
)
@limiter.limit("10 per minute")
def register(cid: int, body: RegistrationIn) -> RegistrationOut:
    campaign = db.session.get(Campaign, cid)
    if campaign is None:
        raise NotFound(msg(N_("评选活动不存在。")))
    unit = units.register(campaign, body.model_dump())
    return RegistrationOut(id=unit.id, name=unit.name, registration=RegistrationState.PENDING)


@route(
    "/campaigns/<int:cid>/units/<int:uid>/registration",
    "POST",
    summary="Approve or decline a self-registered unit (office)",
    tag="units",
    body=RegistrationDecisionIn,
    responses={200: RegistrationDecisionOut, **ERRORS, 409: "not pending"},
)
def decide_registration(cid: int, uid: int, body: RegistrationDecisionIn) -> RegistrationDecisionOut:
    campaign = campaign_of(cid)
    units.decide_registration(actor(), campaign, units.get_unit(campaign, uid), body.approve)
    return RegistrationDecisionOut(
        id=uid, registration=RegistrationState.APPROVED if body.approve else RegistrationState.DECLINED
    )
