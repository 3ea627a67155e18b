"""The 综合测评's API shapes: the contract's ``GET …/composite`` plus extensions (names, category,
veto, missing leaves, qualification, the trace)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from evalflow.shared.api.schemas import Id, Input, Output, Query


class CompositeQuery(Query):
    trace: bool = Field(False, description="add each unit's trace (total → sources → leaves → sheets)")


class CompositeUnitOut(Output):
    unit_id: int
    name: str = Field(description="extension: the unit's name")
    category: str = Field(description="extension: the unit's category")
    sources: dict[str, float | None] = Field(description="per method, the non-bonus leaves' points")
    bonus: float | None
    deductions: float | None
    total: float | None
    rank: int | None
    complete: bool
    vetoed: bool = Field(description="extension: 一票否决 (no rank)")
    missing: dict[str, list[str]] = Field(
        description="extension: per method, the leaves keeping it incomplete"
    )
    qualifies: bool = Field(description="extension: threshold, quota per category and veto met")
    trace: dict[str, Any] | None = Field(None, description="extension, with ?trace=true")


class SealStateOut(Output):
    intact: bool
    digest: str
    current_digest: str


class CompositeOut(Output):
    mode: str
    formula: str = Field(description="extension: the declared settings as one sentence")
    units: list[CompositeUnitOut]
    sealed: SealStateOut | None = Field(None, description="extension: the seal of every source, once sealed")


class CompositeProposalIn(Input):
    unit_ids: list[Id] | None = Field(
        None, description="the office's list; default: every unit that qualifies"
    )
    reasons: dict[str, str] = Field(default_factory=dict, description="unit id → the reason for a deviation")


class CompositeProposalOut(Output):
    unit_ids: list[int]
    baseline: list[int] = Field(
        description="the units that qualify (threshold, quota per category, veto, ties)"
    )
    reasons: dict[str, str] = Field(description="unit id → the reason of each deviation")
