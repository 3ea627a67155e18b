"""What the survey and the opinions give the rest of the campaign.

- :func:`unit_results` — per accepted unit: valid answers by type, the sample reached or not, the
  满意率, and each question's distribution (the office's results, ``GET …/survey/results``);
- :func:`satisfied_rates` — per unit, the 满意率 over valid answers, for the composite
  (:class:`evalflow.assessment.composite.UnitInput` ``satisfied_rate``);
- :func:`survey_gaps` — per unit, plain-words reasons the survey is not complete (sample not
  reached, departments that have not answered), for the ``briefing → review`` guard;
- :func:`deduction_marks` — the deductions the office decided on reported problems, in the shape of
  :func:`evalflow.inspection.results.signed_marks`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

import sqlalchemy as sa

from evalflow.assessment.marks import Mark
from evalflow.assessment.rules import plain
from evalflow.extensions import db
from evalflow.shared.access import Action, Actor
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import require
from evalflow.shared.messages import N_, Message, msg
from evalflow.survey import rules, signals
from evalflow.survey.models import Department, Opinion, SurveyAnswer
from evalflow.survey.questionnaire import stored, survey_units


@dataclass
class UnitResult:
    """A unit's survey: valid and invalidated answers, by type, the 满意率, per-question counts."""

    unit: Unit
    valid: int = 0
    invalid: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    satisfied: int = 0
    chosen: int = 0
    reached: bool = False
    distribution: list[list[int]] = field(default_factory=list)  # per question, per option

    @property
    def satisfied_rate(self) -> Fraction | None:
        return Fraction(self.satisfied, self.chosen) if self.chosen else None


def _valid_rows(campaign_id: int) -> sa.Select[tuple[int, str, int, int]]:
    return sa.select(
        SurveyAnswer.unit_id, SurveyAnswer.respondent, SurveyAnswer.satisfied, SurveyAnswer.chosen
    ).where(SurveyAnswer.campaign_id == campaign_id, SurveyAnswer.invalidated_at.is_(None))


def satisfied_rates(campaign_id: int) -> dict[int, Fraction]:
    """Per unit, the contract's ``satisfied_rate`` over its valid answers; units without a choice absent."""
    stmt = (
        sa.select(SurveyAnswer.unit_id, sa.func.sum(SurveyAnswer.satisfied), sa.func.sum(SurveyAnswer.chosen))
        .where(SurveyAnswer.campaign_id == campaign_id, SurveyAnswer.invalidated_at.is_(None))
        .group_by(SurveyAnswer.unit_id)
    )
    return {unit: Fraction(int(yes), int(total)) for unit, yes, total in db.session.execute(stmt) if total}


def unit_results(actor: Actor, campaign: Campaign, with_distribution: bool = False) -> list[UnitResult]:
    """Every accepted unit's results, in unit order (the office)."""
    require(actor, Action.SURVEY_VIEW, campaign)
    questionnaire = stored(campaign.id)
    out = {u.id: UnitResult(u) for u in survey_units(campaign.id)}
    width = [len(q.options) for q in questionnaire.questions] if questionnaire else []
    for result in out.values():
        result.distribution = [[0] * n for n in width]
    columns = [SurveyAnswer.unit_id, SurveyAnswer.respondent, SurveyAnswer.satisfied, SurveyAnswer.chosen,
               SurveyAnswer.invalidated_at, SurveyAnswer.choices if with_distribution else sa.null()]  # fmt: skip
    for unit_id, kind, yes, chosen, invalid, choices in db.session.execute(
        sa.select(*columns).where(SurveyAnswer.campaign_id == campaign.id)
    ):
        result = out.get(unit_id)
        if result is None:
            continue
        if invalid is not None:
            result.invalid += 1
            continue
        result.valid += 1
        result.by_type[kind] += 1
        result.satisfied += yes
        result.chosen += chosen
        for index, choice in enumerate(choices or []):
            if choice is not None and index < len(width) and 0 <= choice < width[index]:
                result.distribution[index][choice] += 1
    for result in out.values():
        result.reached = questionnaire is not None and rules.reached(questionnaire, result.by_type)
    return list(out.values())


def sample_gaps(campaign_id: int) -> dict[int, list[Message]]:
    """Per accepted unit, the respondent types whose sample is not reached (units complete absent)."""
    questionnaire = stored(campaign_id)
    out: dict[int, list[Message]] = {}
    if questionnaire is None:
        return out
    units = survey_units(campaign_id)
    counts: dict[int, Counter[str]] = {u.id: Counter() for u in units}
    for unit_id, kind, _, _ in db.session.execute(_valid_rows(campaign_id)):
        if unit_id in counts:
            counts[unit_id][kind] += 1
    for unit in units:
        for kind, lacking in rules.missing_by_type(questionnaire, counts[unit.id]).items():
            out.setdefault(unit.id, []).append(msg(
                N_("“%(unit)s”的问卷调查(%(kind)s)未达样本量:还差 %(n)d 份。"),
                unit=unit.name, kind=msg(kind.label), n=lacking,
            ))  # fmt: skip
    return out


def opinion_gaps(campaign_id: int) -> dict[int, list[Message]]:
    """Per accepted unit, the departments that have not given their opinion on it."""
    units = survey_units(campaign_id)
    departments = list(db.session.scalars(
        sa.select(Department).where(Department.campaign_id == campaign_id).order_by(Department.name)
    ))  # fmt: skip
    answered = {(d, u) for d, u in db.session.execute(
        sa.select(Opinion.department_id, Opinion.unit_id).join(Department, Department.id == Opinion.department_id)
        .where(Department.campaign_id == campaign_id)
    )}  # fmt: skip
    out: dict[int, list[Message]] = {}
    for unit in units:
        for department in departments:
            if (department.id, unit.id) not in answered:
                out.setdefault(unit.id, []).append(msg(
                    N_("“%(department)s”尚未就“%(unit)s”反馈意见。"), department=department.name, unit=unit.name
                ))  # fmt: skip
    return out


def deduction_marks(campaign_id: int) -> dict[int, dict[str, list[Mark]]]:
    """Per unit, per deduction leaf code, the points the office decided to deduct on a department's
    reported problem — one :class:`Mark` per case, named by the department."""
    stmt = (
        sa.select(
            Opinion.unit_id, Opinion.deduction_code, Department.name, Opinion.deduction_points, Department.id
        )
        .join(Department, Department.id == Opinion.department_id)
        .where(Department.campaign_id == campaign_id, Opinion.outcome == rules.Outcome.DEDUCTION.value)
        .order_by(Opinion.unit_id, Opinion.deduction_code, Department.name)
    )
    out: dict[int, dict[str, list[Mark]]] = {}
    for unit_id, code, name, points, department_id in db.session.execute(stmt):
        mark = Mark(name, plain(points), f"opinion-{department_id}-{unit_id}")
        out.setdefault(unit_id, {}).setdefault(code, []).append(mark)
    return out


def answers_of(actor: Actor, campaign: Campaign, unit_id: int | None = None) -> list[SurveyAnswer]:
    """The campaign's answers (one unit's, when given), oldest first — for the office's review."""
    require(actor, Action.SURVEY_VIEW, campaign)
    stmt = sa.select(SurveyAnswer).where(SurveyAnswer.campaign_id == campaign.id)
    if unit_id is not None:
        stmt = stmt.where(SurveyAnswer.unit_id == unit_id)
    return list(db.session.scalars(stmt.order_by(SurveyAnswer.created_at, SurveyAnswer.id)))


def anomalies(actor: Actor, campaign: Campaign, fast_seconds: int) -> list[signals.Signal]:
    """The anomaly signals over the campaign's valid answers (:mod:`.signals`); nothing is changed."""
    valid = [a for a in answers_of(actor, campaign) if a.invalidated_at is None]
    return signals.signals(
        (signals.Answer(a.id, a.unit_id, a.respondent, tuple(a.choices), a.address, a.device, a.created_at,
                        a.opened_at) for a in valid),
        fast_seconds,
    )  # fmt: skip
