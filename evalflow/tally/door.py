"""What the tally tells the one door (shared/campaigns/transitions.py): whether the ballots still
match their seal, and, leaving the briefing, the seal itself (after the briefing closed what its
countdowns already closed)."""

from __future__ import annotations

from typing import Any

from evalflow.shared.campaigns import transitions
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.phases import Phase
from evalflow.tally.service import seal, seal_check


@transitions.on_move(Phase.BRIEFING, Phase.REVIEW, order=2)
def seal_ballots(campaign: Campaign) -> None:
    """Leaving the briefing: the ballot set is frozen and its digest stored (tally.service.seal)."""
    seal(campaign)


@transitions.facts(seal=True)
def seal_facts(campaign: Campaign) -> dict[str, Any]:
    """In review and notice: do the ballots differ from those sealed? (Reads every ballot, grouped.)"""
    if campaign.phase not in (Phase.REVIEW, Phase.NOTICE):
        return {"seal_broken": False}
    check = seal_check(campaign)
    return {"seal_broken": check is not None and not check.intact}
