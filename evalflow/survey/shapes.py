"""The survey's API answers built from its use cases' results (kept apart from the routes)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from flask_babel import gettext

from evalflow.shared.api.file_schemas import FileOut
from evalflow.shared.campaigns.models import Unit
from evalflow.shared.files.models import StoredFile
from evalflow.survey import departments, rules
from evalflow.survey.models import Department, Opinion
from evalflow.survey.schemas import OpinionOut, OptionOut, QuestionOut, SurveyOut
from evalflow.tally.rules import display


def percent(rate: Fraction | None) -> str | None:
    """A 满意率 as a percent with 2 decimals, half up ("83.33"), or None."""
    shown = display(rate * 100) if rate is not None else None
    return str(shown) if shown is not None else None


def survey_out(found: rules.Questionnaire) -> SurveyOut:
    data = found.to_json()
    return SurveyOut(
        mode=data["mode"], sample=data["sample"], respondents=data["respondents"], formula=gettext(rules.FORMULA),
        questions=[QuestionOut(text=q["text"], options=[OptionOut(**o) for o in q["options"]]) for q in data["questions"]],
    )  # fmt: skip


def opinion_rows(
    answered: Sequence[tuple[Opinion, Department, int]], missing: Sequence[tuple[Department, list[Unit]]]
) -> list[OpinionOut]:
    """Answered opinions (with their evidence file), then one row with ``verdict`` null per department
    and unit still open."""
    found = departments.evidence_files([o.evidence_file_id for o, _, _ in answered])
    out = [
        OpinionOut(unit_id=unit_id, department_id=d.id, department_name=d.name, verdict=o.verdict, text=o.text,
                   answered_at=o.answered_at, deadline=d.deadline, outcome=o.outcome, outcome_reason=o.outcome_reason,
                   evidence=_file(found.get(o.evidence_file_id) if o.evidence_file_id else None))
        for o, d, unit_id in answered
    ]  # fmt: skip
    for department, units in missing:
        out += [OpinionOut(unit_id=u.id, department_id=department.id, department_name=department.name, verdict=None,
                           text=None, answered_at=None, deadline=department.deadline) for u in units]  # fmt: skip
    return out


def _file(stored: StoredFile | None) -> FileOut | None:
    return FileOut.model_validate(stored) if stored is not None else None
