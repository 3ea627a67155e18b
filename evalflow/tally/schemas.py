"""Tally shapes (contract: *Tally*): the tally, its checks (participation, bias signals), the
settings, and the proposed list (拟表彰对象)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from evalflow.shared.api.schemas import Id, Input, Output, Query, text
from evalflow.tally.bias import MAX_COUNT, MAX_MARGIN
from evalflow.tally.models import ProposalRule
from evalflow.tally.rules import MAX_DEVIATION_REASON, MAX_PROPOSAL_K, MAX_SCORE_THRESHOLD, TallyMethod

Number = float | None


class SliceOut(Output):
    """A unit's ballots from one seat role or one source."""

    counts: dict[str, int]
    ballots: int
    mean: Number


class UnitTallyOut(Output):
    unit_id: int
    name: str
    category: str
    counts: dict[str, int] = Field(description="ballots per grade label, every label of the scale")
    ballots: int
    expected: int = Field(description="seats of the other units of the campaign")
    mean: Number
    trimmed_mean: Number
    median: Number
    score: Number
    score_exact: str | None = Field(description="the exact score as a fraction, e.g. '600/7'")
    rank: int
    by_role: dict[str, SliceOut] = Field(description="reporter | cadre | public; only with ?by_role=true")
    by_source: dict[str, SliceOut] = Field(description="online | paper")


class TallyQuery(Query):
    by_role: bool = Field(False, description="add each unit's ballots per seat role (by_role)")


class SealOut(Output):
    digest: str
    ballots: int
    method: TallyMethod
    sealed_at: datetime
    intact: bool = Field(
        description="the current ballots still hash to the sealed digest; false: a ballot was changed, added "
        "or removed since the seal (the figures are the current ballots', not to be relied on)"
    )
    current_digest: str = Field(description="SHA-256 of the canonical form of the current ballots")
    current_ballots: int = Field(description="the number of current ballots")


class TallyOut(Output):
    method: TallyMethod
    method_label: str
    units: list[UnitTallyOut]
    sealed: SealOut | None = Field(description="set once the briefing moved to review")


class SignalOut(Output):
    kind: str = Field(description="flat | reciprocity | downgrade")
    label: str
    seats: list[str]
    unit_ids: list[int]
    figures: dict[str, object]


class MissingOut(Output):
    seat: str
    seat_unit_id: int
    role: str
    unit_ids: list[int]


class ChecksOut(Output):
    digest: str = Field(description="SHA-256 of the canonical form of the current ballots (docs/tally.md)")
    ballots: int
    sealed_digest: str | None = Field(None, description="the digest sealed at briefing → review; null before")
    seal_intact: bool | None = Field(
        None, description="digest equals sealed_digest (and the counts agree); null before the seal"
    )
    missing: list[MissingOut]
    signals: list[SignalOut]


class SettingsIn(Input):
    method: TallyMethod | None = None
    flat_min_ballots: int | None = Field(None, ge=1, le=MAX_COUNT)
    reciprocity_margin: int | float | None = Field(None, gt=0, le=MAX_MARGIN)
    downgrade_margin: int | float | None = Field(None, gt=0, le=MAX_MARGIN)
    leading_units: int | None = Field(None, ge=1, le=MAX_COUNT)


class SettingsOut(Output):
    method: TallyMethod
    flat_min_ballots: int
    reciprocity_margin: float
    downgrade_margin: float
    leading_units: int


class ProposalIn(Input):
    rule: ProposalRule = Field(description="composite is refused here: POST …/composite/proposal sets it")
    k: int | None = Field(None, ge=1, le=MAX_PROPOSAL_K)
    per_category: bool = False
    threshold: int | float | None = Field(None, ge=0, le=MAX_SCORE_THRESHOLD)
    unit_ids: list[Id] | None = Field(
        None, description="required for manual; otherwise adjusts the rule's list"
    )
    reasons: dict[str, text(MAX_DEVIATION_REASON)] = Field(  # type: ignore[valid-type]
        default_factory=dict, description="unit id → the written reason of each deviation from the ranking"
    )


class ProposalEntryOut(Output):
    unit_id: int
    name: str
    included: bool
    deviation: bool
    reason: str
    rank: int | None
    score: Number


class ProposalOut(Output):
    rule: ProposalRule | None
    k: int | None
    per_category: bool
    threshold: float | None
    unit_ids: list[int] = Field(description="the proposed list, in list order")
    entries: list[ProposalEntryOut]
    vetoed_unit_ids: list[int]
    seal_intact: bool | None = Field(
        None,
        description="false: the ballots changed since the seal — the list cannot be changed (409 seal_broken) "
        "nor the notice published; null before the seal",
    )
