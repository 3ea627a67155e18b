"""The shared Q&A (信息共享): one list of questions and answers for every unit of a campaign.

The office records questions asked on the spot together with their answers, and answers questions
units ask online. There is no private answer: once answered, an entry is visible to every unit of the
campaign. An open question is visible only to the office and to the unit that asked it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import NotFound
from evalflow.shared.messages import N_, msg
from evalflow.shared.text import forbidden_character
from evalflow.training import rules
from evalflow.training.models import FaqEntry


def _visible_to(actor: Actor) -> sa.ColumnElement[bool]:
    """The SQL form of :func:`evalflow.training.rules.faq_visible`."""
    if actor.is_office:
        return sa.true()
    return sa.or_(FaqEntry.answered_at.is_not(None), FaqEntry.asked_by_unit_id == actor.unit_id)


def list_entries(actor: Actor, campaign: Campaign, query: str | None = None) -> list[FaqEntry]:
    """The entries *actor* may see, newest first; *query* searches questions and answers."""
    require(actor, Action.FAQ_READ, campaign)
    stmt = sa.select(FaqEntry).where(FaqEntry.campaign_id == campaign.id, _visible_to(actor))
    # characters no database text can hold (NUL, lone surrogates) cannot match: drop them
    query = "".join(ch for ch in (query or "") if forbidden_character(ch) is None)
    words = query.strip()[: rules.MAX_QUERY].split()
    for word in words:
        stmt = stmt.where(
            sa.or_(
                FaqEntry.question.icontains(word, autoescape=True),
                FaqEntry.answer.icontains(word, autoescape=True),
            )
        )
    return list(db.session.scalars(stmt.order_by(FaqEntry.created_at.desc(), FaqEntry.id.desc())))


def add_entry(actor: Actor, campaign: Campaign, data: Mapping[str, Any]) -> FaqEntry:
    """The office records a question and its answer; every unit of the campaign sees it at once."""
    require(actor, Action.FAQ_WRITE, campaign)
    question, answer = rules.parse_faq(data, need_answer=True)
    now = clock.now()
    entry = FaqEntry(
        campaign_id=campaign.id, question=question, answer=answer, created_at=now, answered_at=now
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "faq.add", campaign_id=campaign.id, subject=("faq", entry.id))
    return entry


def ask(actor: Actor, campaign: Campaign, data: Mapping[str, Any]) -> FaqEntry:
    """A unit asks online; the question stays between it and the office until it is answered."""
    require(actor, Action.FAQ_ASK, campaign)
    question, _ = rules.parse_faq(data, need_answer=False)
    entry = FaqEntry(
        campaign_id=campaign.id,
        question=question,
        answer="",
        asked_by_unit_id=actor.unit_id,
        created_at=clock.now(),
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "faq.ask", campaign_id=campaign.id, subject=("faq", entry.id))
    return entry


def entry_of(actor: Actor, campaign: Campaign, entry_id: int) -> FaqEntry:
    require(actor, Action.FAQ_READ, campaign)
    entry = db.session.get(FaqEntry, entry_id)
    if entry is None or entry.campaign_id != campaign.id:
        raise NotFound(msg(N_("问题不存在。")))
    if not rules.faq_visible(
        entry.answered_at is not None,
        entry.asked_by_unit_id,
        viewer_unit=actor.unit_id,
        office=actor.is_office,
    ):
        raise NotFound(msg(N_("问题不存在。")))
    return entry


def answer(actor: Actor, campaign: Campaign, entry_id: int, data: Mapping[str, Any]) -> FaqEntry:
    """Answer (or correct the answer of) an entry; from then on every unit sees it."""
    require(actor, Action.FAQ_WRITE, campaign)
    entry = entry_of(actor, campaign, entry_id)
    text = rules.parse_answer(data)
    was_answered = entry.answered_at is not None
    entry.answer = text
    entry.answered_at = clock.now()
    db.session.flush()
    audit.record(
        actor,
        "faq.answer",
        campaign_id=campaign.id,
        subject=("faq", entry.id),
        from_state="answered" if was_answered else "open",
        to_state="answered",
    )
    return entry
