"""The office sets a campaign's questionnaire (``PUT …/survey``) and anyone reads it to answer.

Once a unit has an answer, the questions are frozen (409 ``frozen``): answers are option indexes, so
changing the questions would change what they mean. The mode and the sample may still change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.intake.models import Application, ApplicationStatus
from evalflow.shared.access import Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import Conflict, InvalidInput, NotFound
from evalflow.shared.messages import N_, msg
from evalflow.survey import rules
from evalflow.survey.models import Survey, SurveyAnswer


def stored(campaign_id: int) -> rules.Questionnaire | None:
    """The campaign's questionnaire, or None when the office has not set one."""
    row = db.session.get(Survey, campaign_id)
    return rules.from_json(row.content) if row is not None else None


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
        row.mode, row.sample, row.content = found.mode.value, found.sample, content
    db.session.flush()
    audit.record(actor, "survey.set", campaign_id=campaign.id, subject=("survey", campaign.id),
                 data={"mode": found.mode.value, "sample": found.sample, "questions": len(found.questions)})  # fmt: skip
    return found


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
