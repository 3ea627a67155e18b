"""What the 综合测评 tells the one door (shared/campaigns/transitions.py): leaving the briefing, every
source of the composite that is not complete — sheets missing, divergences open, visits unsigned,
no tally score, no survey result — unless the office closed it with a reason. A campaign without a
tree tells nothing (its moves stay as they were)."""

from __future__ import annotations

from typing import Any

from evalflow.review.service import incomplete
from evalflow.shared.campaigns import transitions
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.phases import Phase


@transitions.facts
def source_facts(campaign: Campaign) -> dict[str, Any]:
    """In the briefing: the composite's incomplete sources, in plain words (read only then)."""
    if campaign.phase is not Phase.BRIEFING:
        return {}
    return {"incomplete_sources": tuple(incomplete(campaign))}
