"""The office sets a campaign's questionnaire (``PUT …/survey``) and anyone reads it to answer.

Once a unit has an answer, the questions are frozen (409 ``frozen``): answers are option indexes, so
changing the questions would change what they mean. The mode and the sample may still change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.intake.models import Application, ApplicationStatus
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import CampaignFacts, require
from evalflow.shared.errors import Conflict, InvalidInput, NotFound
from evalflow.shared.messages import N_, msg
from evalflow.survey import rules
from evalflow.survey.models import Survey, SurveyAnswer

# Parsed questionnaires by (campaign, last change): answers arrive by the hundred a minute.
_PARSED: dict[tuple[int, datetime], rules.Questionnaire] = {}
_PARSED_SIZE = 64
# The last questionnaire each campaign was seen with: an answer is written against it, and its
# INSERT checks in the same statement that it is still the stored one (``survey.updated_at``).
_LATEST: dict[int, tuple[datetime, rules.Questionnaire]] = {}


def parsed(campaign_id: int, updated_at: datetime, content: dict[str, Any]) -> rules.Questionnaire:
    """The questionnaire stored as *content*, parsed once per change (a process-wide memo)."""
    key = (campaign_id, updated_at)
    found = _PARSED.get(key)
    if found is None:
        if len(_PARSED) >= _PARSED_SIZE:
            _PARSED.clear()
        found = _PARSED[key] = rules.from_json(content)
    _LATEST[campaign_id] = (updated_at, found)
    return found


def remembered(campaign_id: int) -> tuple[datetime, rules.Questionnaire] | None:
    """The questionnaire this process last read for the campaign, with its ``updated_at``."""
    return _LATEST.get(campaign_id)


def stored(campaign_id: int) -> rules.Questionnaire | None:
    """The campaign's questionnaire, or None when the office has not set one."""
    row = db.session.get(Survey, campaign_id)
    return parsed(campaign_id, row.updated_at, row.content) if row is not None else None


def get_survey(actor: Actor, campaign: Campaign) -> rules.Questionnaire:
    """The questionnaire for the office (404 when none is set)."""
    require(actor, Action.SURVEY_VIEW, campaign)
    found = stored(campaign.id)
    if found is None:
        raise NotFound(msg(N_("尚未设置问卷。")))
    return found


def _answered(campaign_id: int) -> bool:
    stmt = sa.select(SurveyAnswer.id).where(SurveyAnswer.campaign_id == campaign_id).limit(1)
    return db.session.scalar(stmt) is not None


def put_survey(actor: Actor, campaign: Campaign, data: Mapping[str, Any]) -> rules.Questionnaire:
    """Set the questionnaire (400 with ``fields``; 409 ``frozen`` when answers exist and the questions
    or the types asked would change)."""
    require(actor, Action.SURVEY_EDIT, campaign)
    found, problems = rules.parse_questionnaire(data)
    if found is None:
        raise InvalidInput(fields=problems)
    row = db.session.get(Survey, campaign.id)
    if row is not None and _answered(campaign.id):
        before = rules.from_json(row.content)
        if (before.questions, before.respondents) != (found.questions, found.respondents):
            raise Conflict(
                msg(N_("已有人作答,问题和调查对象不能再修改(收集方式和样本量仍可修改)。")), code="frozen"
            )
    content = found.to_json()
    if row is None:
        row = Survey(campaign_id=campaign.id, mode=found.mode.value, sample=found.sample, content=content)
        db.session.add(row)
    else:
        row.mode, row.sample, row.content, row.updated_at = (
            found.mode.value,
            found.sample,
            content,
            clock.now(),
        )
    db.session.flush()
    audit.record(actor, "survey.set", campaign_id=campaign.id, subject=("survey", campaign.id),
                 data={"mode": found.mode.value, "sample": found.sample, "questions": len(found.questions)})  # fmt: skip
    return found


@dataclass(frozen=True)
class Target:
    """What an answer needs of its campaign and unit, read in one statement."""

    facts: CampaignFacts
    unit_id: int
    questionnaire: rules.Questionnaire


_TARGET = (
    sa.select(Unit.id, Survey.updated_at, Survey.content)
    .join(Application, Application.unit_id == Unit.id)
    .join(Survey, Survey.campaign_id == Unit.campaign_id)
    .where(Unit.id == sa.bindparam("uid"), Unit.campaign_id == sa.bindparam("cid"),
           Application.status == ApplicationStatus.ACCEPTED)
)  # fmt: skip


def answer_target(campaign_id: int, unit_id: int, known: CampaignFacts | None = None) -> Target:
    """The campaign's facts (*known* when the request already read them), the accepted unit and its
    questionnaire — 404 otherwise — in at most two statements."""
    facts = campaigns.facts(campaign_id, known)
    row = db.session.execute(_TARGET, {"uid": unit_id, "cid": campaign_id}).first() if facts else None
    if facts is None or row is None:
        raise NotFound(msg(N_("问卷不存在。")))
    return Target(facts, row.id, parsed(campaign_id, row.updated_at, row.content))


def public_target(campaign_id: int, unit_id: int) -> tuple[Campaign, Unit, rules.Questionnaire]:
    """The campaign, the accepted unit and the questionnaire a respondent answers (404 otherwise)."""
    campaign = db.session.get(Campaign, campaign_id)
    unit = db.session.get(Unit, unit_id)
    if campaign is None or unit is None or unit.campaign_id != campaign.id:
        raise NotFound(msg(N_("问卷不存在。")))
    status = db.session.scalar(sa.select(Application.status).where(Application.unit_id == unit.id))
    found = stored(campaign.id)
    if status is not ApplicationStatus.ACCEPTED or found is None:
        raise NotFound(msg(N_("问卷不存在。")))
    return campaign, unit, found
