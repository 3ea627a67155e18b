"""The tally (综合评定): counts, means, the chosen score, ranks — exact arithmetic, plain Python.

Every figure is a :class:`~fractions.Fraction` computed from grade counts and the scale's points;
rounding happens only for display (:func:`display`). The rules (contract, *Tally*):

- ``mean`` is over all ballots of a unit;
- ``trimmed_mean`` drops one highest and one lowest ballot (去掉一个最高分和一个最低分) when the unit
  has at least :data:`TRIM_MIN_BALLOTS` ballots, else equals ``mean``;
- ``median`` is the middle ballot (the mean of the two middle ones for an even count);
- ``score`` is the campaign's method (default trimmed mean);
- ranks: higher score first, then more ballots of the top grade (好), then more of the second (较好);
  units still equal share a rank (1, 2, 2, 4). A unit without ballots has no score and ranks last.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache

from evalflow.shared.campaigns.scale import Grade
from evalflow.shared.errors import InvalidInput
from evalflow.shared.messages import N_, msg

TRIM_MIN_BALLOTS = 5
MAX_DEVIATION_REASON = 500  # the office's written reason for a deviation from the ranking
MAX_PROPOSAL_K = 1000
MAX_SCORE_THRESHOLD = 1000  # the scale's points are at most 1000 (shared.campaigns.scale)


class TallyMethod(enum.StrEnum):
    TRIMMED_MEAN = "trimmed_mean"
    MEAN = "mean"
    MEDIAN = "median"

    @property
    def label(self) -> str:
        return METHOD_LABELS[self]


METHOD_LABELS: dict[TallyMethod, str] = {
    TallyMethod.TRIMMED_MEAN: N_("去掉一个最高分和一个最低分后的平均分"),
    TallyMethod.MEAN: N_("平均分"),
    TallyMethod.MEDIAN: N_("中位数"),
}


def parse_method(value: object) -> TallyMethod:
    try:
        return TallyMethod(str(value))
    except ValueError:
        raise InvalidInput(
            fields={"method": [msg(N_("计分方法须为 trimmed_mean、mean 或 median。"))]}
        ) from None


def ordered(scale: Iterable[Grade]) -> tuple[Grade, ...]:
    """The grades from the most points to the fewest (好, 较好, 一般 by default)."""
    return tuple(sorted(scale, key=lambda g: g.points, reverse=True))


@dataclass(frozen=True)
class Figures:
    """Ballots, mean, trimmed mean and median of one set of grade counts (None without ballots)."""

    ballots: int
    mean: Fraction | None
    trimmed_mean: Fraction | None
    median: Fraction | None

    def score(self, method: TallyMethod) -> Fraction | None:
        return {
            TallyMethod.TRIMMED_MEAN: self.trimmed_mean,
            TallyMethod.MEAN: self.mean,
            TallyMethod.MEDIAN: self.median,
        }[method]


@lru_cache(maxsize=128)
def _scaled(scale: tuple[Grade, ...]) -> tuple[int, tuple[tuple[str, int], ...]]:
    """(factor, ((label, points × factor), …)) from the most points to the fewest, where factor is
    the power of ten that makes every grade's points an integer — so sums stay integers."""
    grades = ordered(scale)
    places = max([0, *(-int(g.points.normalize().as_tuple().exponent) for g in grades)])
    factor = 10**places
    return factor, tuple((g.label, int(g.points * factor)) for g in grades)


def _nth(points: list[tuple[int, int]], index: int) -> int:
    """The *index*-th ballot (0-based) in descending order of points."""
    seen = 0
    for value, count in points:
        seen += count
        if index < seen:
            return value
    raise IndexError(index)


def figures(counts: Mapping[str, int], scale: Sequence[Grade]) -> Figures:
    """Exact figures from grade counts (labels not on the scale are ignored); no per-ballot list is
    built, and sums are integers until the one division of each figure."""
    factor, grades = _scaled(tuple(scale))
    points = [(value, counts.get(label, 0)) for label, value in grades if counts.get(label, 0) > 0]
    n = sum(c for _, c in points)
    if n == 0:
        return Figures(0, None, None, None)
    total = sum(value * count for value, count in points)
    mean = Fraction(total, n * factor)
    trimmed = (
        Fraction(total - points[0][0] - points[-1][0], (n - 2) * factor) if n >= TRIM_MIN_BALLOTS else mean
    )
    if n % 2:
        median = Fraction(_nth(points, n // 2), factor)
    else:
        median = Fraction(_nth(points, n // 2 - 1) + _nth(points, n // 2), 2 * factor)
    return Figures(n, mean, trimmed, median)


def display(value: Fraction | None, places: int = 2) -> Decimal | None:
    """*value* rounded half-up to *places* decimals — for display only, never for comparisons."""
    if value is None:
        return None
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def exact_text(value: Fraction | None) -> str | None:
    """An exact, reproducible spelling: ``"260/3"`` or ``"85"``."""
    if value is None:
        return None
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


@dataclass(frozen=True)
class UnitInfo:
    unit_id: int
    name: str
    category: str = ""
    expected: int = 0


@dataclass(frozen=True)
class UnitResult:
    unit_id: int
    name: str
    category: str
    counts: dict[str, int]
    expected: int
    figures: Figures
    score: Fraction | None
    rank: int = 0

    @property
    def ballots(self) -> int:
        return self.figures.ballots


def rank_key(result: UnitResult, scale: Sequence[Grade]) -> tuple[int, Fraction, int, int]:
    """Sort key, larger is better: has a score, the score, ballots of the top, then the second grade."""
    grades = ordered(scale)
    top = result.counts.get(grades[0].label, 0) if grades else 0
    second = result.counts.get(grades[1].label, 0) if len(grades) > 1 else 0
    has = result.score is not None
    return (1 if has else 0, result.score if has else Fraction(0), top, second)


def ranked(results: Iterable[UnitResult], scale: Sequence[Grade]) -> list[UnitResult]:
    """Results ordered by rank (then unit id), with competition ranks: equal keys share a rank."""
    items = sorted(results, key=lambda r: r.unit_id)
    items.sort(key=lambda r: rank_key(r, scale), reverse=True)
    out: list[UnitResult] = []
    previous = None
    rank = 0
    for position, result in enumerate(items, start=1):
        key = rank_key(result, scale)
        if key != previous:
            rank, previous = position, key
        out.append(_with_rank(result, rank))
    return out


def _with_rank(result: UnitResult, rank: int) -> UnitResult:
    return UnitResult(
        result.unit_id, result.name, result.category, result.counts, result.expected,
        result.figures, result.score, rank,
    )  # fmt: skip


def compute(
    scale: Sequence[Grade],
    units: Iterable[UnitInfo],
    counts: Mapping[int, Mapping[str, int]],
    method: TallyMethod = TallyMethod.TRIMMED_MEAN,
) -> list[UnitResult]:
    """The ranked tally of *units* from their grade counts (``counts[unit_id][label]``)."""
    labels = [g.label for g in ordered(scale)]
    results = []
    for unit in units:
        unit_counts = counts.get(unit.unit_id, {})
        full = {label: int(unit_counts.get(label, 0)) for label in labels}
        figs = figures(full, scale)
        results.append(
            UnitResult(unit.unit_id, unit.name, unit.category, full, unit.expected, figs, figs.score(method))
        )
    return ranked(results, scale)


# --- breakdowns -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """Grade counts and figures of one slice (a unit's ballots from one seat role, or one source)."""

    counts: dict[str, int]
    figures: Figures


@dataclass(frozen=True)
class Breakdown:
    """``by_role[unit_id][role]`` and ``by_source[unit_id][source]``, each a :class:`Cell`."""

    by_role: dict[int, dict[str, Cell]] = field(default_factory=dict)
    by_source: dict[int, dict[str, Cell]] = field(default_factory=dict)


def _cells(
    rows: Iterable[tuple[int, str, str, int]], keys: Sequence[str], scale: Sequence[Grade]
) -> dict[int, dict[str, Cell]]:
    table: dict[int, dict[str, dict[str, int]]] = {}
    for unit_id, key, grade, n in rows:
        per = table.setdefault(unit_id, {k: {} for k in keys}).setdefault(key, {})
        per[grade] = per.get(grade, 0) + n
    labels = [g.label for g in ordered(scale)]
    out: dict[int, dict[str, Cell]] = {}
    for unit_id, slices in table.items():
        out[unit_id] = {}
        for key, counts in slices.items():
            full = {label: counts.get(label, 0) for label in labels}
            out[unit_id][key] = Cell(full, figures(full, scale))
    return out


def breakdown(
    source_rows: Iterable[tuple[int, str, str, int]],
    role_rows: Iterable[tuple[int, str, str, int]],
    scale: Sequence[Grade],
    roles: Sequence[str],
    sources: Sequence[str],
) -> Breakdown:
    """Per source cells from rows ``(unit_id, source, grade, n)`` and per role cells from rows
    ``(unit_id, role, grade, n)`` (both aggregate query results)."""
    return Breakdown(_cells(role_rows, roles, scale), _cells(source_rows, sources, scale))


def unit_counts(rows: Iterable[tuple[int, str, str, int]]) -> dict[int, dict[str, int]]:
    """Collapse aggregate rows ``(unit_id, source, grade, n)`` into ``counts[unit_id][grade]``."""
    out: dict[int, dict[str, int]] = {}
    for unit_id, _source, grade, n in rows:
        per = out.setdefault(unit_id, {})
        per[grade] = per.get(grade, 0) + n
    return out


@dataclass(frozen=True)
class Missing:
    """A seat that did not score some of the units it was expected to score."""

    seat: str
    seat_unit_id: int
    role: str
    unit_ids: tuple[int, ...]


def participation(
    seats: Iterable[tuple[str, int, str]], unit_ids: Iterable[int], cast: Iterable[tuple[str, int]]
) -> list[Missing]:
    """Which seats ``(seat, seat_unit_id, role)`` did not score which units (never their own)."""
    units = sorted(set(unit_ids))
    done: dict[str, set[int]] = {}
    for seat, unit_id in cast:
        done.setdefault(seat, set()).add(unit_id)
    out = []
    for seat, seat_unit, role in sorted(seats, key=lambda s: (s[1], s[0])):
        have = done.get(seat, set())
        missing = tuple(u for u in units if u != seat_unit and u not in have)
        if missing:
            out.append(Missing(seat, seat_unit, role, missing))
    return out
