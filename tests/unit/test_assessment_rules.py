"""The indicator tree: parsing, every problem keyed right, totals, rubrics, settings, JSON round trip."""

from __future__ import annotations

import copy
import pkgutil
import subprocess
import sys
import tomllib
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings

import evalflow.assessment
from evalflow.assessment import rules
from evalflow.assessment.defaults import CATEGORIES, default_data, default_tree
from evalflow.assessment.parse import check_tree, parse_tree
from evalflow.assessment.rules import Kind, Method, Mode, decimal_of
from evalflow.assessment.tree_json import tree_to_json
from evalflow.shared.errors import InvalidInput
from tests.assessment_trees import small_data, tree_data


def errors(data: object) -> dict[str, list[str]]:
    with pytest.raises(InvalidInput) as info:
        parse_tree(data)
    return {key: [str(m) for m in messages] for key, messages in info.value.fields.items()}


def leaf(code: str, points: object = 5, method: str = "materials", **extra: object) -> dict[str, object]:
    return {"code": code, "title": f"条目{code}", "points": points, "method": method, **extra}


def _pure_core() -> list[str]:
    """The assessment's modules that the import contract calls pure (its tables and faces are not)."""
    config = tomllib.loads((Path(evalflow.__file__).parents[1] / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    pure = next(c for c in contracts if c["name"].startswith("Pure rules"))["source_modules"]
    return [m for m in pure if m.startswith("evalflow.assessment.")]


def test_assessment_modules_import_neither_flask_nor_sqlalchemy():
    package = Path(evalflow.assessment.__file__).parent
    modules = ["evalflow.assessment.rules", *_pure_core()]
    assert set(modules) <= {f"evalflow.assessment.{m.name}" for m in pkgutil.iter_modules([str(package)])}
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "print(','.join(sorted(n for n in sys.modules if n.split('.')[0] in {'flask', 'sqlalchemy', 'flask_sqlalchemy'})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert len(modules) >= 10
    assert result.stdout.strip() == ""


def test_parse_tree_small_tree_totals():
    tree = parse_tree(small_data())
    totals = tree.totals()
    assert (totals.total, totals.bonus_total, totals.deduction_total) == (30, 6, 2)
    assert totals.items == {
        "A": 10, "A1": 6, "A2": 4, "B": 10, "C": 10, "T": 6, "T1": 3, "T2": 3, "F": 2,
    }  # fmt: skip
    assert totals.methods == {
        Method.MATERIALS: 6,
        Method.INSPECTION: 4,
        Method.SURVEY: 10,
        Method.BRIEFING: 10,
    }
    assert [i.code for i in tree.leaves(Kind.BONUS)] == ["T1", "T2"]
    assert tree.find("T2").kind is Kind.BONUS  # inherited from T
    assert tree.highest_total() == 34  # 30 + min(6, cap 4)


def test_parse_tree_points_keep_decimals_exactly():
    data = {"items": [leaf("A", 0.1), leaf("B", "33.33"), leaf("C", Decimal("2.50"))]}
    tree = parse_tree(data)
    assert [i.points for i in tree.items] == [Decimal("0.1"), Decimal("33.33"), Decimal("2.5")]
    assert tree.totals().total == Decimal("35.93")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, Decimal(1)), (0.1, Decimal("0.1")), ("2.50", Decimal("2.5")), ("1e2", Decimal(100)),
        (True, None), (None, None), ("abc", None), ("NaN", None), ("Infinity", None), (float("inf"), None),
        ("0.001", None), ("1" * 50, None), (10**40, None), ([], None),
        (" 2 ", Decimal(2)), (".5", Decimal("0.5")), ("-3", Decimal(-3)),
        ("0_1", None), ("1_000", None), ("３", None), ("٣", None), ("2 5", None),
    ],
)  # fmt: skip
def test_decimal_of_reads_exact_values_only(value, expected):
    assert decimal_of(value, 2) == expected


def test_parse_tree_reports_every_problem_keyed_by_code():
    data = {
        "items": [
            {
                "code": "A",
                "title": "甲",
                "method": "materials",
                "children": [leaf("A1", -1), leaf("A2", 5, "x")],
            },
            {"code": "A", "title": "重复", "points": 3, "method": "survey"},
            {"code": "B", "title": "", "children": [{"code": "B1", "title": "无分值"}]},
            {"code": "坏 编码", "title": "x", "points": 1, "method": "survey"},
            leaf("a1", 1),
            {"code": "D", "title": "上级分值", "points": 7, "children": [leaf("D1", 2), leaf("D2", 3)]},
        ]
    }
    assert errors(data) == {
        "A": ["上级条目不设测评方式,请在末级条目上填写。", "编码“A”重复。"],
        "A1": ["分值须为大于 0、不大于 100 的数,最多两位小数。"],
        "A2": ["测评方式须为材料审核、实地考察、问卷调查、征求意见或集中汇报互评。"],
        "B": ["请填写此项。"],
        "B1": ["末级条目须填写分值。", "末级条目须选择测评方式。"],
        "items[3]": ["编码须为 1 到 16 位的字母、数字、点、连字符或下划线,以字母或数字开头。"],
        "a1": ["编码“a1”重复。"],
        "D": ["上级条目的分值须等于下级分值之和(5)。"],
    }


def test_parse_tree_depth_over_three_is_refused_at_the_third_level():
    deep = {"code": "L1", "title": "一", "children": [
        {"code": "L2", "title": "二", "children": [
            {"code": "L3", "title": "三", "children": [leaf("L4")]},
        ]},
    ]}  # fmt: skip
    assert errors({"items": [deep]}) == {"L3": ["测评体系最多 3 级。"]}


def test_parse_tree_item_count_is_bounded():
    data = {"items": [leaf(f"X{n}", 1) for n in range(rules.MAX_ITEMS + 5)]}
    assert errors(data) == {"items": ["测评体系最多 500 个条目。"]}


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (
            [leaf("A"), {**leaf("B"), "bonus": True, "deduction": True}],
            {"B": ["一个条目不能既是加分项又是扣分项。"]},
        ),
        (
            [{"code": "A", "title": "基本", "children": [{**leaf("A1"), "bonus": True}]}],
            {"A1": ["加分项、扣分项在一级项目上设定,下级随上级:本条目须是基本项。"]},
        ),
        (
            [
                leaf("A"),
                {"code": "T", "title": "特色", "bonus": True, "children": [{**leaf("T1"), "bonus": False}]},
            ],
            {"T1": ["加分项、扣分项在一级项目上设定,下级随上级:本条目须是加分项。"]},
        ),
        (
            [leaf("A"), {**leaf("F", method="survey"), "deduction": True}],
            {"F": ["扣分项的测评方式须为材料审核、实地考察或征求意见。"]},
        ),
        ([{**leaf("A"), "bonus": "yes"}], {"A": ["“bonus”须为 true 或 false。"]}),
        ([{**leaf("T"), "bonus": True}], {"items": ["须至少有一个基本项(既非加分项也非扣分项)。"]}),
        (
            [{"code": "A", "title": "甲", "evidence": True, "children": [leaf("A1")]}],
            {"A": ["需佐证材料只能设在末级条目上。"]},
        ),
        ([leaf("mode")], {"items[0]": ["编码不能使用“mode”(与设置项同名)。"]}),
        ([{**leaf("A"), "title": "x" * 101}], {"A": ["最多 100 字,现有 101 字。"]}),
        ([{**leaf("A"), "criteria": "字" * 501}], {"A": ["最多 500 字,现有 501 字。"]}),
        (
            [{**leaf("A"), "title": "\u200b\ufeff"}],
            {"A": ["不能只包含空白或不可见的字符,请填写可见的文字。"]},
        ),
        (
            [{**leaf("A"), "title": "a\x00b"}],
            {"A": ["含有无法保存的字符(如空字符、控制字符或不完整的 Unicode 字符),请删除后重试。"]},
        ),
        ([{**leaf("A"), "children": "x"}], {"A": ["下级条目须为列表。"]}),
        (["x"], {"items[0]": ["条目格式不正确。"]}),
        ([], {"items": ["测评体系须为条目列表,且至少有一个条目。"]}),
    ],
)
def test_parse_tree_kind_and_shape_problems(items, expected):
    assert errors({"items": items}) == expected


def test_parse_tree_rubric_grades_map_to_fractions_of_points():
    rubric = {"grades": [{"label": "A", "fraction": 1}, {"label": "B", "fraction": 0.75}, {"label": "C", "fraction": "0.5"}, {"label": "D", "fraction": 0}]}  # fmt: skip
    item = parse_tree({"items": [leaf("A", 2, rubric=rubric)]}).find("A")
    assert [item.rubric.grade_points(item.points, g) for g in "ABCD"] == [2, Fraction(3, 2), 1, 0]
    with pytest.raises(KeyError):
        item.rubric.grade_points(item.points, "E")


def test_parse_tree_rubric_deductions_subtract_each_once_never_below_zero():
    rubric = {"deductions": [{"label": "台账不全", "points": 1}, {"label": "制度缺失", "points": "1.5"}]}
    item = parse_tree({"items": [leaf("A", 2, rubric=rubric)]}).find("A")
    assert item.rubric.points_after(item.points, ["台账不全"]) == 1
    assert item.rubric.points_after(item.points, ["台账不全", "台账不全", "制度缺失"]) == 0


@pytest.mark.parametrize(
    ("rubric", "expected"),
    [
        ({"grades": [{"label": "A", "fraction": 1}, {"label": "B", "fraction": 1}]}, ["档次须按得分比例从高到低排列:“B”不低于上一档。"]),
        ({"grades": [{"label": "A", "fraction": 0.5}, {"label": "B", "fraction": 0.75}]}, ["档次须按得分比例从高到低排列:“B”不低于上一档。"]),
        ({"grades": [{"label": "A", "fraction": 1.5}, {"label": "B", "fraction": -0.1}]}, ["档次“A”的得分比例须为 0 到 1 之间的数,最多四位小数。", "档次“B”的得分比例须为 0 到 1 之间的数,最多四位小数。"]),
        ({"grades": [{"label": "A", "fraction": 1}, {"label": "A", "fraction": 0}]}, ["评分细则名称“A”重复。"]),
        ({"grades": [{"label": "A", "fraction": 1}]}, ["评分档次至少 2 个。"]),
        ({"grades": [{"label": "A=1", "fraction": 1}, {"label": "B", "fraction": 0}]}, ["评分细则名称最多 50 字,且不能含分号或等号。"]),
        ({"deductions": [{"label": "超分", "points": 6}]}, ["扣分细则“超分”的分值须大于 0 且不大于本条分值,最多两位小数。"]),
        ({"deductions": []}, ["扣分细则至少一项。"]),
        ({"grades": [], "deductions": []}, ["评分细则须为档次(grades)或扣分项(deductions)二者之一,且为列表。"]),
        ({"grades": [{"label": "", "fraction": 1}, "x"]}, ["评分细则第 1 项的名称:请填写此项。", "评分细则第 2 项格式不正确。"]),
    ],
)  # fmt: skip
def test_parse_tree_rubric_problems(rubric, expected):
    assert errors({"items": [leaf("A", 5, rubric=rubric)]}) == {"A": expected}


def test_parse_tree_rubric_only_on_sheet_scored_leaves():
    rubric = {"grades": [{"label": "A", "fraction": 1}, {"label": "B", "fraction": 0}]}
    data = {
        "items": [
            leaf("A", 5, "briefing", rubric=rubric),
            {**leaf("F", 2), "deduction": True, "rubric": rubric},
            leaf("G"),
        ]
    }
    assert errors(data) == {
        "A": ["评分细则只用于材料审核、实地考察和征求意见的条目。"],
        "F": ["扣分项不设评分细则。"],
    }


def test_parse_tree_weighted_mode_weights_sum_to_100():
    tree = parse_tree(
        small_data(
            mode="weighted", weights={"materials": 40, "inspection": 20, "briefing": "20", "survey": 20}
        )
    )
    assert tree.settings.mode is Mode.WEIGHTED
    assert tree.settings.weight(Method.MATERIALS) == 40
    assert tree.highest_total() == 104  # 100 % + the capped bonus


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"mode": "weighted", "weights": {"materials": 40, "inspection": 20, "briefing": 20, "survey": 10}}, ["各来源的权重之和须为 100,现为 90。"]),
        ({"mode": "weighted", "weights": {"materials": 50, "inspection": 10, "briefing": 20, "survey": 10, "opinions": 10}}, ["征求意见没有基本测评条目,不能设权重。"]),
        ({"mode": "weighted", "weights": {"materials": 60, "briefing": 20, "survey": 20}}, ["实地考察有基本测评条目,须设权重。"]),
        ({"mode": "weighted", "weights": {"materials": 0, "inspection": 40, "briefing": 40, "survey": 20, "x": 1}}, ["材料审核的权重须为大于 0、不大于 100 的数,最多两位小数。", "权重中的“x”不是测评方式。"]),
        ({"mode": "weighted"}, ["按来源加权时须设权重:各测评方式的百分比,合计 100。"]),
        ({"weights": {"materials": 100}}, ["按分值计分时不设权重。"]),
    ],
)  # fmt: skip
def test_parse_tree_weights_problems(extra, expected):
    assert errors(small_data(**extra)) == {"weights": expected}


@pytest.mark.parametrize(
    ("extra", "key", "expected"),
    [
        ({"mode": "sum"}, "mode", ["计分方式须为 points(按分值计分)或 weighted(按来源加权)。"]),
        ({"bonus_cap": -1}, "bonus_cap", ["加分上限须为 0 到 1000 之间的数,最多两位小数。"]),
        ({"threshold": "abc"}, "threshold", ["达标分数线须为 0 到 1000 之间的数,最多两位小数。"]),
        ({"threshold": 34.01}, "threshold", ["达标分数线 34.01 高于可得的最高分 34。"]),
        ({"tie_break": ["materials", "materials", "speed", "opinions"]}, "tie_break", ["比较项“materials”重复。", "“speed”不是可用的比较项。", "征求意见没有条目,不能用来比较名次。"]),
        ({"tie_break": "materials"}, "tie_break", ["名次并列时的比较顺序须为比较项的列表。"]),
        ({"gap_percent": 0}, "gap_percent", ["分歧阈值须为大于 0、不大于 100 的百分数,最多两位小数。"]),
        ({"categories": {"社区": {"quota": 0}}}, "categories", ["类别“社区”的名额须为 1 到 1000 之间的整数。"]),
        ({"categories": {"社区": {"threshold": 50}}}, "categories", ["达标分数线 50 高于可得的最高分 34。"]),
        ({"categories": ["社区"]}, "categories", ["类别设置须为“类别名称: {threshold, quota}”的对应表,最多 20 个类别。"]),
    ],
)  # fmt: skip
def test_parse_tree_settings_problems(extra, key, expected):
    assert errors(small_data(**extra)) == {key: expected}


def test_parse_tree_reports_items_and_settings_together():
    data = small_data(mode="weighted", bonus_cap="x")
    data["items"][0]["children"][0]["points"] = 0
    assert errors(data) == {
        "A1": ["分值须为大于 0、不大于 100 的数,最多两位小数。"],
        "weights": ["按来源加权时须设权重:各测评方式的百分比,合计 100。"],
        "bonus_cap": ["加分上限须为 0 到 1000 之间的数,最多两位小数。"],
    }


def test_parse_tree_settings_categories_and_ties():
    tree = parse_tree(
        small_data(
            threshold=20,
            tie_break=["briefing", "bonus", "deductions"],
            categories={"社区": {"threshold": 25, "quota": 2}, "企业": {"quota": 1}},
        )
    )
    assert tree.settings.tie_break == ("briefing", "bonus", "deductions")
    assert tree.settings.category("社区") == rules.CategoryRule(Decimal(25), 2)
    assert tree.settings.category("企业") == rules.CategoryRule(Decimal(20), 1)
    assert tree.settings.category("机关") == rules.CategoryRule(Decimal(20), None)


def test_tree_to_json_answers_totals_and_reads_back():
    tree = parse_tree(small_data())
    body = tree_to_json(tree)
    assert (body["total"], body["bonus_total"], body["deduction_total"]) == (30, 6, 2)
    assert body["items"][0] == {
        "code": "A", "title": "组织领导", "criteria": "", "points": 10, "bonus": False, "deduction": False,
        "children": [
            {"code": "A1", "title": "制度", "criteria": "", "points": 6, "bonus": False, "deduction": False, "method": "materials", "evidence": False},
            {"code": "A2", "title": "阵地", "criteria": "", "points": 4, "bonus": False, "deduction": False, "method": "inspection", "evidence": False},
        ],
    }  # fmt: skip
    assert body["totals"]["methods"] == {"materials": 6, "inspection": 4, "survey": 10, "briefing": 10}
    assert parse_tree(body) == tree


@settings(max_examples=80, deadline=None)
@given(tree_data())
def test_property_tree_json_round_trip(data):
    tree = parse_tree(data)
    assert parse_tree(tree_to_json(tree)) == tree
    assert parse_tree(copy.deepcopy(data)) == tree


@pytest.mark.parametrize("category", CATEGORIES)
def test_default_tree_totals_100_with_capped_bonus(category):
    tree = default_tree(category)
    totals = tree.totals()
    assert totals.total == 100
    assert tree.settings.bonus_cap == 10 and totals.bonus_total >= 10
    assert totals.deduction_total > 0
    base_items = [i for i in tree.items if i.kind is Kind.BASE]
    assert 10 <= len(base_items) <= 13
    assert {leaf.method for leaf in tree.leaves()} == set(Method)
    assert all(len(i.criteria) <= rules.MAX_CRITERIA for i in tree.walk())
    assert max(len(i.code.split(".")) for i in tree.walk()) == 3


def test_default_trees_differ_by_category_and_are_fresh_copies():
    community, enterprise = default_data("社区"), default_data("企业")
    assert community["items"][3]["title"] != enterprise["items"][3]["title"]
    community["items"].clear()
    assert default_data("社区")["items"]


def test_check_tree_refuses_non_mapping():
    tree, problems = check_tree(["x"])
    assert tree is None and [(p.key, str(p.message)) for p in problems] == [
        ("items", "测评体系须为包含 items 的对象。")
    ]
