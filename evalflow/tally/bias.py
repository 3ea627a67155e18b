"""Bias signals (for the office's judgement, never applied to the score). Definitions: docs/tally.md.

Each signal names the seats and units involved and the figures behind it. Points come from the
scale; every average is an exact :class:`~fractions.Fraction`. A *delegation* is the (up to three)
seats of one unit.

- **flat rater**: a seat that cast at least ``flat_min_ballots`` ballots, all of the same grade;
- **reciprocity**: units A and B whose delegations each grade the other at least
  ``reciprocity_margin`` points above the mean the other unit receives from every *other* delegation;
- **strategic downgrading**: a delegation whose grades for the leading units (the ``leading_units``
  best ranked, its own excluded) are on average at least ``downgrade_margin`` points below the mean
  those units receive from every other delegation, over at least two such units.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from evalflow.shared.bounds import is_ascii_number
from evalflow.shared.campaigns.scale import Grade
from evalflow.shared.errors import InvalidInput
from evalflow.shared.messages import N_, Message, msg

MAX_MARGIN = Decimal(1000)
MAX_COUNT = 1000  # flat_min_ballots and leading_units


@dataclass(frozen=True)
class Thresholds:
    flat_min_ballots: int = 5
    reciprocity_margin: Decimal = Decimal(15)
    downgrade_margin: Decimal = Decimal(15)
    leading_units: int = 5


def parse_thresholds(data: Mapping[str, object], current: Thresholds) -> Thresholds:
    """Validated thresholds from *data* (missing keys keep *current*); every problem at once."""
    errors: dict[str, list[Message]] = {}
    values: dict[str, object] = {}
    for key in ("flat_min_ballots", "leading_units"):
        if key in data:
            raw = data[key]
            text = str(raw).strip()
            if (
                isinstance(raw, bool)
                or not isinstance(raw, int | str)
                or not is_ascii_number(text)  # str.isdigit() also takes "²", which int() refuses
                or len(text) > len(str(MAX_COUNT))
                or not 1 <= int(text) <= MAX_COUNT
            ):
                errors[key] = [msg(N_("须为 1 到 %(max)d 之间的整数。"), max=MAX_COUNT)]
            else:
                values[key] = int(text)
    for key in ("reciprocity_margin", "downgrade_margin"):
        if key in data:
            try:
                value = Decimal(str(data[key]).strip())
                ok = value.is_finite() and 0 < value <= MAX_MARGIN and not isinstance(data[key], bool)
            except ArithmeticError:
                ok = False
            if not ok:
                errors[key] = [msg(N_("须为大于 0、不超过 %(max)s 的分值。"), max=str(MAX_MARGIN))]
            else:
                values[key] = value
    if errors:
        raise InvalidInput(fields=errors)
    merged = {**current.__dict__, **values}
    return Thresholds(**merged)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Vote:
    """One ballot as the signals see it: who (seat, its unit), for whom, which grade."""

    seat: str
    seat_unit_id: int
    unit_id: int
    grade: str


@dataclass(frozen=True)
class Signal:
    kind: str  # "flat" | "reciprocity" | "downgrade"
    seats: tuple[str, ...]
    unit_ids: tuple[int, ...]
    figures: dict[str, object] = field(default_factory=dict)


SIGNAL_LABELS = {
    "flat": N_("评分无区分(所有单位同一档次)"),
    "reciprocity": N_("互相抬分"),
    "downgrade": N_("压低领先单位"),
}


@dataclass(frozen=True)
class Aggregates:
    """What the signals need, aggregated (the service gets it from GROUP BY queries):

    - ``seat_grades[seat] = (seat's unit, {grade: ballots})``;
    - ``pairs[(delegation unit, unit)] = (sum of points × factor, ballots)`` — integers, exact;
    - ``delegations[unit] = the pseudonyms of that unit's seats``.
    """

    seat_grades: dict[str, tuple[int, dict[str, int]]]
    pairs: dict[tuple[int, int], tuple[int, int]]
    factor: int
    delegations: dict[int, tuple[str, ...]]


def scale_factor(scale: Sequence[Grade]) -> int:
    """10 ** the most decimal places of any grade's points, so that points × factor are integers."""
    places = [-int(g.points.normalize().as_tuple().exponent) for g in scale]
    return 10 ** max([0, *places])


def scaled_points(scale: Sequence[Grade]) -> dict[str, int]:
    factor = scale_factor(scale)
    return {g.label: int(g.points * factor) for g in scale}


def aggregate(votes: Iterable[Vote], scale: Sequence[Grade]) -> Aggregates:
    """The aggregates of a list of votes (what the service's queries return, for tests and tools)."""
    points = scaled_points(scale)
    seat_grades: dict[str, tuple[int, dict[str, int]]] = {}
    pairs: dict[tuple[int, int], tuple[int, int]] = {}
    delegations: dict[int, set[str]] = {}
    for v in votes:
        unit, grades = seat_grades.setdefault(v.seat, (v.seat_unit_id, {}))
        grades[v.grade] = grades.get(v.grade, 0) + 1
        delegations.setdefault(v.seat_unit_id, set()).add(v.seat)
        if v.grade in points:
            total, n = pairs.get((v.seat_unit_id, v.unit_id), (0, 0))
            pairs[(v.seat_unit_id, v.unit_id)] = (total + points[v.grade], n + 1)
    return Aggregates(
        seat_grades, pairs, scale_factor(scale), {u: tuple(sorted(s)) for u, s in delegations.items()}
    )


def flat_raters(agg: Aggregates, thresholds: Thresholds) -> list[Signal]:
    out = []
    for seat, (unit, grades) in sorted(agg.seat_grades.items()):
        cast = sum(grades.values())
        used = [g for g, n in grades.items() if n]
        if cast >= thresholds.flat_min_ballots and len(used) == 1:
            out.append(Signal("flat", (seat,), (unit,), {"grade": used[0], "ballots": cast}))
    return out


class _Matrix:
    """Scaled point sums and counts per (delegation, unit), and per unit over every delegation."""

    def __init__(self, agg: Aggregates) -> None:
        self.cell = agg.pairs
        self.factor = agg.factor
        self.received: dict[int, tuple[int, int]] = {}
        for (_, unit), (total, n) in agg.pairs.items():
            t, c = self.received.get(unit, (0, 0))
            self.received[unit] = (t + total, c + n)

    def given_raw(self, giver: int, unit: int) -> tuple[int, int]:
        return self.cell.get((giver, unit), (0, 0))

    def others_raw(self, unit: int, *excluded: int) -> tuple[int, int]:
        """Sum and count of what *unit* receives from every delegation but *excluded*."""
        total, n = self.received.get(unit, (0, 0))
        for giver in excluded:
            t, c = self.cell.get((giver, unit), (0, 0))
            total, n = total - t, n - c
        return total, n

    def mean(self, raw: tuple[int, int]) -> Fraction:
        return Fraction(raw[0], raw[1] * self.factor)

    def exceeds(self, high: tuple[int, int], low: tuple[int, int], margin: Fraction) -> bool:
        """mean(high) − mean(low) ≥ margin, in integers (no fraction is built for the common case)."""
        (sh, nh), (sl, nl) = high, low
        return (sh * nl - sl * nh) * margin.denominator >= margin.numerator * nh * nl * self.factor


def _seats(agg: Aggregates, *units: int) -> tuple[str, ...]:
    return tuple(sorted({s for u in units for s in agg.delegations.get(u, ())}))


def reciprocity(agg: Aggregates, thresholds: Thresholds, matrix: _Matrix | None = None) -> list[Signal]:
    m = matrix or _Matrix(agg)
    margin = Fraction(thresholds.reciprocity_margin)
    out = []
    for (a, b), ab in sorted(m.cell.items()):
        if a >= b or not ab[1]:
            continue
        ba = m.given_raw(b, a)
        b_others, a_others = m.others_raw(b, a, b), m.others_raw(a, a, b)
        if not (ba[1] and b_others[1] and a_others[1]):
            continue
        if m.exceeds(ab, b_others, margin) and m.exceeds(ba, a_others, margin):
            figures = {"a_to_b": m.mean(ab), "b_from_others": m.mean(b_others),
                       "b_to_a": m.mean(ba), "a_from_others": m.mean(a_others)}  # fmt: skip
            out.append(Signal("reciprocity", _seats(agg, a, b), (a, b), figures))
    return out


def downgrading(
    agg: Aggregates, leading: Sequence[int], thresholds: Thresholds, matrix: _Matrix | None = None
) -> list[Signal]:
    """*leading* is the unit ids in rank order; the first ``leading_units`` of them count."""
    m = matrix or _Matrix(agg)
    margin = Fraction(thresholds.downgrade_margin)
    top = list(leading)[: thresholds.leading_units]
    out = []
    for giver in sorted({g for g, _ in m.cell}):
        gaps: list[tuple[int, Fraction, Fraction]] = []
        for unit in top:
            given, others = m.given_raw(giver, unit), m.others_raw(unit, giver, unit)
            if unit != giver and given[1] and others[1]:
                gaps.append((unit, m.mean(given), m.mean(others)))
        if len(gaps) < 2:
            continue
        deficit = sum((o - g for _, g, o in gaps), Fraction(0)) / len(gaps)
        if deficit >= margin:
            figures = {"delegation": giver, "deficit": deficit,
                       "units": [{"unit_id": u, "given": g, "from_others": o} for u, g, o in gaps]}  # fmt: skip
            out.append(Signal("downgrade", _seats(agg, giver), (giver, *(u for u, _, _ in gaps)), figures))
    return out


def signals(agg: Aggregates, leading: Sequence[int], thresholds: Thresholds) -> list[Signal]:
    """Every signal; the per-unit totals over the pairs are summed once for both pair signals."""
    matrix = _Matrix(agg)
    return [
        *flat_raters(agg, thresholds),
        *reciprocity(agg, thresholds, matrix),
        *downgrading(agg, leading, thresholds, matrix),
    ]
