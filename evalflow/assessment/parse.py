"""Reading an indicator tree from JSON-like data (``PUT /indicators``), reporting every problem.

:func:`parse_tree` returns a :class:`~.rules.Tree` or raises :class:`InvalidInput` whose ``fields``
are keyed by item code — or, for an item without a valid code, by its path (``items[2].children[0]``)
— and by the settings' names (``mode``, ``weights``, …). :func:`check_tree` gives the same problems
as :class:`Problem` records that also say which attribute is wrong (the workbook import maps it to a
column). Unknown keys are ignored, so the API's own answer parses back to the same tree.

The rules, beyond shapes and limits:

- a leaf has ``points`` (more than 0, at most :data:`~.rules.MAX_LEAF_POINTS`, two decimals) and a
  ``method``; a parent has neither method nor rubric nor evidence flag, and its ``points``, when
  given, equal its children's sum;
- ``bonus``/``deduction`` are decided at level 1 and inherited: an item under a bonus item is a bonus
  item (saying ``"bonus": false`` there is an error), and a bonus or deduction item under a base item
  is an error — so each level-1 item's points count wholly towards one total;
- a deduction (负面清单) leaf is scored by 材料审核, 实地考察 or 征求意见 and has no rubric; a rubric
  belongs to a leaf scored on sheets (材料审核, 实地考察, 征求意见), never to a computed one;
- a rubric is either grades with strictly decreasing shares in [0, 1] or named deductions each
  worth more than 0 and at most the leaf's points; labels unique;
- codes are unique, compared without case;
- settings are checked against the tree: see :mod:`.parse_settings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from evalflow.assessment import rules
from evalflow.assessment.parse_settings import read_settings
from evalflow.assessment.rules import (
    Grade,
    Item,
    Kind,
    Method,
    Rubric,
    Shortfall,
    Tree,
    decimal_of,
    plain,
    points_of,
)
from evalflow.shared.errors import InvalidInput
from evalflow.shared.messages import N_, Message, msg
from evalflow.shared.text import text_problem


@dataclass(frozen=True)
class Problem:
    """``key``: an item code, an item path or a settings name; ``attr``: what is wrong there."""

    key: str
    attr: str
    message: Message


class Checker:
    """Collects problems while the tree is read; :meth:`item` returns None for a subtree with any."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.codes: dict[str, str] = {}
        self.count = 0

    def add(self, key: str, attr: str, message: Message) -> None:
        self.problems.append(Problem(key, attr, message))

    def items(self, raw: object) -> tuple[Item, ...] | None:
        if not isinstance(raw, list) or not raw:
            self.add("items", "items", msg(N_("测评体系须为条目列表,且至少有一个条目。")))
            return None
        found = [self.item(entry, f"items[{n}]", 1, None) for n, entry in enumerate(raw)]
        if any(item is None for item in found):
            return None
        items = tuple(i for i in found if i is not None)
        if not any(i.kind is Kind.BASE for i in items):
            self.add("items", "items", msg(N_("须至少有一个基本项(既非加分项也非扣分项)。")))
            return None
        return items

    def item(self, raw: object, path: str, depth: int, parent: Kind | None) -> Item | None:
        self.count += 1
        if self.count == rules.MAX_ITEMS + 1:
            self.add("items", "items", msg(N_("测评体系最多 %(max)d 个条目。"), max=rules.MAX_ITEMS))
        if self.count > rules.MAX_ITEMS:
            return None
        if not isinstance(raw, Mapping):
            self.add(path, "item", msg(N_("条目格式不正确。")))
            return None
        before = len(self.problems)
        key = self._code(raw.get("code"), path)
        title = self._text(key, "title", raw.get("title"), required=True, limit=rules.MAX_TITLE)
        criteria = self._text(key, "criteria", raw.get("criteria"), required=False, limit=rules.MAX_CRITERIA)
        kind = self._kind(key, raw, parent)
        children = raw.get("children")
        if children is not None and not isinstance(children, list):
            self.add(key, "children", msg(N_("下级条目须为列表。")))
            return None
        node = self._parent(key, raw, path, depth, kind, children) if children else self._leaf(key, raw, kind)
        if node is None or len(self.problems) > before:
            return None
        return Item(key, title, node[0], criteria, node[1], kind, node[2], node[3], node[4])

    def _code(self, value: object, path: str) -> str:
        code = value.strip() if isinstance(value, str) else ""
        if not rules.CODE_PATTERN.fullmatch(code):
            self.add(
                path,
                "code",
                msg(N_("编码须为 1 到 16 位的字母、数字、点、连字符或下划线,以字母或数字开头。")),
            )
            return path
        if code.casefold() in rules.RESERVED_CODES:
            self.add(path, "code", msg(N_("编码不能使用“%(code)s”(与设置项同名)。"), code=code))
            return path
        if code.casefold() in self.codes:
            self.add(code, "code", msg(N_("编码“%(code)s”重复。"), code=code))
        self.codes[code.casefold()] = code
        return code

    def _text(self, key: str, attr: str, value: object, *, required: bool, limit: int) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str):
            self.add(key, attr, msg(N_("须填写文字。")))
            return ""
        text = (
            value.replace("\r\n", "\n").replace("\r", "\n").strip()
        )  # one newline, as the workbook reads it
        problem = text_problem(text, required=required)
        if problem is not None:
            self.add(key, attr, problem)
        elif len(text) > limit:
            self.add(key, attr, msg(N_("最多 %(max)d 字,现有 %(n)d 字。"), max=limit, n=len(text)))
        return text

    def _flag(self, key: str, raw: Mapping[str, object], name: str) -> bool | None:
        value = raw.get(name)
        if value is None or isinstance(value, bool):
            return value
        self.add(key, name, msg(N_("“%(name)s”须为 true 或 false。"), name=name))
        return None

    def _kind(self, key: str, raw: Mapping[str, object], parent: Kind | None) -> Kind:
        bonus, deduction = self._flag(key, raw, "bonus"), self._flag(key, raw, "deduction")
        if bonus and deduction:
            self.add(key, "kind", msg(N_("一个条目不能既是加分项又是扣分项。")))
            return parent or Kind.BASE
        said = Kind.BONUS if bonus else Kind.DEDUCTION if deduction else None
        if parent is None:
            return said or Kind.BASE
        contradicts = (bonus is False and parent is Kind.BONUS) or (
            deduction is False and parent is Kind.DEDUCTION
        )
        if (said is not None and said is not parent) or contradicts:
            self.add(
                key,
                "kind",
                msg(
                    N_("加分项、扣分项在一级项目上设定,下级随上级:本条目须是%(kind)s。"),
                    kind=msg(parent.label),
                ),
            )
        return parent

    def _parent(
        self, key: str, raw: Mapping[str, object], path: str, depth: int, kind: Kind, children: list[object]
    ) -> tuple[Decimal, None, bool, None, tuple[Item, ...]] | None:
        if depth >= rules.MAX_DEPTH:
            self.add(key, "children", msg(N_("测评体系最多 %(max)d 级。"), max=rules.MAX_DEPTH))
            return None
        if raw.get("method") not in (None, ""):
            self.add(key, "method", msg(N_("上级条目不设测评方式,请在末级条目上填写。")))
        if raw.get("rubric") is not None:
            self.add(key, "rubric", msg(N_("上级条目不设评分细则。")))
        if raw.get("evidence"):
            self.add(key, "evidence", msg(N_("需佐证材料只能设在末级条目上。")))
        found = [self.item(c, f"{path}.children[{n}]", depth + 1, kind) for n, c in enumerate(children)]
        if any(c is None for c in found):
            return None
        kids = tuple(c for c in found if c is not None)
        total = plain(sum((c.points for c in kids), Decimal(0)))
        given = raw.get("points")
        if given is not None and decimal_of(given, rules.POINTS_PLACES) != total:
            self.add(key, "points", msg(N_("上级条目的分值须等于下级分值之和(%(sum)s)。"), sum=str(total)))
        return total, None, False, None, kids

    def _leaf(
        self, key: str, raw: Mapping[str, object], kind: Kind
    ) -> tuple[Decimal, Method, bool, Rubric | None, tuple[Item, ...]] | None:
        points = points_of(raw.get("points"), rules.MAX_LEAF_POINTS)
        if raw.get("points") is None:
            self.add(key, "points", msg(N_("末级条目须填写分值。")))
        elif points is None:
            self.add(
                key,
                "points",
                msg(N_("分值须为大于 0、不大于 %(max)s 的数,最多两位小数。"), max=str(rules.MAX_LEAF_POINTS)),
            )
        method = self._method(key, raw.get("method"), kind)
        evidence = self._flag(key, raw, "evidence")
        rubric = None
        if raw.get("rubric") is not None:
            if kind is Kind.DEDUCTION:
                self.add(key, "rubric", msg(N_("扣分项不设评分细则。")))
            elif method is not None and method not in rules.SHEET_METHODS:
                self.add(key, "rubric", msg(N_("评分细则只用于材料审核、实地考察和征求意见的条目。")))
            else:
                rubric = RubricReader(self, key).read(raw["rubric"], points)
        if points is None or method is None:
            return None
        return points, method, bool(evidence), rubric, ()

    def _method(self, key: str, value: object, kind: Kind) -> Method | None:
        if value in (None, ""):
            self.add(key, "method", msg(N_("末级条目须选择测评方式。")))
            return None
        try:
            method = Method(str(value))
        except ValueError:
            self.add(
                key, "method", msg(N_("测评方式须为材料审核、实地考察、问卷调查、征求意见或集中汇报互评。"))
            )
            return None
        if kind is Kind.DEDUCTION and method not in rules.DEDUCTION_METHODS:
            self.add(key, "method", msg(N_("扣分项的测评方式须为材料审核、实地考察或征求意见。")))
            return None
        return method


class RubricReader:
    """A leaf's rubric: ``{"grades": [{"label", "fraction"}]}`` or ``{"deductions": [{"label", "points"}]}``."""

    def __init__(self, checker: Checker, key: str) -> None:
        self.checker, self.key = checker, key

    def fail(self, message: Message) -> None:
        self.checker.add(self.key, "rubric", message)

    def read(self, raw: object, points: Decimal | None) -> Rubric | None:
        grades = raw.get("grades") if isinstance(raw, Mapping) else None
        cuts = raw.get("deductions") if isinstance(raw, Mapping) else None
        entries = grades if grades is not None else cuts
        if (grades is None) == (cuts is None) or not isinstance(entries, list):
            self.fail(msg(N_("评分细则须为档次(grades)或扣分项(deductions)二者之一,且为列表。")))
            return None
        if len(entries) > rules.MAX_RUBRIC:
            self.fail(msg(N_("评分细则最多 %(max)d 项。"), max=rules.MAX_RUBRIC))
            return None
        if grades is not None and len(entries) < rules.MIN_GRADES:
            self.fail(msg(N_("评分档次至少 %(min)d 个。"), min=rules.MIN_GRADES))
            return None
        if grades is None and not entries:
            self.fail(msg(N_("扣分细则至少一项。")))
            return None
        return self._grades(entries) if grades is not None else self._shortfalls(entries, points)

    def _labels(self, entries: list[object]) -> list[str | None]:
        labels: list[str | None] = []
        for n, entry in enumerate(entries, start=1):
            raw = entry.get("label") if isinstance(entry, Mapping) else None
            label = raw.strip() if isinstance(raw, str) else ""
            problem = text_problem(label, required=True)
            if not isinstance(entry, Mapping):
                self.fail(msg(N_("评分细则第 %(n)d 项格式不正确。"), n=n))
            elif problem is not None:
                self.fail(msg(N_("评分细则第 %(n)d 项的名称:%(problem)s"), n=n, problem=problem))
            elif len(label) > rules.MAX_RUBRIC_LABEL or set(label) & rules.RUBRIC_FORBIDDEN:
                self.fail(
                    msg(N_("评分细则名称最多 %(max)d 字,且不能含分号或等号。"), max=rules.MAX_RUBRIC_LABEL)
                )
            elif label in labels:
                self.fail(msg(N_("评分细则名称“%(label)s”重复。"), label=label))
            else:
                labels.append(label)
                continue
            labels.append(None)
        return labels

    def _grades(self, entries: list[object]) -> Rubric | None:
        labels = self._labels(entries)
        grades: list[Grade] = []
        ordered = True
        for label, entry in zip(labels, entries, strict=True):
            if label is None or not isinstance(entry, Mapping):
                continue
            share = decimal_of(entry.get("fraction"), rules.FRACTION_PLACES)
            if share is None or not 0 <= share <= 1:
                self.fail(
                    msg(N_("档次“%(label)s”的得分比例须为 0 到 1 之间的数,最多四位小数。"), label=label)
                )
                continue
            if grades and share >= grades[-1].fraction:
                self.fail(msg(N_("档次须按得分比例从高到低排列:“%(label)s”不低于上一档。"), label=label))
                ordered = False
            grades.append(Grade(label, share))
        return Rubric(grades=tuple(grades)) if ordered and len(grades) == len(entries) else None

    def _shortfalls(self, entries: list[object], points: Decimal | None) -> Rubric | None:
        labels = self._labels(entries)
        cuts: list[Shortfall] = []
        for label, entry in zip(labels, entries, strict=True):
            if label is None or not isinstance(entry, Mapping):
                continue
            value = points_of(entry.get("points"), points or rules.MAX_LEAF_POINTS)
            if value is None:
                self.fail(
                    msg(N_("扣分细则“%(label)s”的分值须大于 0 且不大于本条分值,最多两位小数。"), label=label)
                )
            else:
                cuts.append(Shortfall(label, value))
        return Rubric(shortfalls=tuple(cuts)) if len(cuts) == len(entries) else None


def check_tree(data: object) -> tuple[Tree | None, list[Problem]]:
    """The tree and no problems, or None and every problem found (items and settings)."""
    if not isinstance(data, Mapping):
        return None, [Problem("items", "items", msg(N_("测评体系须为包含 items 的对象。")))]
    checker = Checker()
    items = checker.items(data.get("items"))
    settings = read_settings(data, items, checker.add)
    if checker.problems or items is None or settings is None:
        return None, checker.problems
    return Tree(settings, items), []


def problems_by_key(problems: list[Problem]) -> dict[str, list[Message]]:
    fields: dict[str, list[Message]] = {}
    for problem in problems:
        fields.setdefault(problem.key, []).append(problem.message)
    return fields


def parse_tree(data: object) -> Tree:
    """The validated tree, or :class:`InvalidInput` listing every problem keyed by item code."""
    tree, problems = check_tree(data)
    if tree is None:
        raise InvalidInput(msg(N_("测评体系有误,请按提示修改。")), fields=problems_by_key(problems))
    return tree
