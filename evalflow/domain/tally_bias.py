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

from .errors import InvalidInput
from .messages import N_, Message, msg
from .scale import Grade

MAX_MARGIN = Decimal(1000)


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
            if (
                isinstance(raw, bool)
                or not isinstance(raw, int | str)
                or not str(raw).strip().isdigit()
                or not 1 <= int(str(raw)) <= 1000
            ):
                errors[key] = [msg(N_("须为 1 到 1000 之间的整数。"))]
            else:
                values[key] = int(str(raw))
    for key in ("reciprocity_margin", "downgrade_margin"):
        if key in data:
            try:
                value = Decimal(str(data[key]).strip())
                ok = value.is_finite() and 0 < value <= MAX_MARGIN and not isinstance(data[key], bool)
            except ArithmeticError:
                ok = False
            if not ok:
                errors[key] = [msg(N_("须为大于 0、不超过 1000 的分值。"))]
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


def _mean(values: Sequence[Fraction]) -> Fraction:
    return sum(values, Fraction(0)) / len(values)


def flat_raters(votes: Sequence[Vote], thresholds: Thresholds) -> list[Signal]:
    by_seat: dict[str, list[Vote]] = {}
    for v in votes:
        by_seat.setdefault(v.seat, []).append(v)
    out = []
    for seat, cast in sorted(by_seat.items()):
        grades = {v.grade for v in cast}
        if len(cast) >= thresholds.flat_min_ballots and len(grades) == 1:
            out.append(
                Signal("flat", (seat,), (cast[0].seat_unit_id,),
                       {"grade": next(iter(grades)), "ballots": len(cast)})
            )  # fmt: skip
    return out


class _Matrix:
    """Points given by each delegation to each unit, kept as sums and counts (exact)."""

    def __init__(self, votes: Iterable[Vote], points: Mapping[str, Fraction]) -> None:
        self.cell: dict[tuple[int, int], tuple[Fraction, int]] = {}
        self.seats: dict[tuple[int, int], set[str]] = {}
        self.received: dict[int, tuple[Fraction, int]] = {}
        for v in votes:
            p = points.get(v.grade)
            if p is None:
                continue
            key = (v.seat_unit_id, v.unit_id)
            total, n = self.cell.get(key, (Fraction(0), 0))
            self.cell[key] = (total + p, n + 1)
            self.seats.setdefault(key, set()).add(v.seat)
            total, n = self.received.get(v.unit_id, (Fraction(0), 0))
            self.received[v.unit_id] = (total + p, n + 1)

    def given(self, giver: int, unit: int) -> Fraction | None:
        total, n = self.cell.get((giver, unit), (Fraction(0), 0))
        return total / n if n else None

    def others(self, unit: int, *excluded: int) -> Fraction | None:
        """The mean *unit* receives from every delegation but *excluded*."""
        total, n = self.received.get(unit, (Fraction(0), 0))
        for giver in excluded:
            t, c = self.cell.get((giver, unit), (Fraction(0), 0))
            total, n = total - t, n - c
        return total / n if n else None


def _points(scale: Sequence[Grade]) -> dict[str, Fraction]:
    return {g.label: Fraction(g.points) for g in scale}


def reciprocity(votes: Sequence[Vote], scale: Sequence[Grade], thresholds: Thresholds) -> list[Signal]:
    m = _Matrix(votes, _points(scale))
    margin = Fraction(thresholds.reciprocity_margin)
    units = sorted({u for _, u in m.cell} | {g for g, _ in m.cell})
    out = []
    for i, a in enumerate(units):
        for b in units[i + 1 :]:
            ab, ba = m.given(a, b), m.given(b, a)
            b_others, a_others = m.others(b, a, b), m.others(a, a, b)
            if None in (ab, ba, b_others, a_others):
                continue
            if ab - b_others >= margin and ba - a_others >= margin:  # type: ignore[operator]
                seats = tuple(sorted(m.seats[(a, b)] | m.seats[(b, a)]))
                out.append(
                    Signal("reciprocity", seats, (a, b),
                           {"a_to_b": ab, "b_from_others": b_others, "b_to_a": ba, "a_from_others": a_others})
                )  # fmt: skip
    return out


def downgrading(
    votes: Sequence[Vote], scale: Sequence[Grade], leading: Sequence[int], thresholds: Thresholds
) -> list[Signal]:
    """*leading* is the unit ids in rank order; the first ``leading_units`` of them count."""
    m = _Matrix(votes, _points(scale))
    margin = Fraction(thresholds.downgrade_margin)
    top = list(leading)[: thresholds.leading_units]
    givers = sorted({g for g, _ in m.cell})
    out = []
    for giver in givers:
        gaps: list[tuple[int, Fraction, Fraction]] = []
        for unit in top:
            if unit == giver:
                continue
            given, others = m.given(giver, unit), m.others(unit, giver, unit)
            if given is not None and others is not None:
                gaps.append((unit, given, others))
        if len(gaps) < 2:
            continue
        deficit = _mean([o - g for _, g, o in gaps])
        if deficit >= margin:
            seats = tuple(sorted(set().union(*(m.seats[(giver, u)] for u, _, _ in gaps))))
            out.append(
                Signal("downgrade", seats, (giver, *(u for u, _, _ in gaps)),
                       {"delegation": giver, "deficit": deficit,
                        "units": [{"unit_id": u, "given": g, "from_others": o} for u, g, o in gaps]})
            )  # fmt: skip
    return out


def signals(
    votes: Sequence[Vote], scale: Sequence[Grade], leading: Sequence[int], thresholds: Thresholds
) -> list[Signal]:
    return [
        *flat_raters(votes, thresholds),
        *reciprocity(votes, scale, thresholds),
        *downgrading(votes, scale, leading, thresholds),
    ]
