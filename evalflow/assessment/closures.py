"""The office closes a source with a reason (e.g. 问卷调查: the sample was not reached) or reopens it.

A closed source no longer holds the campaign back: its leaves without a value count 0 and the
``briefing → review`` guard passes it (that guard reads :func:`closed_sources`). One closure per
campaign and method, written by one upsert; closing again replaces the reason. Both audited.
"""

from __future__ import annotations

import sqlalchemy as sa

from evalflow.assessment.models import SourceClosure
from evalflow.assessment.rules import Method
from evalflow.assessment.sheet_rules import MAX_REASON
from evalflow.extensions import db
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import InvalidInput, NotFound
from evalflow.shared.messages import N_, msg
from evalflow.shared.text import text_problem
from evalflow.shared.upsert import insert


def closures(actor: Actor, campaign: Campaign) -> list[SourceClosure]:
    """The campaign's closed sources (the office)."""
    require(actor, Action.SHEETS_VIEW, campaign)
    return list(closed_sources(campaign.id).values())


def closed_sources(campaign_id: int) -> dict[Method, SourceClosure]:
    """The closed sources of a campaign, by method (plain data: the guard and the composite read it)."""
    stmt = sa.select(SourceClosure).where(SourceClosure.campaign_id == campaign_id)
    return {row.method: row for row in db.session.scalars(stmt)}


def close_source(actor: Actor, campaign: Campaign, method: Method, reason: str) -> SourceClosure:
    require(actor, Action.SOURCE_CLOSE, campaign)
    text = reason.strip()
    problem = text_problem(text, required=True)
    if problem is None and len(text) > MAX_REASON:
        problem = msg(N_("最多 %(max)d 字,现有 %(n)d 字。"), max=MAX_REASON, n=len(text))
    if problem is not None:
        raise InvalidInput(fields={"reason": [problem]})
    values = {"reason": text, "closed_by": actor.user_id, "closed_at": clock.now()}
    stmt = insert(SourceClosure).values(campaign_id=campaign.id, method=method, **values)
    db.session.execute(stmt.on_conflict_do_update(index_elements=["campaign_id", "method"], set_=values))
    audit.record(
        actor, "source.close", campaign_id=campaign.id, subject=("campaign", campaign.id), reason=text,
        data={"method": method.value},
    )  # fmt: skip
    return closed_sources(campaign.id)[method]


def reopen_source(actor: Actor, campaign: Campaign, method: Method) -> None:
    require(actor, Action.SOURCE_CLOSE, campaign)
    done = db.session.execute(
        sa.delete(SourceClosure).where(
            SourceClosure.campaign_id == campaign.id, SourceClosure.method == method
        )
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(msg(N_("该来源没有关闭。")))
    audit.record(
        actor,
        "source.reopen",
        campaign_id=campaign.id,
        subject=("campaign", campaign.id),
        data={"method": method.value},
    )
