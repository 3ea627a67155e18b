"""问卷调查 and 征求意见's API shapes (limits from :mod:`.rules`; the questionnaire's own checks are
:func:`.rules.parse_questionnaire`'s, so its errors are keyed by field path)."""

from __future__ import annotations

from typing import Annotated, Any

from annotated_types import Le
from pydantic import Field

from evalflow.assessment.rules import MAX_CODE
from evalflow.shared.api.schemas import Day, Input, Output, Timestamp
from evalflow.survey import rules

# An option's index in a question (the use case checks it against the question's options).
Choice = Annotated[int, Le(rules.MAX_OPTIONS)]


class SurveyIn(Input):
    mode: str = Field(max_length=rules.CHOICE_LENGTH, description="open | coded")
    sample: int = Field(
        rules.DEFAULT_SAMPLE,
        le=rules.MAX_SAMPLE,
        description="valid answers wanted per unit and respondent type",
    )
    respondents: list[str] = Field(default_factory=lambda: [r.value for r in rules.Respondent], max_length=len(rules.Respondent),
                                   description="the types asked: staff, client, resident")  # fmt: skip
    questions: list[dict[str, Any]] = Field(max_length=rules.MAX_QUESTIONS * 2,
                                            description='[{"text", "options": [{"label", "points", "satisfied"}]}]')  # fmt: skip


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
    choices: list[Choice | None] = Field(max_length=rules.MAX_QUESTIONS * 2,
                                         description="the chosen option's index per question; null: left blank")  # fmt: skip
    code: str | None = Field(
        None, max_length=rules.MAX_CODE_TEXT * 2, description="the slip's code (mode coded)"
    )


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
    reason: str = Field(max_length=rules.MAX_REASON * 2)


class DepartmentIn(Input):
    name: str = Field(max_length=rules.MAX_DEPARTMENT_NAME * 2)
    deadline: Day | None = None


class DepartmentOut(Output):
    id: int
    name: str
    deadline: Day | None
    token: str = Field(description="shown once: only its hash is kept")
    url: str


class OpinionIn(Input):
    verdict: str = Field(max_length=rules.CHOICE_LENGTH, description="none (无意见) | problem (有问题)")
    text: str | None = Field(None, max_length=rules.MAX_OPINION_TEXT * 2)


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


class CaseDecisionIn(Input):
    outcome: str = Field(max_length=rules.CHOICE_LENGTH, description="veto | deduction | no_effect")
    reason: str = Field(max_length=rules.MAX_REASON * 2)
    code: str | None = Field(
        None, max_length=MAX_CODE * 2, description="deduction: the deduction leaf's code"
    )
    points: Annotated[float, Le(float(rules.MAX_OPTION_POINTS))] | str | None = Field(
        None, description="deduction: the points deducted"
    )
    kind: str | None = Field(
        None,
        max_length=rules.MAX_INCIDENT_TYPE,
        description="veto: the incident's type (the configured list)",
    )
    occurred_on: Day | None = Field(None, description="veto: when it happened (default today)")


class PaperIn(Input):
    sheet: str = Field(max_length=rules.MAX_CODE_TEXT, description="the number written on the paper form")
    pass_no: int = Field(le=rules.PAPER_PASSES, description="1 or 2: which of the two keyings this is")
    respondent: str = Field(max_length=rules.CHOICE_LENGTH, description="staff | client | resident")
    choices: list[Choice | None] = Field(max_length=rules.MAX_QUESTIONS * 2)


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
