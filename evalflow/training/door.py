"""What training tells the one door (shared/campaigns/transitions.py): who has no attendance yet."""

from __future__ import annotations

from typing import Any

from evalflow.intake.door import accepted_without
from evalflow.shared.campaigns import transitions
from evalflow.shared.campaigns.models import Campaign
from evalflow.training.models import Attendance


@transitions.facts
def training_facts(campaign: Campaign) -> dict[str, Any]:
    return {"untrained_units": accepted_without(campaign.id, Attendance)}
