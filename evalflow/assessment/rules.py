"""The 测评体系 (indicator tree): its vocabulary, limits, frozen shapes and totals — pure Python.

A campaign's tree has up to three levels (测评项目 / 测评内容 / 测评标准). Every leaf carries its points
and the method that scores it (材料审核, 实地考察, 问卷调查, 征求意见, 集中汇报互评); a parent's points are
its children's sum. Each level-1 item is one of three kinds, inherited by everything under it:

- ``base`` items make the base total (``total``, e.g. 100 points);
- ``bonus`` items (特色/加分) make ``bonus_total``; the composite caps their sum at ``bonus_cap``;
- ``deduction`` items (负面清单) give the most points a problem can cost (``deduction_total``).

Points are :class:`~decimal.Decimal` with at most :data:`POINTS_PLACES` decimals, never floats;
the composite turns them into :class:`~fractions.Fraction`. :mod:`.parse` builds these shapes from
an API body and is the only way user input becomes a :class:`Tree`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cached_property

from evalflow.assessment.marks import micro
from evalflow.intake.rules import MAX_CATEGORY
from evalflow.shared.messages import N_

MAX_DEPTH = 3
MAX_ITEMS = 500  # every node of the tree, parents included
MAX_CODE = 16
CODE_PATTERN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,15})")
# Error ``fields`` are keyed by item code and by these names, so no item may be called like them.
RESERVED_CODES = frozenset(
    {"items", "mode", "weights", "bonus_cap", "threshold", "tie_break", "gap_percent", "categories", "file"}
)
MAX_TITLE = 100
MAX_CRITERIA = 500  # the 2020 national edition limits an indicator's explanation to 500 字
MAX_LEAF_POINTS = Decimal(100)
POINTS_PLACES = 2
MAX_RUBRIC = 10  # grades or named deductions of one leaf
MIN_GRADES = 2
MAX_RUBRIC_LABEL = 50
RUBRIC_FORBIDDEN = frozenset(";;==")  # the workbook writes a rubric as "A=100%;B=75%"
WHOLE = 1  # a grade's share of the points is at most all of them
FRACTION_PLACES = 4  # a grade's share of the points: 0.7500, i.e. 75.00 %
MAX_BONUS_CAP = Decimal(1000)
MAX_THRESHOLD = Decimal(1000)
MAX_CATEGORIES = 20
MAX_QUOTA = 1000
DEFAULT_GAP_PERCENT = Decimal(30)
CATEGORY_LIMIT = MAX_CATEGORY
MAX_NUMBER_TEXT = 40
# A number as a person types it: ASCII digits, a point, an exponent. ``Decimal`` alone would also read
# "0_1" (as 1) and full-width or other scripts' digits ("３" as 3).
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
MAX_MAGNITUDE = 10**9  # far above any points value; keeps Decimal.quantize in its precision


class Method(enum.StrEnum):
    """Who scores a leaf: the five sources of the composite."""

    MATERIALS = "materials"
    INSPECTION = "inspection"
    SURVEY = "survey"
    OPINIONS = "opinions"
    BRIEFING = "briefing"

    @property
    def label(self) -> str:
        return METHOD_LABELS[self]


METHOD_LABELS: dict[Method, str] = {
    Method.MATERIALS: N_("材料审核"),
    Method.INSPECTION: N_("实地考察"),
    Method.SURVEY: N_("问卷调查"),
    Method.OPINIONS: N_("征求意见"),
    Method.BRIEFING: N_("集中汇报互评"),
}

# Methods whose leaves are scored on sheets (per leaf points, a rubric); the briefing's and the
# survey's leaves are computed from the tally and the 满意率.
SHEET_METHODS = frozenset({Method.MATERIALS, Method.INSPECTION, Method.OPINIONS})
# A 负面清单 item is found by someone who looks: a reviewer, an inspector, a department.
DEDUCTION_METHODS = SHEET_METHODS


class Mode(enum.StrEnum):
    """How the composite is made (see :mod:`.composite`)."""

    POINTS = "points"
    WEIGHTED = "weighted"

    @property
    def label(self) -> str:
        return MODE_LABELS[self]


MODE_LABELS: dict[Mode, str] = {Mode.POINTS: N_("按分值计分"), Mode.WEIGHTED: N_("按来源加权")}


class Kind(enum.StrEnum):
    BASE = "base"
    BONUS = "bonus"
    DEDUCTION = "deduction"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS: dict[Kind, str] = {
    Kind.BASE: N_("基本项"),
    Kind.BONUS: N_("加分项"),
    Kind.DEDUCTION: N_("扣分项"),
}

# Tie-break keys besides the methods: more bonus first, fewer deductions first.
TIE_BONUS = "bonus"
TIE_DEDUCTIONS = "deductions"
TIE_KEYS = (*(m.value for m in Method), TIE_BONUS, TIE_DEDUCTIONS)
TIE_LABELS: dict[str, str] = {
    **{m.value: m.label for m in Method},
    TIE_BONUS: N_("特色加分"),
    TIE_DEDUCTIONS: N_("负面清单扣分"),
}


@dataclass(frozen=True)
class Grade:
    """One rubric grade (A, B, …): the share of the leaf's points it gives, 0 to 1."""

    label: str
    fraction: Decimal


@dataclass(frozen=True)
class Shortfall:
    """One named deduction of a leaf's rubric (e.g. 台账不全 −0.5)."""

    label: str
    points: Decimal


@dataclass(frozen=True)
class Rubric:
    """Either grades (strictly decreasing shares) or named deductions, never both."""

    grades: tuple[Grade, ...] = ()
    shortfalls: tuple[Shortfall, ...] = ()

    def grade_points(self, points: Decimal, label: str) -> Fraction:
        """Points for grade *label*: the leaf's points × the grade's share (KeyError if unknown)."""
        for grade in self.grades:
            if grade.label == label:
                return Fraction(points) * Fraction(grade.fraction)
        raise KeyError(label)

    def points_after(self, points: Decimal, labels: list[str] | tuple[str, ...]) -> Fraction:
        """The leaf's points minus the named deductions found (each counted once), never below 0."""
        chosen = set(labels)
        unknown = chosen - {s.label for s in self.shortfalls}
        if unknown:
            raise KeyError(sorted(unknown)[0])
        lost = sum((Fraction(s.points) for s in self.shortfalls if s.label in chosen), Fraction(0))
        return max(Fraction(0), Fraction(points) - lost)


@dataclass(frozen=True)
class Item:
    """A node of the tree. A leaf has ``method`` and its own ``points``; a parent's ``points``
    are its children's sum and it has no method, rubric or evidence flag."""

    code: str
    title: str
    points: Decimal
    criteria: str = ""
    method: Method | None = None
    kind: Kind = Kind.BASE
    evidence: bool = False
    rubric: Rubric | None = None
    children: tuple[Item, ...] = ()

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def walk(self) -> Iterator[Item]:
        """This item, then its descendants, depth first in their written order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class CategoryRule:
    """A unit category's own threshold (overrides the tree's) and quota (名额)."""

    threshold: Decimal | None = None
    quota: int | None = None


@dataclass(frozen=True)
class Settings:
    """The declared rules of the composite, shown next to every result (:func:`.composite.formula`)."""

    mode: Mode = Mode.POINTS
    weights: tuple[tuple[Method, Decimal], ...] = ()
    bonus_cap: Decimal | None = None
    threshold: Decimal | None = None
    tie_break: tuple[str, ...] = ()
    gap_percent: Decimal = DEFAULT_GAP_PERCENT
    categories: tuple[tuple[str, CategoryRule], ...] = ()

    def weight(self, method: Method) -> Decimal | None:
        return dict(self.weights).get(method)

    def category(self, name: str) -> CategoryRule:
        """The rule of category *name*, its threshold defaulting to the tree's."""
        rule = dict(self.categories).get(name, CategoryRule())
        threshold = rule.threshold if rule.threshold is not None else self.threshold
        return CategoryRule(threshold, rule.quota)


@dataclass(frozen=True)
class Totals:
    """Live totals for the editing page: ``items`` holds every node's points by code."""

    total: Decimal
    bonus_total: Decimal
    deduction_total: Decimal
    items: dict[str, Decimal] = field(default_factory=dict)
    methods: dict[Method, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Tree:
    settings: Settings
    items: tuple[Item, ...]

    def walk(self) -> Iterator[Item]:
        for item in self.items:
            yield from item.walk()

    def leaves(self, kind: Kind | None = None, method: Method | None = None) -> list[Item]:
        """The leaves in written order, optionally only of one kind and/or one method (cached:
        the composite asks for them once per unit)."""
        key = (kind, method)
        if key not in self._leaves:
            self._leaves[key] = tuple(
                i
                for i in self.walk()
                if i.is_leaf and (kind is None or i.kind is kind) and (method is None or i.method is method)
            )
        return list(self._leaves[key])

    @cached_property
    def _leaves(self) -> dict[tuple[Kind | None, Method | None], tuple[Item, ...]]:
        return {}

    @cached_property
    def index(self) -> dict[str, Item]:
        return {item.code: item for item in self.walk()}

    def find(self, code: str) -> Item | None:
        return self.index.get(code)

    @cached_property
    def micro_points(self) -> dict[str, int]:
        """Each leaf's points in millionths of a point (:func:`.marks.micro`), by code."""
        return {item.code: micro(item.points) for item in self.leaves()}

    @cached_property
    def leaf_order(self) -> dict[str, int]:
        """Each leaf's position in written order, by code."""
        return {item.code: n for n, item in enumerate(self.leaves())}

    def methods(self) -> list[Method]:
        """The methods that have base leaves (the sources of the composite), in Method order."""
        present = {i.method for i in self.leaves(Kind.BASE)}
        return [m for m in Method if m in present]

    def totals(self) -> Totals:
        """Base, bonus and deduction totals, every node's points, and base points per method."""
        sums = {kind: Decimal(0) for kind in Kind}
        for item in self.items:
            sums[item.kind] += item.points
        methods: dict[Method, Decimal] = {}
        for leaf in self.leaves(Kind.BASE):
            assert leaf.method is not None
            methods[leaf.method] = methods.get(leaf.method, Decimal(0)) + leaf.points
        return Totals(
            sums[Kind.BASE],
            sums[Kind.BONUS],
            sums[Kind.DEDUCTION],
            {i.code: i.points for i in self.walk()},
            {m: methods[m] for m in Method if m in methods},
        )

    def highest_total(self) -> Decimal:
        """The best total a unit can reach: the base (or 100 % when weighted) plus the capped bonus."""
        totals = self.totals()
        base = Decimal(100) if self.settings.mode is Mode.WEIGHTED else totals.total
        cap = self.settings.bonus_cap
        return base + (totals.bonus_total if cap is None else min(cap, totals.bonus_total))


# --- numbers: exact decimals from user input ------------------------------------------------


def decimal_of(value: object, places: int) -> Decimal | None:
    """*value* as an exact, finite Decimal with at most *places* decimals, else None. A float is read
    by its shortest spelling (``0.1`` is 0.1), so JSON numbers keep the value the user typed."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        text = repr(value)
    elif isinstance(value, int) and abs(value) > MAX_MAGNITUDE:
        return None
    elif isinstance(value, int | Decimal | str):
        text = str(value).strip()
    else:
        return None
    if len(text) > MAX_NUMBER_TEXT or (isinstance(value, str) and PLAIN_NUMBER.fullmatch(text) is None):
        return None
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or abs(number) > MAX_MAGNITUDE:
        return None
    if number.normalize().as_tuple().exponent < -places:  # type: ignore[operator]
        return None
    return plain(number)


def plain(number: Decimal) -> Decimal:
    """A canonical spelling: ``100`` not ``1E+2`` or ``100.00``; ``2.5`` not ``2.50``."""
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


def points_of(value: object, high: Decimal, *, low_exclusive: bool = True) -> Decimal | None:
    number = decimal_of(value, POINTS_PLACES)
    if number is None or number > high or number < 0 or (low_exclusive and number == 0):
        return None
    return number


# --- numbers in JSON ---------------------------------------------------------------------------


def number(value: Decimal) -> int | float:
    """A JSON number for a points value (at most 4 decimals, so the float prints back exactly)."""
    return int(value) if value == value.to_integral_value() else float(value)
