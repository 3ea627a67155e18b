"""What intake tells the one door (shared/campaigns/transitions.py): the facts its guards read."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.intake.models import Application, ApplicationStatus
from evalflow.shared.campaigns import transitions
from evalflow.shared.campaigns.models import Campaign, Unit


def accepted_units(campaign_id: int) -> sa.Select:
    """``(id, name)`` of the campaign's units whose application was accepted, in unit order."""
    return (
        sa.select(Unit.id, Unit.name)
        .join(Application, Application.unit_id == Unit.id)
        .where(Unit.campaign_id == campaign_id, Application.status == ApplicationStatus.ACCEPTED)
        .order_by(Unit.id)
    )


def accepted_without(
    campaign_id: int, model: type, condition: sa.ColumnElement | None = None
) -> tuple[str, ...]:
    """Names of accepted units lacking a row of *model* (optionally one matching *condition*)."""
    sub = sa.select(model.unit_id)
    if condition is not None:
        sub = sub.where(condition)
    stmt = accepted_units(campaign_id).where(Unit.id.not_in(sub))
    return tuple(name for _, name in db.session.execute(stmt))


def _count_applications(campaign_id: int, status: ApplicationStatus) -> int:
    stmt = (
        sa.select(sa.func.count())
        .select_from(Application)
        .join(Unit, Unit.id == Application.unit_id)
        .where(Unit.campaign_id == campaign_id, Application.status == status)
    )
    return db.session.scalar(stmt) or 0


@transitions.facts
def intake_facts(campaign: Campaign) -> dict[str, Any]:
    return {
        "accepted_units": len(db.session.execute(accepted_units(campaign.id)).all()),
        "unreviewed_applications": _count_applications(campaign.id, ApplicationStatus.SUBMITTED),
    }
