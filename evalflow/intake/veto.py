"""一票否决 (veto): disqualifying incidents recorded by the office against a unit.

The incident types (``VETO_TYPES``) and the look-back window (``VETO_LOOKBACK_MONTHS``, default 24)
are settings. An incident older than the window is kept but flagged as not applying; so is an
incident the office withdrew as recorded in error (:func:`withdraw_incident`).

Other features ask :func:`vetoed_unit_ids` — e.g. the notice must not list a vetoed unit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from evalflow.extensions import db
from evalflow.intake import rules
from evalflow.intake.models import Application, ApplicationStatus, VetoIncident
from evalflow.intake.units import get_unit
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import Conflict, NotFound
from evalflow.shared.files import store as files
from evalflow.shared.files.models import StoredFile
from evalflow.shared.messages import N_, msg
from evalflow.shared.phases import Phase


@dataclass(frozen=True)
class IncidentView:
    incident: VetoIncident
    unit: Unit
    applies: bool
    evidence: StoredFile | None


def veto_types() -> list[str]:
    """The configured incident types: a list, a JSON list, or a comma/顿号-separated string."""
    raw = current_app.config.get("VETO_TYPES") or rules.DEFAULT_VETO_TYPES
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = raw.replace("、", ",").split(",")
    return [str(t).strip() for t in raw if str(t).strip()]


def lookback_months() -> int:
    return int(current_app.config.get("VETO_LOOKBACK_MONTHS") or rules.DEFAULT_LOOKBACK_MONTHS)


def applies(incident: VetoIncident) -> bool:
    """Whether the incident counts: not withdrawn, and inside the look-back window."""
    if incident.withdrawn_at is not None:
        return False
    return rules.veto_applies(incident.occurred_on, clock.today(), lookback_months())


def _incidents(campaign_id: int) -> list[tuple[VetoIncident, Unit]]:
    stmt = (
        sa.select(VetoIncident, Unit)
        .join(Unit, Unit.id == VetoIncident.unit_id)
        .where(Unit.campaign_id == campaign_id)
        .order_by(VetoIncident.occurred_on.desc(), VetoIncident.id.desc())
    )
    return [(i, u) for i, u in db.session.execute(stmt)]


def vetoed_unit_ids(campaign_id: int) -> set[int]:
    """Ids of the campaign's units with at least one incident inside the look-back window that
    has not been withdrawn.

    Such a unit cannot be accepted and must not be put on a notice.
    """
    return {unit.id for incident, unit in _incidents(campaign_id) if applies(incident)}


def list_incidents(actor: Actor, campaign: Campaign, unit_id: int | None = None) -> list[IncidentView]:
    require(actor, Action.VETO_MANAGE, campaign)
    views = []
    for incident, unit in _incidents(campaign.id):
        if unit_id is not None and unit.id != unit_id:
            continue
        evidence = (
            db.session.get(StoredFile, incident.evidence_file_id) if incident.evidence_file_id else None
        )
        views.append(IncidentView(incident, unit, applies(incident), evidence))
    return views


def record_incident(
    actor: Actor, campaign: Campaign, unit_id: int, data: Mapping[str, Any], evidence: Any = None
) -> IncidentView:
    """Record an incident (type, date, description, optional evidence file) against a unit.

    Side effects: the incident row (and its evidence file), an audit entry; accepting the unit is
    refused from now on while the incident applies. If the unit was already accepted and the
    campaign is still in intake, its application moves accepted → rejected with the incident as
    the reason (audited), so that no vetoed unit goes on to the training and the briefing.
    """
    require(actor, Action.VETO_MANAGE, campaign)
    unit = get_unit(campaign, unit_id)
    kind, day, text = rules.clean_veto(
        data.get("kind"), data.get("occurred_on"), data.get("description"), veto_types(), clock.today()
    )
    stored = None
    if evidence is not None and getattr(evidence, "filename", ""):
        stored = files.store_upload(campaign.id, "veto_evidence", evidence)
    incident = VetoIncident(
        unit_id=unit.id,
        kind=kind,
        occurred_on=day,
        description=text,
        evidence_file_id=stored.id if stored else None,
    )
    db.session.add(incident)
    db.session.flush()
    audit.record(
        actor, "veto.record", campaign_id=campaign.id, subject=("unit", unit.id),
        reason=text[:1000], data={"incident_id": incident.id, "kind": kind, "occurred_on": day.isoformat()},
    )  # fmt: skip
    view = IncidentView(incident, unit, applies(incident), stored)
    if view.applies and campaign.phase is Phase.INTAKE:
        _withdraw_acceptance(actor, campaign, unit, kind)
    return view


def _withdraw_acceptance(actor: Actor, campaign: Campaign, unit: Unit, kind: str) -> None:
    reason = msg(N_("一票否决:%(kind)s"), kind=kind).render()
    result = db.session.execute(
        sa.update(Application)
        .where(Application.unit_id == unit.id, Application.status == ApplicationStatus.ACCEPTED)
        .values(status=ApplicationStatus.REJECTED, review_comment=reason, reviewed_at=clock.now())
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount == 1:
        audit.record(
            actor, "application.veto_reject", campaign_id=campaign.id, subject=("unit", unit.id),
            from_state="accepted", to_state="rejected", reason=reason,
        )  # fmt: skip


def _incident_of(campaign: Campaign, incident_id: int) -> tuple[VetoIncident, Unit]:
    incident = db.session.get(VetoIncident, incident_id)
    unit = db.session.get(Unit, incident.unit_id) if incident else None
    if incident is None or unit is None or unit.campaign_id != campaign.id:
        raise NotFound(msg(N_("该一票否决事项不存在。")))
    return incident, unit


def get_incident(actor: Actor, campaign: Campaign, incident_id: int) -> IncidentView:
    require(actor, Action.VETO_MANAGE, campaign)
    incident, unit = _incident_of(campaign, incident_id)
    evidence = db.session.get(StoredFile, incident.evidence_file_id) if incident.evidence_file_id else None
    return IncidentView(incident, unit, applies(incident), evidence)


def withdraw_incident(actor: Actor, campaign: Campaign, incident_id: int, reason: Any) -> IncidentView:
    """Withdraw an incident recorded in error, with a reason (required, at most 500 characters).

    The incident is kept, marked withdrawn (``withdrawn_at``, ``withdrawal_reason``), and no longer
    counts: :func:`vetoed_unit_ids` ignores it, so the unit may be accepted again. Withdrawing does
    NOT re-accept a unit whose acceptance that incident withdrew (``application.veto_reject``): the
    application stays rejected and the office reviews it again. Side effects: the incident row, an
    audit entry (``veto.withdraw``, with the reason). Withdrawing twice is 409 ``already_withdrawn``
    (compare-and-set, so two concurrent withdrawals cannot both succeed).
    """
    require(actor, Action.VETO_MANAGE, campaign)
    incident, unit = _incident_of(campaign, incident_id)
    text = rules.clean_withdrawal_reason(reason)
    result = db.session.execute(
        sa.update(VetoIncident)
        .where(VetoIncident.id == incident.id, VetoIncident.withdrawn_at.is_(None))
        .values(withdrawn_at=clock.now(), withdrawal_reason=text)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(msg(N_("该一票否决事项已撤销。")), code="already_withdrawn")
    db.session.refresh(incident)
    audit.record(
        actor, "veto.withdraw", campaign_id=campaign.id, subject=("unit", unit.id), reason=text,
        data={"incident_id": incident.id, "kind": incident.kind, "occurred_on": incident.occurred_on.isoformat()},
    )  # fmt: skip
    return get_incident(actor, campaign, incident.id)


def get_evidence(actor: Actor, campaign: Campaign, incident_id: int) -> StoredFile:
    require(actor, Action.VETO_MANAGE, campaign)
    incident = db.session.get(VetoIncident, incident_id)
    unit = db.session.get(Unit, incident.unit_id) if incident else None
    if incident is None or unit is None or unit.campaign_id != campaign.id or not incident.evidence_file_id:
        raise NotFound(msg(N_("证明材料不存在。")))
    return db.session.get(StoredFile, incident.evidence_file_id)
