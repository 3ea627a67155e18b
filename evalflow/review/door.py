"""What the 综合测评 tells the one door (shared/campaigns/transitions.py): leaving the briefing, every
source of the composite that is not complete — sheets missing, divergences open, visits unsigned,
no tally score, no survey result, a survey sample not reached, departments that have not answered — unless the office closed it with a reason. A campaign without a
tree tells nothing (its moves stay as they were).

Leaving the briefing it also seals every composite input (after the tally's seal), and in review and
notice it tells whether that seal still holds (a broken one blocks the notice, as the tally's does)."""

from __future__ import annotations

from typing import Any

from evalflow.review.seal import check, seal_composite
from evalflow.review.service import composite_of, incomplete
from evalflow.shared.campaigns import transitions
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.phases import Phase


@transitions.facts(seal=True)
def source_facts(campaign: Campaign) -> dict[str, Any]:
    """In the briefing: the composite's incomplete sources, in plain words (read only then). Declared
    with the seal's checks: it computes the whole composite, and how far each unit's assessment got
    is the office's to know — the options shown to a unit leave it out; the move itself always
    checks it."""
    if campaign.phase is not Phase.BRIEFING:
        return {}
    return {"incomplete_sources": tuple(incomplete(campaign))}


@transitions.on_move(Phase.BRIEFING, Phase.REVIEW, order=3)
def seal_sources(campaign: Campaign) -> None:
    """Leaving the briefing, after the tally's seal: the digest of every composite input is stored
    (a campaign without a tree has none)."""
    found = composite_of(campaign)
    if found is not None:
        seal_composite(campaign, found)


@transitions.facts(seal=True)
def composite_seal_facts(campaign: Campaign) -> dict[str, Any]:
    """In review and notice: do the composite's inputs differ from those sealed?"""
    if campaign.phase not in (Phase.REVIEW, Phase.NOTICE):
        return {"composite_seal_broken": False}
    found = composite_of(campaign)
    found_check = check(found) if found is not None else None
    return {"composite_seal_broken": found_check is not None and not found_check.intact}
