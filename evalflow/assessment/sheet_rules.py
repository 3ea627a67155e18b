"""What a scorer may write on a score sheet, checked against the tree — pure Python.

A sheet of one method (材料审核 here; 实地考察 and 征求意见 the same way) marks that method's leaves.
:func:`read_marks` reads the body of ``PUT …/materials-sheet`` and reports every problem at once:

- ``scores``: ``{CODE: points}``; points are a number from 0 to the leaf's points with at most two
  decimals, or ``null`` to clear the mark. On a leaf with rubric grades the points must be one of
  the grades' points (the grade is recorded with them);
- ``grades`` (extension): ``{CODE: LABEL}`` — a rubric grade; the points are the leaf's points × the
  grade's share (exactly, up to six decimals);
- ``found`` (extension): ``{CODE: [LABEL, …]}`` — the named deductions found on a leaf whose rubric
  lists deductions; the points are the leaf's points minus them, never below 0;
- ``comments``: ``{CODE: text}``, at most :data:`MAX_COMMENT` characters.

A code that is not a leaf of this method is refused; problems are keyed ``scores.CODE`` (or
``grades.CODE`` …) when the code is well formed, else under the field's name, so nothing the
client invented is echoed back. :func:`missing_for_submit` lists the base leaves still without
points (a sheet is submitted complete; an unmarked bonus leaf is not claimed, an unmarked
deduction leaf found nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from evalflow.assessment.rules import CODE_PATTERN, POINTS_PLACES, Item, Kind, Method, Tree, decimal_of, plain
from evalflow.shared.errors import InvalidInput
from evalflow.shared.messages import N_, Message, msg
from evalflow.shared.text import text_problem

MAX_COMMENT = 1000
MAX_REASON = 500  # the office's reason for a decision or a closed source
MAX_ENTRIES = 1000  # per field of one request: more than any tree has leaves


@dataclass(frozen=True)
class Entry:
    """A leaf's new points (None: cleared) and the rubric grade or the deductions that made them."""

    points: Decimal | None
    grade: str | None = None
    found: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SheetInput:
    marks: dict[str, Entry]
    comments: dict[str, str]


def exact_decimal(value: Fraction) -> Decimal:
    """A Fraction with a short decimal expansion (points × a share: six places at most) as an exact
    Decimal; ValueError for one that has none within twelve places."""
    for places in range(13):
        scaled = value * 10**places
        if scaled.denominator == 1:
            return plain(Decimal(scaled.numerator).scaleb(-places))
    raise ValueError(value)


class _Reader:
    def __init__(self, tree: Tree, method: Method) -> None:
        self.leaves = {leaf.code: leaf for leaf in tree.leaves(method=method)}
        self.method = method
        self.fields: dict[str, list[Message]] = {}

    def fail(self, field: str, code: str, message: Message) -> None:
        key = f"{field}.{code}" if isinstance(code, str) and CODE_PATTERN.fullmatch(code) else field
        reasons = self.fields.setdefault(key, [])
        if message not in reasons:
            reasons.append(message)

    def leaf(self, field: str, code: str) -> Item | None:
        leaf = self.leaves.get(code)
        if leaf is None:
            if CODE_PATTERN.fullmatch(code):
                problem = msg(
                    N_("“%(code)s”不是本评分表的条目(%(method)s)。"), code=code, method=msg(self.method.label)
                )
            else:
                problem = msg(N_("条目编码格式不正确。"))
            self.fail(field, code, problem)
        return leaf

    def points(self, code: str, value: object) -> Entry | None:
        leaf = self.leaf("scores", code)
        if leaf is None:
            return None
        if value is None:
            return Entry(None)
        number = decimal_of(value, POINTS_PLACES)
        if number is None or number < 0 or number > leaf.points:
            self.fail(
                "scores",
                code,
                msg(
                    N_("“%(code)s”的得分须为 0 到 %(max)s 之间的数,最多两位小数。"),
                    code=code,
                    max=str(leaf.points),
                ),
            )
            return None
        if leaf.rubric is not None and leaf.rubric.grades:
            for grade in leaf.rubric.grades:
                if exact_decimal(leaf.rubric.grade_points(leaf.points, grade.label)) == number:
                    return Entry(number, grade=grade.label)
            self.fail("scores", code, msg(N_("“%(code)s”按档次评分:得分须为某一档次的分值。"), code=code))
            return None
        return Entry(number)

    def grade(self, code: str, value: object) -> Entry | None:
        leaf = self.leaf("grades", code)
        if leaf is None:
            return None
        labels = [g.label for g in leaf.rubric.grades] if leaf.rubric is not None else []
        if not labels:
            self.fail("grades", code, msg(N_("“%(code)s”没有评分档次。"), code=code))
        elif value not in labels:
            self.fail(
                "grades",
                code,
                msg(N_("“%(code)s”的档次须为:%(labels)s。"), code=code, labels="、".join(labels)),
            )
        else:
            assert leaf.rubric is not None and isinstance(value, str)
            return Entry(exact_decimal(leaf.rubric.grade_points(leaf.points, value)), grade=value)
        return None

    def found(self, code: str, value: object) -> Entry | None:
        leaf = self.leaf("found", code)
        if leaf is None:
            return None
        labels = [s.label for s in leaf.rubric.shortfalls] if leaf.rubric is not None else []
        if not labels:
            self.fail("found", code, msg(N_("“%(code)s”没有扣分细则。"), code=code))
            return None
        if not isinstance(value, list) or any(v not in labels for v in value):
            self.fail(
                "found",
                code,
                msg(N_("“%(code)s”的扣分项须为:%(labels)s。"), code=code, labels="、".join(labels)),
            )
            return None
        chosen = tuple(label for label in labels if label in value)  # the rubric's order, each once
        assert leaf.rubric is not None
        return Entry(exact_decimal(leaf.rubric.points_after(leaf.points, chosen)), found=chosen)

    def comment(self, code: str, value: object) -> str | None:
        if self.leaf("comments", code) is None:
            return None
        if not isinstance(value, str):
            self.fail("comments", code, msg(N_("须为文字。")))
            return None
        text = value.strip()
        problem = text_problem(text, required=False)
        if problem is None and len(text) > MAX_COMMENT:
            problem = msg(N_("最多 %(max)d 字,现有 %(n)d 字。"), max=MAX_COMMENT, n=len(text))
        if problem is not None:
            self.fail("comments", code, problem)
            return None
        return text


def read_marks(
    tree: Tree,
    method: Method,
    scores: Mapping[str, object] | None = None,
    comments: Mapping[str, object] | None = None,
    grades: Mapping[str, object] | None = None,
    found: Mapping[str, object] | None = None,
) -> SheetInput:
    """The marks and comments of a sheet's body, or :class:`InvalidInput` with every problem."""
    reader = _Reader(tree, method)
    marks: dict[str, Entry] = {}
    for field, given, read in (
        ("scores", scores, reader.points),
        ("grades", grades, reader.grade),
        ("found", found, reader.found),
    ):
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


def missing_for_submit(tree: Tree, method: Method, points: Mapping[str, Decimal | None]) -> list[str]:
    """The base leaves of *method* without points, in tree order."""
    return [leaf.code for leaf in tree.leaves(Kind.BASE, method) if points.get(leaf.code) is None]
