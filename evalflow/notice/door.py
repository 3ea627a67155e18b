"""What the notice tells the one door (shared/campaigns/transitions.py): the facts its guards read,
and what publishing and withdrawing the notice do."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.notice.models import NoticeUnit, Objection
from evalflow.notice.rules import UNRESOLVED
from evalflow.notice.service import current_notice, publish_current
from evalflow.shared import clock
from evalflow.shared.campaigns import transitions
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.phases import Phase


@transitions.facts
def notice_facts(campaign: Campaign) -> dict[str, Any]:
    notice = current_notice(campaign.id)
    if notice is None:
        return {"notice_units": 0, "notice_ends_on": None, "unresolved_objections": 0}
    units = db.session.scalar(
        sa.select(sa.func.count()).select_from(NoticeUnit).where(NoticeUnit.notice_id == notice.id)
    )
    open_objections = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Objection)
        .where(Objection.notice_id == notice.id, Objection.state.in_(UNRESOLVED))
    )
    return {
        "notice_units": units or 0,
        "notice_ends_on": notice.ends_on,
        "unresolved_objections": open_objections or 0,
    }


@transitions.on_move(Phase.REVIEW, Phase.NOTICE)
def publish_notice(campaign: Campaign) -> None:
    """Entering the notice: the drafted notice becomes public (notice.service.publish_current)."""
    publish_current(campaign)


@transitions.on_move(Phase.NOTICE, Phase.REVIEW)
def withdraw_notice(campaign: Campaign) -> None:
    """Leaving the notice backwards: the published notice is withdrawn (kept, marked withdrawn)."""
    notice = current_notice(campaign.id)
    if notice is not None:
        notice.withdrawn_at = clock.now()
