"""What an inspector may write on a 实地考察 sheet, checked against the tree — pure Python.

:func:`read_marks` is the one check (``PUT /visits/{vid}/sheets/mine`` and the office's amendment
both call it): ``scores`` ``{CODE: points}`` (0 to the leaf's points, two decimals; on a leaf with
rubric grades one of the grades' points; ``null`` clears), ``grades`` ``{CODE: LABEL}``, ``found``
``{CODE: [LABEL, …]}`` (the named deductions of a leaf's rubric) and ``comments`` ``{CODE: text}``.
Every code must be an ``inspection`` leaf; every problem is reported at once, keyed
``scores.CODE`` (or ``grades.CODE`` …) when the code is well formed, else under the field's name.

The materials review's sheets follow the same rules with another method; this module is written so
that the 测评体系's shared sheet check can replace :func:`read_marks` one for one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from evalflow.assessment.rules import CODE_PATTERN, POINTS_PLACES, Item, Kind, Method, Tree, decimal_of, plain
from evalflow.inspection.rules import MAX_COMMENT
from evalflow.shared.errors import InvalidInput
from evalflow.shared.messages import N_, Message, msg
from evalflow.shared.text import text_problem

METHOD = Method.INSPECTION
MAX_ENTRIES = 1000  # per field: more than any tree has leaves


@dataclass(frozen=True)
class Entry:
    """A leaf's points (None: cleared) and the rubric grade or deductions that made them."""

    points: Decimal | None
    grade: str | None = None
    found: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SheetInput:
    marks: dict[str, Entry]
    comments: dict[str, str]


def exact(value: Fraction) -> Decimal:
    """points × a share (at most six decimals) as an exact Decimal."""
    for places in range(13):
        scaled = value * 10**places
        if scaled.denominator == 1:
            return plain(Decimal(scaled.numerator).scaleb(-places))
    raise ValueError(value)


class _Reader:
    def __init__(self, tree: Tree) -> None:
        self.leaves = {leaf.code: leaf for leaf in tree.leaves(method=METHOD)}
        self.fields: dict[str, list[Message]] = {}

    def fail(self, field: str, code: object, message: Message) -> None:
        key = f"{field}.{code}" if isinstance(code, str) and CODE_PATTERN.fullmatch(code) else field
        reasons = self.fields.setdefault(key, [])
        if message not in reasons:
            reasons.append(message)

    def leaf(self, field: str, code: str) -> Item | None:
        leaf = self.leaves.get(code)
        if leaf is None:
            well_formed = isinstance(code, str) and CODE_PATTERN.fullmatch(code)
            self.fail(field, code, msg(N_("“%(code)s”不是实地考察的测评条目。"), code=code) if well_formed
                      else msg(N_("条目编码格式不正确。")))  # fmt: skip
        return leaf

    def points(self, code: str, value: object) -> Entry | None:
        leaf = self.leaf("scores", code)
        if leaf is None or value is None:
            return None if leaf is None else Entry(None)
        number = decimal_of(value, POINTS_PLACES)
        if number is None or number < 0 or number > leaf.points:
            problem = N_("“%(code)s”的得分须为 0 到 %(max)s 之间的数,最多两位小数。")
            return self.fail("scores", code, msg(problem, code=code, max=str(leaf.points)))
        if leaf.rubric is not None and leaf.rubric.grades:
            for grade in leaf.rubric.grades:
                if exact(leaf.rubric.grade_points(leaf.points, grade.label)) == number:
                    return Entry(number, grade=grade.label)
            return self.fail(
                "scores", code, msg(N_("“%(code)s”按档次评分:得分须为某一档次的分值。"), code=code)
            )
        return Entry(number)

    def grade(self, code: str, value: object) -> Entry | None:
        leaf = self.leaf("grades", code)
        if leaf is None:
            return None
        labels = [g.label for g in leaf.rubric.grades] if leaf.rubric is not None else []
        if value not in labels or leaf.rubric is None:
            return self.fail("grades", code, msg(N_("“%(code)s”的档次须为:%(labels)s。"), code=code,
                                                 labels="、".join(labels) or "—"))  # fmt: skip
        return Entry(exact(leaf.rubric.grade_points(leaf.points, str(value))), grade=str(value))

    def found(self, code: str, value: object) -> Entry | None:
        leaf = self.leaf("found", code)
        if leaf is None:
            return None
        labels = [s.label for s in leaf.rubric.shortfalls] if leaf.rubric is not None else []
        if not labels or not isinstance(value, list) or any(v not in labels for v in value):
            return self.fail("found", code, msg(N_("“%(code)s”的扣分项须为:%(labels)s。"), code=code,
                                                labels="、".join(labels) or "—"))  # fmt: skip
        chosen = tuple(label for label in labels if label in value)
        assert leaf.rubric is not None
        return Entry(exact(leaf.rubric.points_after(leaf.points, chosen)), found=chosen)

    def comment(self, code: str, value: object) -> str | None:
        if self.leaf("comments", code) is None:
            return None
        text = value.strip() if isinstance(value, str) else None
        problem = msg(N_("须为文字。")) if text is None else text_problem(text, required=False)
        if problem is None and text is not None and len(text) > MAX_COMMENT:
            problem = msg(N_("最多 %(max)d 字,现有 %(n)d 字。"), max=MAX_COMMENT, n=len(text))
        if problem is not None:
            return self.fail("comments", code, problem)
        return text


def read_marks(
    tree: Tree,
    scores: Mapping[str, object] | None = None,
    comments: Mapping[str, object] | None = None,
    grades: Mapping[str, object] | None = None,
    found: Mapping[str, object] | None = None,
) -> SheetInput:
    """The marks and comments of a sheet's body, or :class:`InvalidInput` with every problem."""
    reader = _Reader(tree)
    marks: dict[str, Entry] = {}
    for field, given, read in (("scores", scores, reader.points), ("grades", grades, reader.grade),
                               ("found", found, reader.found)):  # fmt: skip
        for code, value in (given or {}).items():
            mark = read(code, value)
            if mark is not None and code in marks:
                reader.fail(field, code, msg(N_("同一条目只能以一种方式评分。")))
            elif mark is not None:
                marks[code] = mark
    texts = {}
    for code, value in (comments or {}).items():
        text = reader.comment(code, value)
        if text is not None:
            texts[code] = text
    if reader.fields:
        raise InvalidInput(msg(N_("评分有误,请按提示修改。")), fields=reader.fields)
    return SheetInput(marks, texts)


def missing(tree: Tree, points: Mapping[str, Decimal | None]) -> list[str]:
    """The base ``inspection`` leaves still without points, in tree order (a sheet is submitted
    complete; an unmarked bonus leaf is not claimed, an unmarked deduction leaf found nothing)."""
    return [leaf.code for leaf in tree.leaves(Kind.BASE, METHOD) if points.get(leaf.code) is None]
