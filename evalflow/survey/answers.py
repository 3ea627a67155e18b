"""Answering the questionnaire (public), the one-time codes of mode ``coded``, and invalidation.

- Open mode: one answer per device and unit. The device is the phone's signed cookie id, of which
  only a SHA-256 is stored; the same device answering the same unit again is 409
  ``already_answered`` (a unique key backs the check, so two racing answers cannot both count).
- Coded mode: the answer carries a slip's code; a code not of this unit is 403 ``invalid_code``, a
  used one 409 ``already_answered`` (a compare-and-set marks it used, so it answers exactly once).
  Codes are 80 random bits; only their SHA-256 is stored and they are shown once, when made.
- An answer is never removed; the office may invalidate it with a reason (audited, shown in the
  results and the export) — never automatically.

Answers themselves are not audited (a respondent is nobody's account); everything the office does is.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from evalflow.database import DriverStatement, stands_alone
from evalflow.extensions import db
from evalflow.intake.models import Application
from evalflow.shared import clock
from evalflow.shared.access import PUBLIC, RULES, Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import CampaignFacts, require
from evalflow.shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from evalflow.shared.messages import N_, msg
from evalflow.shared.text import text_problem
from evalflow.survey import rules
from evalflow.survey.models import Survey, SurveyAnswer, SurveyCode
from evalflow.survey.questionnaire import TAKES_PART, answer_target, remembered, stored, survey_unit

ALREADY = N_("您已为该单位填写过问卷,感谢参与!每部手机对每个单位只能作答一次。")
CODE_USED = N_("该调查码已使用过,每个调查码只能作答一次。感谢参与!")
INVALID_CODE = N_("调查码无效,请核对纸条上的调查码。")


class AlreadyAnswered(Conflict):
    code, default = "already_answered", ALREADY


class InvalidCode(Forbidden):
    code, default = "invalid_code", INVALID_CODE


@dataclass(frozen=True)
class Sender:
    """Who sends an answer, as far as the server knows: the device id's hash (None without one),
    the client address, and when the form was opened: None when the answer is not timed (the API),
    :data:`evalflow.survey.signals.OPENED_UNKNOWN` for a form post without a valid opening time."""

    device: str | None
    address: str
    opened_at: datetime | None = None


def clean(questionnaire: rules.Questionnaire, data: Mapping[str, Any]) -> tuple[str, list[int | None]]:
    fields: dict[str, list[Any]] = {}
    respondent = data.get("respondent")
    if respondent not in {r.value for r in questionnaire.respondents}:
        fields["respondent"] = [msg(N_("请选择您的身份。"))]
    choices = data.get("choices")
    problem = (
        rules.choices_problem(questionnaire, choices) if isinstance(choices, list) else msg(N_("请作答。"))
    )
    if problem is not None:
        fields["choices"] = [problem]
    if fields:
        raise InvalidInput(fields=fields)
    return str(respondent), list(choices)  # type: ignore[arg-type]


def _device_taken(unit_id: int, device: str) -> bool:
    stmt = sa.select(SurveyAnswer.id).where(SurveyAnswer.unit_id == unit_id, SurveyAnswer.device == device)
    return db.session.scalar(stmt.limit(1)) is not None


@functools.cache
def _insert_statement(dialect: str, once_per_device: bool) -> Any:
    """The answer's ``INSERT … RETURNING id``, built once (Core, its values bound at execution);
    *once_per_device*: ``ON CONFLICT (unit_id, device) DO NOTHING``."""
    table = SurveyAnswer.__table__
    stmt = (sqlite_insert if dialect == "sqlite" else pg_insert)(table)
    if once_per_device:
        stmt = stmt.on_conflict_do_nothing(index_elements=[table.c.unit_id, table.c.device])
    return stands_alone(stmt.returning(table.c.id))


def _insert(values: dict[str, Any]) -> int | None:
    """One statement that stands alone: the answer, unless its device already answered this unit
    (then None)."""
    stmt = _insert_statement(db.session.get_bind().dialect.name, values["device"] is not None)
    return db.session.connection().execute(stmt, values).scalar()


def _code_row(campaign_id: int, unit_id: int, code: Any) -> int:
    """The id of the unused code *code* of this unit: 403 ``invalid_code``, 409 when used."""
    if not isinstance(code, str) or not code.strip() or len(code) > rules.MAX_CODE_TEXT:
        raise InvalidCode()
    row = db.session.execute(
        sa.select(SurveyCode.id, SurveyCode.unit_id, SurveyCode.campaign_id, SurveyCode.used_at)
        .where(SurveyCode.code_hash == rules.digest(code))
    ).first()  # fmt: skip
    if row is None or row.unit_id != unit_id or row.campaign_id != campaign_id:
        raise InvalidCode()
    if row.used_at is not None:
        raise AlreadyAnswered(msg(CODE_USED))
    return row.id


def _insert_with_code(values: dict[str, Any], code_id: int) -> int | None:
    """The code marked used and the answer made together, or neither (None: the code was used meanwhile).

    PostgreSQL: one statement that stands alone (the code's ``UPDATE`` in a ``WITH`` the ``INSERT``
    selects from); SQLite: two statements in the request's transaction."""
    claim = (sa.update(SurveyCode).where(SurveyCode.id == code_id, SurveyCode.used_at.is_(None))
             .values(used_at=values["created_at"]))  # fmt: skip
    if db.session.get_bind().dialect.name == "sqlite":
        if db.session.execute(claim.execution_options(synchronize_session=False)).rowcount != 1:
            return None
        return _insert({**values, "code_id": code_id})
    used = claim.returning(SurveyCode.id).cte("used_code")
    table = SurveyAnswer.__table__
    names = [name for name in values if name != "code_id"]
    chosen = sa.select(*(sa.literal(values[n], table.c[n].type) for n in names), used.c.id)
    stmt = sa.insert(SurveyAnswer).from_select([*names, "code_id"], chosen).returning(SurveyAnswer.id)
    return db.session.execute(stands_alone(stmt)).scalar()


@dataclass(frozen=True)
class Receipt:
    """A recorded answer, as the respondent is told."""

    id: int
    unit_id: int
    respondent: str
    created_at: datetime


@functools.cache
def _guarded_statement(dialect: str) -> DriverStatement:
    """An open answer's ``INSERT … SELECT`` that writes only while the campaign is in a phase that
    takes answers (the access rule of ``survey.answer``), the unit is accepted and the questionnaire
    is still the one the answer was checked against (``survey.updated_at``), once per device and
    unit — the campaign's phase, the target read and the write in one statement, run as driver SQL
    (``database.DriverStatement``: SQLAlchemy's per-execution work saved on the public's hottest write)."""
    table = SurveyAnswer.__table__
    names = [c.name for c in table.columns if c.name not in ("id", "invalidated_at")]
    phases = RULES[Action.SURVEY_ANSWER].phases
    assert phases  # answers are taken in some phases only: the statement must say which
    chosen = (
        sa.select(*(sa.bindparam(n, type_=table.c[n].type) for n in names))
        .select_from(Unit.__table__.join(Application.__table__, Application.unit_id == Unit.id)
                     .join(Survey.__table__, Survey.campaign_id == Unit.campaign_id)
                     .join(Campaign.__table__, Campaign.id == Unit.campaign_id))
        .where(Unit.id == sa.bindparam("unit_id"), Unit.campaign_id == sa.bindparam("campaign_id"),
               TAKES_PART,
               sa.or_(*(Campaign.phase == phase for phase in sorted(phases))),
               Survey.updated_at == sa.bindparam("survey_at", type_=Survey.__table__.c.updated_at.type))
    )  # fmt: skip
    insert = (sqlite_insert if dialect == "sqlite" else pg_insert)(table).from_select(names, chosen)
    insert = insert.on_conflict_do_nothing(index_elements=[table.c.unit_id, table.c.device])
    return DriverStatement(stands_alone(insert.returning(table.c.id)), db.engine.dialect)


def _values(campaign_id: int, unit_id: int, questionnaire: rules.Questionnaire, data: Mapping[str, Any],
            sender: Sender, device: str | None) -> dict[str, Any]:  # fmt: skip
    respondent, choices = clean(questionnaire, data)
    satisfied, chosen = rules.counts(questionnaire, choices)
    return {"campaign_id": campaign_id, "unit_id": unit_id, "respondent": respondent, "choices": choices,
            "satisfied": satisfied, "chosen": chosen, "device": device, "address": sender.address[:64],
            "code_id": None, "opened_at": sender.opened_at, "created_at": clock.now(), "invalid_reason": ""}  # fmt: skip


def submit_remembered(
    campaign_id: int, unit_id: int, data: Mapping[str, Any], sender: Sender
) -> Receipt | None:
    """The common case in one statement, without reading the campaign first: an open questionnaire
    this process has read, a phone with its device id. The statement itself checks the campaign's
    phase, the unit and the questionnaire (:func:`_guarded_statement`). None when it wrote nothing
    or could not be tried: then :func:`submit_read` (after the caller's own checks) finds out why."""
    latest = remembered(campaign_id)
    if latest is None or latest[1].mode is not rules.SurveyMode.OPEN or sender.device is None:
        return None
    try:
        values = _values(campaign_id, unit_id, latest[1], data, sender, sender.device)
    except InvalidInput:
        return None  # the full path checks again against the stored questionnaire, and says why
    stmt = _guarded_statement(db.session.get_bind().dialect.name)
    made = stmt.execute(db.session.connection(), {**values, "survey_at": latest[0]}).scalar()
    return Receipt(made, unit_id, values["respondent"], values["created_at"]) if made is not None else None


def submit(campaign_id: int, unit_id: int, data: Mapping[str, Any], sender: Sender) -> Receipt:
    """Record one answer to *unit_id*'s questionnaire (the HTML form, the demo): in one statement
    when it can be (:func:`submit_remembered`, once the phase is checked here), else
    :func:`submit_read`."""
    facts = campaigns.facts(campaign_id)
    if facts is not None:
        require(PUBLIC, Action.SURVEY_ANSWER, facts)
        fast = submit_remembered(campaign_id, unit_id, data, sender)
        if fast is not None:
            return fast
    return submit_read(campaign_id, unit_id, data, sender, facts)  # the campaign is not read twice


def submit_read(
    campaign_id: int,
    unit_id: int,
    data: Mapping[str, Any],
    sender: Sender,
    known: CampaignFacts | None = None,
) -> Receipt:
    """The answer written after reading its campaign, unit and questionnaire (the contract's ``POST
    …/survey-answers`` once :func:`submit_remembered` could not write it; *known*: the campaign's
    facts when the request already read them), and every refusal explained. Open mode: the device and
    the answer in one statement; coded mode: the code claimed and the answer made in one statement on
    PostgreSQL."""
    target = answer_target(campaign_id, unit_id, known)
    require(PUBLIC, Action.SURVEY_ANSWER, target.facts)
    questionnaire = target.questionnaire
    open_mode = questionnaire.mode is rules.SurveyMode.OPEN
    code_id = None if open_mode else _code_row(campaign_id, unit_id, data.get("code"))
    values = _values(campaign_id, unit_id, questionnaire, data, sender, sender.device if open_mode else None)
    made = _insert(values) if code_id is None else _insert_with_code(values, code_id)
    if made is None:
        raise AlreadyAnswered(msg(CODE_USED) if code_id is not None else None)
    return Receipt(made, unit_id, values["respondent"], values["created_at"])


def answered(campaign_id: int, unit_id: int, device: str | None) -> bool:
    """Whether this device already answered this unit (the form says so before asking again)."""
    return device is not None and _device_taken(unit_id, device)


def make_codes(actor: Actor, campaign: Campaign, unit_id: int, count: int) -> list[str]:
    """*count* new one-time codes for a unit's slips, shown once (only their hashes are stored)."""
    require(actor, Action.SURVEY_CODES, campaign)
    unit = survey_unit(campaign.id, unit_id)
    found = stored(campaign.id)
    if found is None or found.mode is not rules.SurveyMode.CODED:
        raise Conflict(msg(N_("问卷的收集方式不是“凭码作答”,不能生成调查码。")), code="wrong_mode")
    if not 1 <= count <= rules.MAX_CODES:
        raise InvalidInput(fields={"count": [msg(N_("数量须为 1 至 %(max)d。"), max=rules.MAX_CODES)]})
    codes = [rules.new_secret() for _ in range(count)]
    now = clock.now()
    db.session.execute(sa.insert(SurveyCode), [
        {"campaign_id": campaign.id, "unit_id": unit.id, "code_hash": rules.digest(c), "created_at": now} for c in codes
    ])  # fmt: skip
    audit.record(
        actor, "survey.codes", campaign_id=campaign.id, subject=("unit", unit.id), data={"count": count}
    )
    return codes


def invalidate(actor: Actor, campaign: Campaign, answer_id: int, reason: Any) -> SurveyAnswer:
    """Mark an answer invalid with a reason (audited; 409 ``already_invalid`` when it already is).

    A compare-and-set: the ``UPDATE`` writes only while the answer is still valid, so of two offices
    invalidating the same answer at once exactly one succeeds (and is audited); the other gets 409."""
    require(actor, Action.SURVEY_INVALIDATE, campaign)
    answer = db.session.get(SurveyAnswer, answer_id)
    if answer is None or answer.campaign_id != campaign.id:
        raise NotFound(msg(N_("该问卷不存在。")))
    text = reason.strip() if isinstance(reason, str) else ""
    problem = text_problem(text, required=True)
    if problem is None and len(text) > rules.MAX_REASON:
        problem = msg(N_("最多 %(max)d 个字。"), max=rules.MAX_REASON)
    if problem is not None:
        raise InvalidInput(fields={"reason": [problem]})
    done = db.session.execute(
        sa.update(SurveyAnswer)
        .where(SurveyAnswer.id == answer.id, SurveyAnswer.invalidated_at.is_(None))
        .values(invalidated_at=clock.now(), invalid_reason=text)
    )  # fmt: skip
    if done.rowcount != 1:
        raise Conflict(msg(N_("该问卷已作废。")), code="already_invalid")
    audit.record(actor, "survey.invalidate", campaign_id=campaign.id, subject=("survey_answer", answer.id),
                 reason=text, data={"unit_id": answer.unit_id})  # fmt: skip
    return answer
