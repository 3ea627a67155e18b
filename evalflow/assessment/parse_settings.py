"""Reading the settings of an indicator tree (mode, weights, caps, threshold, ties, categories).

Each problem is keyed by the setting's name (``mode``, ``weights``, ``bonus_cap``, ``threshold``,
``tie_break``, ``gap_percent``, ``categories``). The rules checked against the tree:

- mode ``weighted``: every method that has base leaves has a weight, each more than 0 and at most
  100 with two decimals, no weight for a method without base leaves, and the weights sum to exactly
  100; mode ``points``: no weights at all (they would mean nothing);
- ``bonus_cap`` and ``threshold`` lie in 0–1000 with two decimals, and the threshold is not above
  the best total a unit can reach (base, or 100 when weighted, plus the capped bonus);
- ``tie_break`` lists distinct keys — a method that has base leaves (more points of that source
  first), ``bonus`` (more first, when there are bonus items) or ``deductions`` (fewer first, when
  there are deduction items);
- ``gap_percent`` (the divergence gap between two 材料审核 sheets, as a percent of the leaf's
  points) is more than 0 and at most 100;
- ``categories`` maps a unit category to its own ``threshold`` and ``quota`` (名额, 1–1000).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from evalflow.assessment import rules
from evalflow.assessment.rules import (
    CategoryRule,
    Item,
    Kind,
    Method,
    Mode,
    Settings,
    Tree,
    points_of,
)
from evalflow.shared.messages import N_, Message, msg
from evalflow.shared.text import text_problem

Add = Callable[[str, str, Message], None]


def read_settings(data: Mapping[str, object], items: tuple[Item, ...] | None, add: Add) -> Settings | None:
    """The settings of *data*, checked against *items* when those are valid; None after a problem."""
    failed: list[bool] = []

    def fail(key: str, attr: str, message: Message) -> None:
        failed.append(True)
        add(key, attr, message)

    facts = Tree(Settings(), items) if items is not None else None
    mode = _mode(data.get("mode"), fail)
    weights = _weights(data.get("weights"), mode, facts, fail)
    cap = _optional_points(data.get("bonus_cap"), "bonus_cap", rules.MAX_BONUS_CAP, fail)
    threshold = _optional_points(data.get("threshold"), "threshold", rules.MAX_THRESHOLD, fail)
    ties = _tie_break(data.get("tie_break"), facts, fail)
    gap = _gap(data.get("gap_percent"), fail)
    categories = _categories(data.get("categories"), fail)
    if failed or mode is None:
        return None
    settings = Settings(mode, weights, cap, threshold, ties, gap, categories)
    if facts is not None:
        best = Tree(settings, facts.items).highest_total()
        limits = [("threshold", threshold), *((f"categories.{n}", r.threshold) for n, r in categories)]
        for attr, value in limits:
            if value is not None and value > best:
                fail(
                    attr.split(".")[0],
                    attr,
                    msg(
                        N_("达标分数线 %(value)s 高于可得的最高分 %(best)s。"),
                        value=str(value),
                        best=str(best),
                    ),
                )
    return None if failed else settings


def _mode(value: object, fail: Add) -> Mode | None:
    if value is None:
        return Mode.POINTS
    try:
        return Mode(str(value))
    except ValueError:
        fail("mode", "mode", msg(N_("计分方式须为 points(按分值计分)或 weighted(按来源加权)。")))
        return None


def _weights(
    value: object, mode: Mode | None, facts: Tree | None, fail: Add
) -> tuple[tuple[Method, Decimal], ...]:
    if mode is not Mode.WEIGHTED:
        if value:
            fail("weights", "weights", msg(N_("按分值计分时不设权重。")))
        return ()
    if not isinstance(value, Mapping):
        fail("weights", "weights", msg(N_("按来源加权时须设权重:各测评方式的百分比,合计 100。")))
        return ()
    weights: dict[Method, Decimal] = {}
    given: set[Method] = set()
    for key, raw in value.items():
        try:
            method = Method(str(key))
        except ValueError:
            fail("weights", "weights", msg(N_("权重中的“%(key)s”不是测评方式。"), key=str(key)[:40]))
            continue
        given.add(method)
        weight = points_of(raw, Decimal(100))
        if weight is None:
            fail(
                "weights",
                f"weights.{method}",
                msg(
                    N_("%(method)s的权重须为大于 0、不大于 100 的数,最多两位小数。"), method=msg(method.label)
                ),
            )
        else:
            weights[method] = weight
    if facts is not None:
        _weights_match_tree(given, facts.methods(), fail)
    if len(weights) == len(value) and sum(weights.values(), Decimal(0)) != 100:
        total = sum(weights.values(), Decimal(0))
        fail("weights", "weights", msg(N_("各来源的权重之和须为 100,现为 %(sum)s。"), sum=str(total)))
    return tuple((m, weights[m]) for m in Method if m in weights)


def _weights_match_tree(weights: set[Method], present: list[Method], fail: Add) -> None:
    for method in Method:
        if method in present and method not in weights:
            fail(
                "weights",
                f"weights.{method}",
                msg(N_("%(method)s有基本测评条目,须设权重。"), method=msg(method.label)),
            )
        elif method in weights and method not in present:
            fail(
                "weights",
                f"weights.{method}",
                msg(N_("%(method)s没有基本测评条目,不能设权重。"), method=msg(method.label)),
            )


def _optional_points(value: object, name: str, high: Decimal, fail: Add) -> Decimal | None:
    if value is None or value == "":
        return None
    number = points_of(value, high, low_exclusive=False)
    if number is None:
        label = {"bonus_cap": N_("加分上限"), "threshold": N_("达标分数线")}[name]
        fail(
            name,
            name,
            msg(N_("%(name)s须为 0 到 %(max)s 之间的数,最多两位小数。"), name=msg(label), max=str(high)),
        )
    return number


def _tie_break(value: object, facts: Tree | None, fail: Add) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple) or len(value) > len(rules.TIE_KEYS):
        fail("tie_break", "tie_break", msg(N_("名次并列时的比较顺序须为比较项的列表。")))
        return ()
    keys: list[str] = []
    for raw in value:
        key = str(raw)[:40]
        if key not in rules.TIE_KEYS:
            fail("tie_break", "tie_break", msg(N_("“%(key)s”不是可用的比较项。"), key=key))
        elif key in keys:
            fail("tie_break", "tie_break", msg(N_("比较项“%(key)s”重复。"), key=key))
        elif facts is not None and not _tie_has_items(key, facts):
            label = msg(rules.TIE_LABELS[key])
            fail("tie_break", "tie_break", msg(N_("%(label)s没有条目,不能用来比较名次。"), label=label))
        else:
            keys.append(key)
    return tuple(keys)


def _tie_has_items(key: str, facts: Tree) -> bool:
    if key == rules.TIE_BONUS:
        return bool(facts.leaves(Kind.BONUS))
    if key == rules.TIE_DEDUCTIONS:
        return bool(facts.leaves(Kind.DEDUCTION))
    return Method(key) in facts.methods()


def _gap(value: object, fail: Add) -> Decimal:
    if value is None or value == "":
        return rules.DEFAULT_GAP_PERCENT
    gap = points_of(value, Decimal(100))
    if gap is None:
        fail("gap_percent", "gap_percent", msg(N_("分歧阈值须为大于 0、不大于 100 的百分数,最多两位小数。")))
        return rules.DEFAULT_GAP_PERCENT
    return gap


def _categories(value: object, fail: Add) -> tuple[tuple[str, CategoryRule], ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping) or len(value) > rules.MAX_CATEGORIES:
        fail(
            "categories",
            "categories",
            msg(
                N_("类别设置须为“类别名称: {threshold, quota}”的对应表,最多 %(max)d 个类别。"),
                max=rules.MAX_CATEGORIES,
            ),
        )
        return ()
    out: list[tuple[str, CategoryRule]] = []
    for raw_name, raw in value.items():
        rule = _category(str(raw_name).strip(), raw, fail)
        if rule is not None:
            out.append(rule)
    return tuple(out)


def _category(name: str, raw: object, fail: Add) -> tuple[str, CategoryRule] | None:
    attr = f"categories.{name}"
    problem = text_problem(name, required=True)
    if problem is not None or len(name) > rules.CATEGORY_LIMIT:
        fail("categories", attr, problem or msg(N_("类别名称最多 %(max)d 字。"), max=rules.CATEGORY_LIMIT))
        return None
    if not isinstance(raw, Mapping):
        fail("categories", attr, msg(N_("类别“%(name)s”的设置须包含 threshold 或 quota。"), name=name))
        return None
    threshold = None
    if raw.get("threshold") not in (None, ""):
        threshold = points_of(raw.get("threshold"), rules.MAX_THRESHOLD, low_exclusive=False)
        if threshold is None:
            fail(
                "categories",
                attr,
                msg(N_("类别“%(name)s”的达标分数线须为 0 到 1000 之间的数,最多两位小数。"), name=name),
            )
    quota = raw.get("quota")
    if quota is not None and (
        isinstance(quota, bool) or not isinstance(quota, int) or not 1 <= quota <= rules.MAX_QUOTA
    ):
        fail(
            "categories",
            attr,
            msg(N_("类别“%(name)s”的名额须为 1 到 %(max)d 之间的整数。"), name=name, max=rules.MAX_QUOTA),
        )
        return None
    return (name, CategoryRule(threshold, quota)) if threshold is not None or quota is not None else None
