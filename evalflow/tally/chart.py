"""The side-by-side comparison (横向的直观的比较): one horizontal bar per unit, in rank order.

A bar's length is the unit's score on an axis from 0 to the scale's top points; the bar is split into
segments in proportion to the unit's grade distribution (好 / 较好 / 一般 …). The same layout feeds
the office's SVG chart and the tally PDF, so both always show the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from evalflow.shared.campaigns.scale import Grade
from evalflow.tally.rules import UnitResult, display, ordered


@dataclass(frozen=True)
class Segment:
    label: str
    index: int  # the grade's position on the scale: 0 = top grade
    count: int
    start: float  # 0..1 of the axis
    width: float  # 0..1 of the axis


@dataclass(frozen=True)
class Bar:
    unit_id: int
    name: str
    rank: int
    score_text: str
    length: float  # 0..1 of the axis
    ballots: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Tick:
    label: str
    position: float  # 0..1 of the axis


def bars(results: Sequence[UnitResult], scale: Sequence[Grade]) -> list[Bar]:
    grades = ordered(scale)
    top = Fraction(grades[0].points) if grades and grades[0].points > 0 else Fraction(1)
    out = []
    for r in results:
        length = (r.score / top) if r.score is not None else Fraction(0)
        segments, start = [], Fraction(0)
        for index, g in enumerate(grades):
            count = r.counts.get(g.label, 0)
            width = length * count / r.ballots if r.ballots else Fraction(0)
            segments.append(Segment(g.label, index, count, float(start), float(width)))
            start += width
        text = str(display(r.score)) if r.score is not None else "—"
        out.append(Bar(r.unit_id, r.name, r.rank, text, float(length), r.ballots, tuple(segments)))
    return out


def ticks(scale: Sequence[Grade]) -> list[Tick]:
    """Grid lines at 0 and at every grade's points."""
    grades = ordered(scale)
    top = Fraction(grades[0].points) if grades and grades[0].points > 0 else Fraction(1)
    points = sorted({Fraction(0), *(Fraction(g.points) for g in grades)})
    return [Tick(str(display(p, 0)), float(p / top)) for p in points]
