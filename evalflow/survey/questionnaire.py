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
from evalflow.shared.access import RULES, Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import CampaignFacts, require
from evalflow.shared.errors import Conflict, InvalidInput, NotFound
from evalflow.shared.messages import N_, Message, msg
from evalflow.shared.phases import ORDER, Phase
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


# The one rule for a unit that takes part in the survey: a unit of the campaign whose application is
# accepted. Answers (the form, the API's guarded statement), paper forms, posters and codes all use it.
TAKES_PART = Application.status == ApplicationStatus.ACCEPTED

_TARGET = (
    sa.select(Unit.id, Survey.updated_at, Survey.content)
    .join(Application, Application.unit_id == Unit.id)
    .join(Survey, Survey.campaign_id == Unit.campaign_id)
    .where(Unit.id == sa.bindparam("uid"), Unit.campaign_id == sa.bindparam("cid"), TAKES_PART)
)  # fmt: skip

NOT_TAKING_PART = N_("该单位不参加问卷调查:单位不存在,或其申报尚未通过审核。")


def survey_unit(
    campaign_id: int, unit_id: int, *, lock: bool = False, missing: str = NOT_TAKING_PART
) -> Unit:
    """The unit *unit_id* of the campaign if it takes part in the survey (:data:`TAKES_PART`), else 404
    with *missing*. *lock*: on PostgreSQL the unit's row is locked (``FOR NO KEY UPDATE``, which public
    answers referencing the unit do not wait for) until the transaction ends, so two writers of the
    same unit take turns; SQLite has no row locks (its writers take turns at their first write)."""
    stmt = (
        sa.select(Unit)
        .join(Application, Application.unit_id == Unit.id)
        .where(Unit.id == unit_id, Unit.campaign_id == campaign_id, TAKES_PART)
    )
    if lock:
        stmt = stmt.with_for_update(of=Unit, key_share=True)
    found = db.session.scalar(stmt)
    if found is None:
        raise NotFound(msg(missing))
    return found


def survey_units(campaign_id: int) -> list[Unit]:
    """Every unit of the campaign that takes part in the survey (:data:`TAKES_PART`), in id order."""
    stmt = sa.select(Unit).join(Application, Application.unit_id == Unit.id)
    return list(db.session.scalars(stmt.where(Unit.campaign_id == campaign_id, TAKES_PART).order_by(Unit.id)))


def answer_target(campaign_id: int, unit_id: int, known: CampaignFacts | None = None) -> Target:
    """The campaign's facts (*known* when the request already read them), the accepted unit and its
    questionnaire — 404 otherwise — in at most two statements."""
    facts = campaigns.facts(campaign_id, known)
    row = db.session.execute(_TARGET, {"uid": unit_id, "cid": campaign_id}).first() if facts else None
    if facts is None or row is None:
        raise NotFound(msg(N_("问卷不存在。")))
    return Target(facts, row.id, parsed(campaign_id, row.updated_at, row.content))


@dataclass(frozen=True)
class PublicTarget:
    """What the public form shows: the campaign, the unit, its questionnaire, and — when the campaign
    is not in a phase that takes answers — why the form is closed (shown instead of the form)."""

    campaign: Campaign
    unit: Unit
    questionnaire: rules.Questionnaire
    closed: Message | None


def public_target(campaign_id: int, unit_id: int) -> PublicTarget:
    """The campaign, the unit taking part and the questionnaire a respondent answers (404 otherwise),
    and whether answers are taken now (the access rule of ``survey.answer``)."""
    campaign = db.session.get(Campaign, campaign_id)
    found = stored(campaign_id) if campaign is not None else None
    if campaign is None or found is None:
        raise NotFound(msg(N_("问卷不存在。")))
    unit = survey_unit(campaign_id, unit_id, missing=N_("问卷不存在。"))
    return PublicTarget(campaign, unit, found, _closed(campaign.phase))


def _closed(phase: Phase) -> Message | None:
    """Why the form takes no answer in *phase*, in a respondent's words (None: it takes answers)."""
    phases = RULES[Action.SURVEY_ANSWER].phases
    if phases is None or phase in phases:
        return None
    if ORDER.index(phase) < min(ORDER.index(p) for p in phases):
        return msg(N_("问卷调查尚未开始,请在调查开始后再来填写。感谢您的关注!"))
    return msg(N_("问卷调查已经结束,不再接受填写。感谢您的关注!"))
