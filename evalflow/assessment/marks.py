"""A scorer's mark for a leaf, and a leaf's marks aggregated — what the 综合测评 reads (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple

MICRO = 10**6  # a mark has at most six decimals (a rubric grade: points, 2 dp, × a share, 4 dp)


class Mark(NamedTuple):
    """One scorer's points for one leaf, from one sheet (``sheet`` identifies it for the trace). A
    named tuple: a campaign's composite reads 108,000 of them (bench/README.md, 综合测评), and a tuple
    is made several times faster than a frozen dataclass."""

    scorer: str
    points: Decimal
    sheet: int | str | None = None


class LeafStats(NamedTuple):
    """A leaf's marks for one unit, aggregated: how many, their sum, the lowest and the highest — the
    three points figures in millionths of a point (:data:`MICRO`), so that sums stay exact integers
    (the database sums them the same way: :func:`evalflow.review.sources.counted_stats`)."""

    count: int
    total: int
    low: int
    high: int


def micro(points: Decimal) -> int:
    """*points* in millionths of a point; a finer mark is refused (no stored mark is finer)."""
    scaled = points * MICRO
    if scaled != scaled.to_integral_value():
        raise ValueError(f"a mark finer than a millionth of a point: {points}")
    return int(scaled)


def from_micro(scaled: int) -> Decimal:
    """Millionths of a point as points (the inverse of :func:`micro`)."""
    return Decimal(scaled).scaleb(-6)


def stats_of(marks: Sequence[Mark]) -> LeafStats:
    """The :class:`LeafStats` of *marks* (at least one)."""
    values = [micro(mark.points) for mark in marks]
    return LeafStats(len(values), sum(values), min(values), max(values))


def stats_by_code(marks: Mapping[str, Sequence[Mark]]) -> dict[str, LeafStats]:
    """Per leaf code, the :class:`LeafStats` of its marks (codes without marks left out)."""
    return {code: stats_of(found) for code, found in marks.items() if found}
