"""The tally's settings (method, thresholds of the bias signals): read, and changed by the office in draft."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.campaigns.service import require
from evalflow.shared.upsert import insert
from evalflow.tally import rules
from evalflow.tally.bias import (
    Thresholds,
    parse_thresholds,
)
from evalflow.tally.models import TallySettings


def settings_of(campaign: Campaign) -> TallySettings:
    """The campaign's tally settings, created with the defaults (one statement) on first use."""
    stmt = insert(TallySettings).values(
        campaign_id=campaign.id,
        method=rules.TallyMethod.TRIMMED_MEAN,
        flat_min_ballots=5,
        reciprocity_margin=Decimal(15),
        downgrade_margin=Decimal(15),
        leading_units=5,
        pseudonym_salt=secrets.token_hex(16),
        updated_at=clock.now(),
    )
    db.session.execute(stmt.on_conflict_do_nothing(index_elements=[TallySettings.campaign_id]))
    return db.session.scalar(
        sa.select(TallySettings)
        .where(TallySettings.campaign_id == campaign.id)
        .execution_options(populate_existing=True)
    )  # type: ignore[return-value]


def thresholds_of(settings: TallySettings) -> Thresholds:
    return Thresholds(
        flat_min_ballots=settings.flat_min_ballots,
        reciprocity_margin=Decimal(settings.reciprocity_margin),
        downgrade_margin=Decimal(settings.downgrade_margin),
        leading_units=settings.leading_units,
    )


def get_settings(actor: Actor, campaign: Campaign) -> TallySettings:
    require(actor, Action.CAMPAIGN_EDIT, campaign)
    return settings_of(campaign)


def update_settings(actor: Actor, campaign: Campaign, data: Mapping[str, Any]) -> TallySettings:
    """Change the method and/or the bias thresholds (office, draft only); audited."""
    require(actor, Action.TALLY_SETTINGS, campaign)
    settings = settings_of(campaign)
    method = rules.parse_method(data["method"]) if data.get("method") is not None else settings.method
    thresholds = parse_thresholds(data, thresholds_of(settings))
    values = {"method": method, **thresholds.__dict__}
    before = {
        "method": settings.method.value,
        **{k: str(v) for k, v in thresholds_of(settings).__dict__.items()},
    }
    for key, value in values.items():
        setattr(settings, key, value)
    db.session.flush()
    after = {"method": method.value, **{k: str(v) for k, v in thresholds.__dict__.items()}}
    audit.record(
        actor, "tally.settings", campaign_id=campaign.id, subject=("campaign", campaign.id),
        data={"before": before, "after": after},
    )  # fmt: skip
    return settings
