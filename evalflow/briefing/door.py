"""What the briefing tells the one door (shared/campaigns/transitions.py): the facts its guards read,
and what entering and leaving the briefing do."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from evalflow.briefing.agenda import close_expired
from evalflow.briefing.models import Presentation
from evalflow.briefing.rules import PresentationState
from evalflow.extensions import db
from evalflow.intake.door import accepted_units, accepted_without
from evalflow.shared import clock
from evalflow.shared.campaigns import transitions
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.phases import Phase


@transitions.facts
def briefing_facts(campaign: Campaign) -> dict[str, Any]:
    open_names = db.session.scalars(
        sa.select(Unit.name)
        .join(Presentation, Presentation.unit_id == Unit.id)
        .where(Unit.campaign_id == campaign.id, Presentation.status == PresentationState.OPEN)
        # a countdown that ran out closed scoring, whether or not anyone clicked
        .where(sa.or_(Presentation.closes_at.is_(None), Presentation.closes_at > clock.now()))
    )
    unpresented = accepted_without(
        campaign.id, Presentation, Presentation.status != PresentationState.PENDING
    )
    return {"unpresented_units": unpresented, "open_presentations": tuple(open_names)}


@transitions.on_move(Phase.TRAINING, Phase.BRIEFING)
def create_presentations(campaign: Campaign) -> None:
    """Entering the briefing: one pending presentation per accepted unit, in unit order."""
    existing = set(
        db.session.scalars(sa.select(Presentation.unit_id).where(Presentation.campaign_id == campaign.id))
    )
    for unit_id, _ in db.session.execute(accepted_units(campaign.id)):
        if unit_id not in existing:
            db.session.add(Presentation(campaign_id=campaign.id, unit_id=unit_id))


@transitions.on_move(Phase.BRIEFING, Phase.REVIEW, order=1)
def close_expired_presentations(campaign: Campaign) -> None:
    """Leaving the briefing: presentations whose countdown ran out are written down as closed."""
    close_expired(campaign.id)
