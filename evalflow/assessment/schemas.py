"""The 测评体系's API shapes (the contract's section *Assessment*, plus extensions); limits from the rules.

The tree's body is read loosely (:class:`TreeBody`: any JSON under each key) and checked by
:func:`.parse.parse_tree`, which keys every problem by item code; :class:`TreeDoc` only documents it.
A sheet's marks are typed here (numbers, texts), and their codes and ranges are checked against the
tree by :func:`.sheet_rules.read_marks`.
"""

from __future__ import annotations

from typing import Annotated, Any

from annotated_types import Ge, Le
from pydantic import Field

from evalflow.assessment.review import MAX_PER_UNIT, MAX_SEED, MIN_PER_UNIT, DivergenceStatus
from evalflow.assessment.reviewers import MAX_NOTE
from evalflow.assessment.rules import (
    MAX_CODE,
    MAX_CRITERIA,
    MAX_MAGNITUDE,
    MAX_QUOTA,
    MAX_RUBRIC_LABEL,
    MAX_TITLE,
    WHOLE,
    Method,
    Mode,
)
from evalflow.assessment.sheet_rules import MAX_COMMENT, MAX_ENTRIES, MAX_REASON
from evalflow.intake.rules import MAX_CATEGORY
from evalflow.shared.api.schemas import Id, Input, Output, Query, Timestamp, line, text
from evalflow.shared.phases import Phase

Number = int | float
# A number a request sends: bounded here (far above any points value); the range that matters (0 to a
# leaf's points) is checked against the tree, keyed by the leaf's code.
Points = Annotated[int | float, Ge(-MAX_MAGNITUDE), Le(MAX_MAGNITUDE)]
Code = Annotated[str, Field(max_length=MAX_CODE)]
MAX_UNITS = 1000


# --- the tree ---------------------------------------------------------------------------------------


class TreeBody(Input):
    """``PUT /indicators``: every key is read by ``parse_tree`` (problems keyed by item code)."""

    mode: Any = None
    weights: Any = None
    bonus_cap: Any = None
    threshold: Any = None
    tie_break: Any = None
    gap_percent: Any = None
    categories: Any = None
    items: Any = None


class GradeDoc(Output):
    label: str = Field(max_length=MAX_RUBRIC_LABEL)
    fraction: Number = Field(ge=0, le=WHOLE, description="the share of the leaf's points, 4 decimals")


class ShortfallDoc(Output):
    label: str = Field(max_length=MAX_RUBRIC_LABEL)
    points: Number = Field(gt=0, description="what the problem costs, at most the leaf's points")


class RubricDoc(Output):
    """Either ``grades`` (shares strictly decreasing) or ``deductions``, never both."""

    grades: list[GradeDoc] | None = None
    deductions: list[ShortfallDoc] | None = None


class ItemDoc(Output):
    """A leaf has ``points`` and ``method``; a parent has ``children`` (its points are their sum)."""

    code: str = Field(
        max_length=MAX_CODE, description="letters, digits, '.', '-', '_'; unique regardless of case"
    )
    title: str = Field(max_length=MAX_TITLE)
    criteria: str | None = Field(None, max_length=MAX_CRITERIA)
    points: Number | None = None
    method: Method | None = None
    bonus: bool | None = Field(None, description="a level-1 特色/加分 item (inherited below)")
    deduction: bool | None = Field(None, description="a level-1 负面清单 item (inherited below)")
    evidence: bool | None = Field(None, description="a leaf that requires evidence")
    rubric: RubricDoc | None = None
    children: list[ItemDoc] | None = None


class CategoryDoc(Output):
    threshold: Number | None = None
    quota: int | None = Field(None, ge=1, le=MAX_QUOTA)


class TreeDoc(Output):
    mode: Mode = Mode.POINTS
    weights: dict[Method, Number] | None = Field(None, description="mode weighted: percents summing to 100")
    bonus_cap: Number | None = None
    threshold: Number | None = None
    tie_break: list[str] | None = Field(None, description="methods, 'bonus', 'deductions': compared in order")
    gap_percent: Number | None = Field(None, description="divergence gap, % of a leaf's points (default 30)")
    categories: dict[str, CategoryDoc] | None = None
    items: list[ItemDoc]


class TotalsDoc(Output):
    items: dict[str, Number] = Field(description="every item's points by code")
    methods: dict[str, Number] = Field(description="base points per method")


class TreeOut(TreeDoc):
    """The stored tree; send it back and the same tree is stored."""

    total: Number = Field(description="the base (non-bonus, non-deduction) points")
    bonus_total: Number
    deduction_total: Number
    totals: TotalsDoc


class CopyIn(Input):
    campaign_id: Id = Field(description="an earlier campaign whose tree (and settings) to start from")


class DefaultIn(Input):
    category: line(MAX_CATEGORY) = Field(description="社区, 机关事业单位 or 企业")  # type: ignore[valid-type]


# --- reviewers ---------------------------------------------------------------------------------------


class ReviewerUnitsIn(Input):
    unit_ids: list[Id] = Field(max_length=MAX_UNITS, description="accepted units of this campaign")


class ConflictsIn(Input):
    unit_ids: list[Id] = Field(max_length=MAX_UNITS)
    note: text(MAX_NOTE, required=False) = ""  # type: ignore[valid-type]


class ReviewerOut(Output):
    user_id: int
    username: str
    name: str
    unit_id: int | None = Field(description="the applicant unit this reviewer works for")
    active: bool
    unit_ids: list[int] = Field(description="units assigned in this campaign")
    conflict_ids: list[int] = Field(description="units declared a conflict with (回避)")


class ReviewerProposalQuery(Query):
    per_unit: int | None = Field(None, ge=MIN_PER_UNIT, le=MAX_PER_UNIT)
    seed: int | None = Field(None, ge=0, le=MAX_SEED)


class ProposedUnit(Output):
    unit_id: int
    reviewer_ids: list[int]


class ReviewerProposalOut(Output):
    per_unit: int
    units: list[ProposedUnit]


# --- sheets -------------------------------------------------------------------------------------------

Label = Annotated[str, Field(max_length=MAX_RUBRIC_LABEL)]


class MaterialsSheetIn(Input):
    """Codes not named keep their marks; ``null`` points clear one. ``submit`` locks the sheet."""

    scores: dict[Code, Points | None] | None = Field(None, max_length=MAX_ENTRIES)
    comments: dict[Code, Annotated[str, Field(max_length=MAX_COMMENT * 2)]] | None = Field(
        None, max_length=MAX_ENTRIES
    )
    grades: dict[Code, Label] | None = Field(
        None, max_length=MAX_ENTRIES, description="a rubric grade per leaf"
    )
    found: dict[Code, list[Label]] | None = Field(
        None, max_length=MAX_ENTRIES, description="the rubric's deductions found per leaf"
    )
    submit: bool = False


class MaterialsSheetOut(Output):
    scores: dict[str, Number]
    submitted: bool
    submitted_at: Timestamp | None
    comments: dict[str, str]
    grades: dict[str, str]
    found: dict[str, list[str]]


class OfficeSheetOut(MaterialsSheetOut):
    id: int
    scorer_id: int
    scorer: str = Field(description="the reviewer's username")
    name: str


class AssignmentOut(Output):
    campaign_id: int
    campaign: str
    phase: Phase
    unit_id: int
    unit: str
    started: bool
    submitted: bool


# --- divergences and closures ---------------------------------------------------------------------------


class MarkOut(Output):
    scorer: str
    points: Number


class DecisionOut(Output):
    points: Number
    reason: str
    decided_at: Timestamp


class ThirdOut(Output):
    user_id: int
    name: str


class DivergenceOut(Output):
    unit_id: int
    unit: str
    code: str
    title: str
    points: Number = Field(description="the leaf's points")
    low: Number
    high: Number
    allowed: Number = Field(description="the largest spread allowed, in points")
    sheets: int
    status: DivergenceStatus
    marks: list[MarkOut]
    decision: DecisionOut | None
    third_reviewer: ThirdOut | None


class DecisionIn(Input):
    code: Code
    points: Points
    reason: text(MAX_REASON)  # type: ignore[valid-type]


class ThirdIn(Input):
    code: Code
    reviewer_id: Id


class ClosureIn(Input):
    method: Method
    reason: text(MAX_REASON)  # type: ignore[valid-type]


class ReopenIn(Input):
    method: Method


class ClosureOut(Output):
    method: Method
    reason: str
    closed_at: Timestamp
