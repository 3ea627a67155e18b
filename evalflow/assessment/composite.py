"""The 综合测评: one declared, traceable total per unit from every source — exact arithmetic.

Inputs are plain data (:class:`UnitInput`): per leaf the marks of the submitted (or signed) sheets,
the unit's tally score, its survey 满意率, the office's decisions on divergent leaves, the veto flag,
and the sources the office closed with a reason. Every figure is a :class:`~fractions.Fraction`;
rounding happens only for display (:func:`evalflow.tally.rules.display`, 2 decimals, half up).

A leaf's value (the contract, *Assessment*):

- sheet-scored leaves (材料审核, 实地考察, 征求意见): the mean of their marks — or, when the office
  decided a divergent leaf, the decided points; no mark yet: no value (the source is incomplete);
- ``briefing`` leaves: points × the unit's tally score ÷ the scale's highest grade points;
- ``survey`` leaves: points × the unit's 满意率;
- deduction (负面清单) leaves: the mean of the marks, i.e. the points a found problem costs;
  no mark means no problem found (0); a sheet-scored bonus leaf without marks was not claimed (0) —
  neither makes a source incomplete.

A unit's figures:

- mode ``points``: ``sources[m]`` = Σ values of the base leaves of method *m*;
- mode ``weighted``: ``sources[m]`` = (Σ values ÷ Σ points of *m*'s base leaves) × 100 × weight ÷ 100;
- both: ``bonus`` = min(Σ bonus leaves, ``bonus_cap``); ``deductions`` = Σ deduction leaves;
  ``total`` = Σ sources + bonus − deductions (not clamped: the declared formula, as written).

Ranks (:func:`ranked`): higher total first, then the declared tie-break keys in order (a source's
points: more first; ``bonus``: more first; ``deductions``: fewer first); units still equal share a
rank (1, 2, 2, 4). A vetoed unit (一票否决) has no rank and is listed after the ranked ones.

Speed (bench/README.md, 综合测评): a leaf's marks reach the core as their :class:`LeafStats` (count,
sum, lowest and highest, in millionths of a point, as the database aggregates them), so a unit's
sums are integer additions grouped by the number of marks — one Fraction per distinct count, not
one per leaf. The per-leaf :class:`LeafResult` objects (the trace's last step) are made only when
read (:attr:`UnitResult.leaves`), and only for the leaves that keep a source incomplete otherwise.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from functools import cached_property

from evalflow.assessment.marks import MICRO, LeafStats, Mark, micro, stats_by_code
from evalflow.assessment.rules import Item, Kind, Method, Mode, Tree

ZERO = Fraction(0)


@dataclass(frozen=True, slots=True)
class OfficeDecision:
    """The office's points for a divergent leaf, with its written reason."""

    points: Decimal
    reason: str
    by: str = ""


@dataclass(frozen=True)
class UnitInput:
    """Everything the composite needs about one unit. ``marks`` maps a leaf code to the marks of
    the unit's submitted or signed sheets; ``closed`` lists sources the office closed with a reason
    (their leaves without value count 0 and the source counts as complete)."""

    unit_id: int
    name: str = ""
    category: str = ""
    marks: Mapping[str, Sequence[Mark]] = field(default_factory=dict)
    tally_score: Fraction | None = None
    satisfied_rate: Fraction | None = None
    decisions: Mapping[str, OfficeDecision] = field(default_factory=dict)
    vetoed: bool = False
    closed: frozenset[Method] = frozenset()
    stats: Mapping[str, LeafStats] | None = None  # the marks aggregated; None: made from ``marks``

    def leaf_stats(self) -> Mapping[str, LeafStats]:
        """Per leaf code, its marks' :class:`LeafStats` (given, or made from ``marks``)."""
        if self.stats is not None:
            return self.stats
        return stats_by_code(self.marks)


class Basis(enum.StrEnum):
    """How a leaf's value was made (shown in the trace)."""

    MEAN = "mean"  # the mean of the sheets' marks
    DECISION = "decision"  # the office's decision on a divergent leaf
    TALLY = "tally"  # points × tally score ÷ highest grade points
    SURVEY = "survey"  # points × 满意率
    NONE = "none"  # no value yet (or a deduction leaf without marks: nothing found)


class Gap(enum.StrEnum):
    """Why a leaf keeps its source incomplete."""

    NO_SHEETS = "no_sheets"
    NO_TALLY = "no_tally"
    NO_SURVEY = "no_survey"
    DIVERGENT = "divergent"


@dataclass(frozen=True, slots=True)
class LeafResult:
    """One leaf of one unit: its value and what it was made from (the trace's last step)."""

    item: Item
    value: Fraction | None
    basis: Basis
    marks: tuple[Mark, ...] = ()
    factor: Fraction | None = None  # the tally score or the 满意率 the value was made from
    decision: OfficeDecision | None = None
    gap: Gap | None = None

    @property
    def counted(self) -> Fraction:
        return ZERO if self.value is None else self.value

    def contributions(self) -> list[tuple[Mark, Fraction]]:
        """Each mark and its share of the mean (its points ÷ the number of marks)."""
        n = len(self.marks)
        return [(m, Fraction(m.points) / n) for m in self.marks] if self.basis is Basis.MEAN else []


@dataclass(frozen=True, slots=True)
class SourceResult:
    """One method's base leaves of one unit: earned of possible points, and what the total gets."""

    method: Method
    earned: Fraction
    possible: Decimal
    points: Fraction
    percent: Fraction | None = None  # mode weighted: earned ÷ possible × 100
    weight: Decimal | None = None
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitResult:
    unit_id: int
    name: str
    category: str
    sources: dict[Method, SourceResult]
    bonus_raw: Fraction
    bonus: Fraction
    deductions: Fraction
    total: Fraction
    vetoed: bool
    missing: dict[Method, tuple[LeafResult, ...]]
    rank: int | None = None
    # what :attr:`leaves` is made from when read: the tree, the unit, the top points, its flagged codes
    made_from: tuple[Tree, UnitInput, Decimal, frozenset[str]] | None = field(
        default=None, compare=False, repr=False
    )

    @property
    def complete(self) -> bool:
        return not self.missing

    def source_points(self, method: Method) -> Fraction:
        source = self.sources.get(method)
        return ZERO if source is None else source.points

    @cached_property
    def leaves(self) -> dict[str, LeafResult]:
        """Every leaf's value and what it was made from, by code in tree order (made when first read:
        the results page needs only the sums)."""
        if self.made_from is None:
            return {}
        tree, unit, top_points, flagged = self.made_from
        stats = unit.leaf_stats()
        return {i.code: leaf_result(i, unit, top_points, flagged, stats) for i in tree.leaves()}


def _check_range(item: Item, stats: LeafStats, cap: int) -> None:
    """*stats*' marks lie within 0..the leaf's points (*cap*: those points in millionths)."""
    if stats.low < 0 or stats.high > cap:
        raise ValueError(f"a mark outside 0..{item.points} for {item.code}")


def exact_sum(values: Iterable[Fraction]) -> Fraction:
    """Σ *values*, adding numerators over equal denominators first (few Fraction additions: the
    leaves' means share a handful of denominators)."""
    by_denominator: dict[int, int] = {}
    for value in values:
        by_denominator[value.denominator] = by_denominator.get(value.denominator, 0) + value.numerator
    return sum((Fraction(n, d) for d, n in by_denominator.items()), ZERO)


def leaf_result(
    item: Item,
    unit: UnitInput,
    top_points: Decimal,
    divergent: set[str] | frozenset[str],
    stats: Mapping[str, LeafStats] | None = None,
) -> LeafResult:
    """The value of one leaf for one unit, by its method (see the module docstring). *stats*: the
    unit's :meth:`UnitInput.leaf_stats`, when the caller has them already."""
    if item.method is Method.BRIEFING:
        if unit.tally_score is None:
            return LeafResult(item, None, Basis.NONE, gap=Gap.NO_TALLY)
        value = Fraction(item.points) * unit.tally_score / Fraction(top_points)
        return LeafResult(item, value, Basis.TALLY, factor=unit.tally_score)
    if item.method is Method.SURVEY:
        if unit.satisfied_rate is None:
            return LeafResult(item, None, Basis.NONE, gap=Gap.NO_SURVEY)
        value = Fraction(item.points) * unit.satisfied_rate
        return LeafResult(item, value, Basis.SURVEY, factor=unit.satisfied_rate)
    marks = tuple(unit.marks.get(item.code, ()))
    decision = unit.decisions.get(item.code)
    if decision is not None:
        if not 0 <= decision.points <= item.points:
            raise ValueError(f"decision {decision.points} outside 0..{item.points} for {item.code}")
        return LeafResult(item, Fraction(decision.points), Basis.DECISION, marks, decision=decision)
    found = (unit.leaf_stats() if stats is None else stats).get(item.code)
    if found is None:
        gap = None if item.kind is not Kind.BASE else Gap.NO_SHEETS
        return LeafResult(item, ZERO if gap is None else None, Basis.NONE, gap=gap)
    _check_range(item, found, micro(item.points))
    gap = Gap.DIVERGENT if item.code in divergent else None
    value = Fraction(found.total, MICRO * found.count)
    return LeafResult(item, value, Basis.MEAN, marks, gap=gap)


def _add_leaves(
    items: Sequence[Item],
    unit: UnitInput,
    stats: Mapping[str, LeafStats],
    context: tuple[Tree, Decimal, frozenset[str]],
    gaps: list[LeafResult],
) -> Fraction:
    """Σ counted values of *items* for *unit* (*context*: the tree, the top points, the unit's flagged
    codes): the same values as :func:`leaf_result` (a test compares them), the sheet means added as
    integers per number of marks instead of a :class:`LeafResult` per leaf; a leaf with a gap is
    appended to *gaps*."""
    tree, top_points, flagged = context
    caps = tree.micro_points
    by_count: dict[int, int] = {}  # number of marks → Σ of those leaves' sums, in millionths
    others: list[Fraction] = []  # tally, survey and decided values
    for item in items:
        code = item.code
        found = stats.get(code)
        if found is None or item.method in (Method.BRIEFING, Method.SURVEY) or code in unit.decisions:
            leaf = leaf_result(item, unit, top_points, flagged, stats)
            if leaf.gap is not None:
                gaps.append(leaf)
            if leaf.value is not None:
                others.append(leaf.value)
            continue
        _check_range(item, found, caps[code])
        by_count[found.count] = by_count.get(found.count, 0) + found.total
        if code in flagged:
            gaps.append(leaf_result(item, unit, top_points, flagged, stats))
    sheets = sum((Fraction(total, MICRO * n) for n, total in by_count.items()), ZERO)
    return sheets + exact_sum(others)


def _sources(tree: Tree, earned_by: Mapping[Method, Fraction]) -> dict[Method, SourceResult]:
    """Each method's base leaves: in mode ``points`` their values' sum; in mode ``weighted`` that
    sum ÷ their points × the method's weight (the share as a percent × weight ÷ 100)."""
    weighted = tree.settings.mode is Mode.WEIGHTED
    out: dict[Method, SourceResult] = {}
    for method in tree.methods():
        items = tree.leaves(Kind.BASE, method)
        earned = earned_by[method]
        possible = sum((i.points for i in items), Decimal(0))
        codes = tuple(i.code for i in items)
        if not weighted:
            out[method] = SourceResult(method, earned, possible, earned, codes=codes)
            continue
        weight = tree.settings.weight(method) or Decimal(0)
        share = earned / Fraction(possible)
        out[method] = SourceResult(
            method, earned, possible, share * Fraction(weight), share * 100, weight, codes
        )
    return out


def _missing(
    tree: Tree, gaps: list[LeafResult], closed: frozenset[Method]
) -> dict[Method, tuple[LeafResult, ...]]:
    """The leaves with a gap, per method (in Method order, each in tree order), unless closed."""
    order = tree.leaf_order
    missing: dict[Method, list[LeafResult]] = {}
    for leaf in sorted(gaps, key=lambda g: order[g.item.code]):
        method = leaf.item.method
        if method is not None and method not in closed:
            missing.setdefault(method, []).append(leaf)
    return {m: tuple(missing[m]) for m in Method if m in missing}


def unit_result(
    tree: Tree, unit: UnitInput, top_points: Decimal, divergent: set[str] | None = None
) -> UnitResult:
    """One unit's composite (unranked). *divergent*: codes of this unit's leaves flagged by the
    divergence rule and not yet resolved (:func:`.review.divergences`)."""
    flagged = frozenset(divergent or ())
    stats = unit.leaf_stats()
    order = tree.leaf_order
    stray = [code for code in (*stats, *unit.marks) if code not in order]
    if stray:
        raise ValueError(f"marks for codes not in the tree: {stray[:5]}")
    context = (tree, top_points, flagged)
    gaps: list[LeafResult] = []
    earned = {
        method: _add_leaves(tree.leaves(Kind.BASE, method), unit, stats, context, gaps)
        for method in tree.methods()
    }
    sources = _sources(tree, earned)
    bonus_raw = _add_leaves(tree.leaves(Kind.BONUS), unit, stats, context, gaps)
    cap = tree.settings.bonus_cap
    bonus = bonus_raw if cap is None else min(bonus_raw, Fraction(cap))
    deductions = _add_leaves(tree.leaves(Kind.DEDUCTION), unit, stats, context, gaps)
    total = sum((s.points for s in sources.values()), ZERO) + bonus - deductions
    return UnitResult(
        unit.unit_id, unit.name, unit.category, sources, bonus_raw, bonus, deductions, total,
        unit.vetoed, _missing(tree, gaps, unit.closed), made_from=(tree, unit, top_points, flagged),
    )  # fmt: skip


def rank_key(result: UnitResult, tie_break: Sequence[str]) -> tuple[Fraction, ...]:
    """Sort key, larger is better: the total, then each declared tie-break key in order."""
    key = [result.total]
    for name in tie_break:
        if name == "bonus":
            key.append(result.bonus)
        elif name == "deductions":
            key.append(-result.deductions)
        else:
            key.append(result.source_points(Method(name)))
    return tuple(key)


def ranked(results: Iterable[UnitResult], tie_break: Sequence[str]) -> list[UnitResult]:
    """Results in rank order with competition ranks (1, 2, 2, 4); equal keys share a rank, listed
    by unit id; vetoed units follow, without a rank."""
    items = sorted(results, key=lambda r: r.unit_id)
    eligible = sorted((r for r in items if not r.vetoed), key=lambda r: rank_key(r, tie_break), reverse=True)
    out: list[UnitResult] = []
    previous: tuple[Fraction, ...] | None = None
    rank = 0
    for position, result in enumerate(eligible, start=1):
        key = rank_key(result, tie_break)
        if key != previous:
            rank, previous = position, key
        out.append(replace(result, rank=rank))
    return out + [r for r in items if r.vetoed]


def compute(
    tree: Tree,
    units: Iterable[UnitInput],
    top_points: Decimal,
    divergent: Mapping[int, set[str]] | None = None,
) -> list[UnitResult]:
    """The ranked composite of *units* under *tree*. *top_points*: the scale's highest grade points
    (the briefing's leaves are scaled by it); *divergent*: per unit, its unresolved divergent leaves."""
    flagged = divergent or {}
    results = [unit_result(tree, u, top_points, flagged.get(u.unit_id)) for u in units]
    return ranked(results, tree.settings.tie_break)
