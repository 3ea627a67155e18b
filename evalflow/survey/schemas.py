"""问卷调查 and 征求意见's API shapes (limits from :mod:`.rules`; the questionnaire's own checks are
:func:`.rules.parse_questionnaire`'s, so its errors are keyed by field path)."""

from __future__ import annotations

import math
from typing import Annotated, Any

from annotated_types import Le
from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from evalflow.assessment.rules import MAX_CODE
from evalflow.shared.api.file_schemas import FileOut
from evalflow.shared.api.schemas import Day, Input, Output, Timestamp
from evalflow.shared.messages import N_, msg
from evalflow.survey import rules

# An option's index in a question (the use case checks it against the question's options).
Choice = Annotated[int, Le(rules.MAX_OPTIONS)]


def _at_most(limit: int) -> Any:
    def check(items: list[Any]) -> list[Any]:
        if len(items) > limit:
            problem = msg(N_("最多 %(max_length)s 项。"), max_length=limit)
            raise PydanticCustomError("too_long", problem.template, {"message": problem})
        return items

    return check


def capped(item: Any, limit: int, description: str | None = None) -> Any:
    """A list of at most *limit* items that a huge body cannot make expensive: the items are checked in
    order and the first bad one stops the check (``fail_fast``), the count afterwards. (pydantic's own
    ``max_length`` stops at the item past the limit, but its error carries the whole list, which is
    then turned into Python objects: seconds for a million small objects in a 20 MB body.)"""
    field = Field(fail_fast=True, description=description, json_schema_extra={"maxItems": limit})
    return Annotated[list[item], field, AfterValidator(_at_most(limit))]


_POINTS = N_('扣分须为数字,例如 2 或 "2.5"。')


def _points(value: Any) -> Any:
    """A number (not true/false) as text, or a text as it is (the use case reads it: a plain ASCII
    decimal number, within the leaf's points); anything else is refused here with one message."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, str):
        return value
    raise PydanticCustomError("points", _POINTS, {"message": msg(_POINTS)})


# Points a decision deducts: a number or a text; the use case says what it must be (more than 0, at
# most the leaf's points, plain digits), so a wrong value gets one message, never one per type tried.
Points = Annotated[
    str | None,
    BeforeValidator(_points),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string"}, {"type": "null"}]}),
]


class SurveyIn(Input):
    mode: str = Field(max_length=rules.CHOICE_LENGTH, description="open | coded")
    sample: int = Field(
        rules.DEFAULT_SAMPLE,
        le=rules.MAX_SAMPLE,
        description="valid answers wanted per unit and respondent type",
    )
    respondents: capped(str, len(rules.Respondent), "the types asked: staff, client, resident") = Field(  # type: ignore[valid-type]
        default_factory=lambda: [r.value for r in rules.Respondent]
    )
    questions: capped(dict[str, Any], rules.MAX_QUESTIONS,  # type: ignore[valid-type]
                      '[{"text", "options": [{"label", "points", "satisfied"}]}]')  # fmt: skip


class OptionOut(Output):
    label: str
    points: float
    satisfied: bool


class QuestionOut(Output):
    text: str
    options: list[OptionOut]


class SurveyOut(Output):
    mode: str
    sample: int
    respondents: list[str]
    questions: list[QuestionOut]
    formula: str = Field(description="the 满意率's formula, in words")


class SurveyAnswerIn(Input):
    respondent: str = Field(max_length=rules.CHOICE_LENGTH, description="staff | client | resident")
    choices: capped(
        Choice | None,
        rules.MAX_QUESTIONS,  # type: ignore[valid-type]
        "the chosen option's index per question; null: left blank",
    )
    code: str | None = Field(None, max_length=rules.MAX_CODE_TEXT, description="the slip's code (mode coded)")


class AnswerOut(Output):
    id: int
    unit_id: int
    respondent: str
    received_at: Timestamp


class CodesIn(Input):
    count: int = Field(ge=1, le=rules.MAX_CODES)


class CodesOut(Output):
    codes: list[str] = Field(description="shown once: only their hashes are kept")


class SurveyResultOut(Output):
    unit_id: int
    unit_name: str
    valid: int
    invalid: int
    satisfied_rate: float | None = Field(description="satisfied choices ÷ all choices over valid answers")
    satisfied_percent: str | None = Field(description="the same, as a percent with 2 decimals (half up)")
    reached: bool
    by_type: dict[str, int]


class InvalidateIn(Input):
    reason: str = Field(max_length=rules.MAX_REASON)


class DepartmentIn(Input):
    name: str = Field(max_length=rules.MAX_DEPARTMENT_NAME)
    deadline: Day | None = None


class DepartmentOut(Output):
    id: int
    name: str
    deadline: Day | None
    token: str = Field(description="shown once: only its hash is kept")
    url: str


class OpinionIn(Input):
    verdict: str = Field(max_length=rules.CHOICE_LENGTH, description="none (无意见) | problem (有问题)")
    text: str | None = Field(None, max_length=rules.MAX_OPINION_TEXT)


class OpinionOut(Output):
    unit_id: int
    department_id: int
    department_name: str
    verdict: str | None = Field(description="null: this department has not answered for this unit yet")
    text: str | None
    answered_at: Timestamp | None
    deadline: Day | None
    outcome: str | None = Field(
        None, description="the office's decision on a problem: veto | deduction | no_effect"
    )
    outcome_reason: str = ""
    evidence: FileOut | None = Field(None, description="the department's evidence file, when it sent one")


class CaseDecisionIn(Input):
    outcome: str = Field(max_length=rules.CHOICE_LENGTH, description="veto | deduction | no_effect")
    reason: str = Field(max_length=rules.MAX_REASON)
    code: str | None = Field(None, max_length=MAX_CODE, description="deduction: the deduction leaf's code")
    points: Points = Field(
        None,
        description='deduction: the points deducted — a number, or a plain decimal number as text ("2.5")',
    )
    kind: str | None = Field(
        None,
        max_length=rules.MAX_INCIDENT_TYPE,
        description="veto: the incident's type (the configured list)",
    )
    occurred_on: Day | None = Field(None, description="veto: when it happened (default today)")


class PaperIn(Input):
    sheet: str = Field(max_length=rules.MAX_SHEET, description="the number written on the paper form")
    pass_no: int = Field(le=rules.PAPER_PASSES, description="1 or 2: which of the two keyings this is")
    respondent: str = Field(max_length=rules.CHOICE_LENGTH, description="staff | client | resident")
    choices: capped(Choice | None, rules.MAX_QUESTIONS)  # type: ignore[valid-type]


class PaperOut(Output):
    unit_id: int
    sheet: str
    pass_no: int
    status: str = Field(
        description="waiting (the other pass not keyed) | matched (the answer is made) | mismatch"
    )
    answer_id: int | None


class KeyedOut(Output):
    pass_no: int
    respondent: str
    choices: list[int | None]


class PaperMismatchOut(Output):
    unit_id: int
    sheet: str
    first: KeyedOut
    second: KeyedOut
