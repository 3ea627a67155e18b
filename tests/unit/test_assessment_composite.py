"""The 综合测评: hand-computed composites in both modes, rounding, ranks and ties, veto, bonus cap,
completeness, the trace, the formula sentence and who qualifies."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalflow.assessment.composite import (
    Basis,
    Gap,
    Mark,
    OfficeDecision,
    UnitInput,
    compute,
    ranked,
    unit_result,
)
from evalflow.assessment.formula import explain, formula
from evalflow.assessment.outcome import composite_to_json, qualify, trace
from evalflow.assessment.parse import parse_tree
from evalflow.assessment.rules import Method
from tests.assessment_trees import small_data

D = Decimal
TOP = D(100)
WEIGHTS = {"materials": 40, "inspection": 20, "briefing": 20, "survey": 20}


def marks(*points: object, leaf: str = "r") -> list[Mark]:
    return [Mark(f"{leaf}{n}", D(str(p)), sheet=n) for n, p in enumerate(points, start=1)]


def full_unit(unit_id: int = 1, **extra: object) -> UnitInput:
    """A1 (5 + 5.5)/2 = 5.25; A2 (3 + 4 + 4)/3 = 11/3; B 10 × 260/3 ÷ 100 = 26/3; C 10 × 0.85 = 8.5;
    bonus 3 + 2 = 5 (cap 4); deduction 1."""
    values = {
        "marks": {
            "A1": marks(5, 5.5),
            "A2": marks(3, 4, 4),
            "T1": marks(3, 3),
            "T2": marks(2),
            "F": marks(1),
        },
        "tally_score": Fraction(260, 3),
        "satisfied_rate": Fraction(85, 100),
    }
    values.update(extra)
    return UnitInput(unit_id, f"单位{unit_id}", **values)  # type: ignore[arg-type]


def test_composite_points_mode_hand_computed():
    tree = parse_tree(small_data())
    [result] = compute(tree, [full_unit()], TOP)
    assert {m: s.points for m, s in result.sources.items()} == {
        Method.MATERIALS: Fraction(21, 4),
        Method.INSPECTION: Fraction(11, 3),
        Method.SURVEY: Fraction(17, 2),
        Method.BRIEFING: Fraction(26, 3),
    }
    assert (result.bonus_raw, result.bonus, result.deductions) == (5, 4, 1)
    assert result.total == Fraction(349, 12)  # 313/12 + 4 − 1
    assert composite_to_json(tree, [result]) == {
        "mode": "points",
        "units": [
            {
                "unit_id": 1,
                "sources": {"materials": 5.25, "inspection": 3.67, "survey": 8.5, "briefing": 8.67},
                "bonus": 4.0, "deductions": 1.0, "total": 29.08, "rank": 1,
                "complete": True, "vetoed": False, "missing": {},
            }
        ],
    }  # fmt: skip


def test_composite_weighted_mode_hand_computed():
    tree = parse_tree(small_data(mode="weighted", weights=WEIGHTS))
    [result] = compute(tree, [full_unit()], TOP)
    materials = result.sources[Method.MATERIALS]
    assert (materials.earned, materials.possible, materials.percent, materials.points) == (
        Fraction(21, 4), 6, Fraction(175, 2), 35,
    )  # fmt: skip
    assert result.sources[Method.INSPECTION].points == Fraction(55, 3)  # 11/12 × 20
    assert result.sources[Method.BRIEFING].points == Fraction(52, 3)  # 13/15 × 20
    assert result.sources[Method.SURVEY].points == 17
    assert result.total == Fraction(272, 3)  # 263/3 + 4 − 1
    assert composite_to_json(tree, [result])["units"][0]["total"] == 90.67


def test_composite_briefing_uses_the_scale_top_points():
    tree = parse_tree(small_data())
    result = unit_result(tree, full_unit(tally_score=Fraction(4)), D(5))
    assert result.leaves["B"].value == 8  # 10 × 4 ÷ 5


@pytest.mark.parametrize(
    ("points", "shown"),
    [
        ((D("1.01"), D("1.00")), 1.01),
        ((D("2.67"), D("2.68")), 2.68),
        ((D("0.01"), D("0.00")), 0.01),
        ((D("1.34"), D("1.33")), 1.34),
    ],
)
def test_composite_rounds_half_up_for_display_only(points, shown):
    tree = parse_tree({"items": [{"code": "A", "title": "甲", "points": 10, "method": "materials"}]})
    [result] = compute(tree, [UnitInput(1, marks={"A": [Mark("x", points[0]), Mark("y", points[1])]})], TOP)
    assert result.total == Fraction(int((points[0] + points[1]) * 100), 200)
    assert composite_to_json(tree, [result])["units"][0]["total"] == shown


def one_leaf_tree(**extra: object):
    return parse_tree(
        {
            "items": [
                {"code": "M", "title": "材料", "points": 10, "method": "materials"},
                {"code": "I", "title": "考察", "points": 10, "method": "inspection"},
                {"code": "T", "title": "加分", "bonus": True, "points": 5, "method": "materials"},
                {"code": "F", "title": "扣分", "deduction": True, "points": 5, "method": "opinions"},
            ],
            **extra,
        }
    )


def unit(uid: int, m: object, i: object, t: object = None, f: object = None, **extra: object) -> UnitInput:
    given_marks = {"M": marks(m), "I": marks(i)}
    if t is not None:
        given_marks["T"] = marks(t)
    if f is not None:
        given_marks["F"] = marks(f)
    return UnitInput(uid, marks=given_marks, **extra)  # type: ignore[arg-type]


def ranks(results) -> list[tuple[int, int | None]]:
    return [(r.unit_id, r.rank) for r in results]


def test_composite_ties_share_a_rank_1_2_2_4():
    tree = one_leaf_tree()
    results = compute(tree, [unit(1, 9, 9), unit(2, 8, 9), unit(3, 9, 8), unit(4, 7, 7)], TOP)
    assert ranks(results) == [(1, 1), (2, 2), (3, 2), (4, 4)]


def test_composite_declared_tie_break_order_decides():
    tree = one_leaf_tree(tie_break=["inspection", "bonus", "deductions"])
    units = [unit(1, 9, 8), unit(2, 8, 9), unit(3, 7, 9, t=1), unit(4, 8, 9, t=2, f=1), unit(5, 7, 9, t=1)]
    # totals: 17, 17, 17, 18, 17; inspection 8, 9, 9, 9, 9; bonus 0, 0, 1, 2, 1
    assert ranks(compute(tree, units, TOP)) == [(4, 1), (3, 2), (5, 2), (2, 4), (1, 5)]


def test_composite_deductions_tie_break_prefers_fewer():
    tree = one_leaf_tree(tie_break=["deductions"])
    units = [unit(1, 9, 9, f=1), unit(2, 8, 9, t=1, f="2"), unit(3, 8, 8, t=1)]  # totals 17, 16, 17
    assert ranks(compute(tree, units, TOP)) == [(3, 1), (1, 2), (2, 3)]


def test_composite_vetoed_unit_excluded_from_ranking():
    tree = one_leaf_tree()
    results = compute(tree, [unit(1, 10, 10, vetoed=True), unit(2, 5, 5), unit(3, 6, 6)], TOP)
    assert ranks(results) == [(3, 1), (2, 2), (1, None)]
    assert composite_to_json(tree, results)["units"][2]["vetoed"] is True


def test_composite_bonus_cap_applies_to_the_sum():
    tree = one_leaf_tree(bonus_cap="3.5")
    [capped] = compute(tree, [unit(1, 5, 5, t=5)], TOP)
    [under] = compute(tree, [unit(1, 5, 5, t=2)], TOP)
    assert (capped.bonus_raw, capped.bonus, capped.total) == (5, Fraction(7, 2), Fraction(27, 2))
    assert (under.bonus, under.total) == (2, 12)


def test_composite_missing_sources_listed_and_closed_sources_complete():
    tree = parse_tree(small_data())
    bare = UnitInput(7, marks={"A1": marks(4)})
    result = unit_result(tree, bare, TOP)
    assert {m: [leaf.item.code for leaf in leaves] for m, leaves in result.missing.items()} == {
        Method.INSPECTION: ["A2"],
        Method.SURVEY: ["C"],
        Method.BRIEFING: ["B"],
    }
    assert result.leaves["F"].value == 0 and result.leaves["F"].gap is None  # nothing found, nothing missing
    assert result.leaves["T1"].value == 0 and result.leaves["T1"].gap is None  # not claimed
    assert result.total == 4 and not result.complete
    closed = unit_result(
        tree, UnitInput(7, marks={"A1": marks(4)}, closed=frozenset(Method), tally_score=None), TOP
    )
    assert closed.complete and closed.total == 4


def test_composite_decision_replaces_the_mean_and_divergent_leaf_is_incomplete():
    tree = parse_tree(small_data())
    decided = full_unit(decisions={"A1": OfficeDecision(D(4), "两位评审分歧,经集体讨论认定", "office")})
    result = unit_result(tree, decided, TOP, {"A1"})
    assert result.leaves["A1"].basis is Basis.DECISION and result.leaves["A1"].value == 4
    assert result.complete  # a decided leaf is resolved
    open_result = unit_result(tree, full_unit(), TOP, {"A1"})
    assert open_result.leaves["A1"].gap is Gap.DIVERGENT
    assert list(open_result.missing) == [Method.MATERIALS]


def test_composite_refuses_marks_out_of_range_or_for_unknown_codes():
    tree = parse_tree(small_data())
    with pytest.raises(ValueError):
        unit_result(tree, UnitInput(1, marks={"A1": marks(7)}), TOP)
    with pytest.raises(ValueError):
        unit_result(tree, UnitInput(1, marks={"ZZ": marks(1)}), TOP)


def test_composite_trace_reaches_every_sheet():
    tree = parse_tree(small_data())
    result = unit_result(tree, full_unit(), TOP)
    found = trace(tree, result, TOP)
    assert found["total"] == {"value": 29.08, "exact": "349/12"}
    materials = found["sources"][0]
    assert materials["method"] == "materials" and materials["exact"] == "21/4"
    a1 = materials["leaves"][0]
    assert [(m["scorer"], m["sheet"], m["points"], m["contribution"]["exact"]) for m in a1["marks"]] == [
        ("r1", 1, 5, "5/2"),
        ("r2", 2, 5.5, "11/4"),
    ]
    assert str(a1["explain"]) == "2 份评分表的平均分:(5 + 5.5)÷ 2 = 5.25"
    briefing = next(s for s in found["sources"] if s["method"] == "briefing")["leaves"][0]
    assert briefing["factor"] == {"value": 86.67, "exact": "260/3"}
    assert str(briefing["explain"]) == "10 × 互评得分 86.67 ÷ 100 = 8.67"
    assert found["bonus"]["before_cap"]["exact"] == "5" and found["bonus"]["exact"] == "4"
    assert [leaf["code"] for leaf in found["deductions"]["leaves"]] == ["F"]


def test_composite_explain_each_basis():
    tree = parse_tree(small_data())
    result = unit_result(tree, full_unit(decisions={"A2": OfficeDecision(D(2), "现场复核")}), TOP)
    assert str(explain(result.leaves["A2"], TOP)) == "文明办裁定 2.00 分,理由:现场复核"
    assert str(explain(result.leaves["C"], TOP)) == "10 × 满意率 85.00% = 8.50"
    empty = unit_result(tree, UnitInput(2), TOP)
    assert str(explain(empty.leaves["A1"], TOP)) == "尚无已提交的评分表。"
    assert str(explain(empty.leaves["F"], TOP)) == "未发现问题,不扣分。"
    assert str(explain(empty.leaves["T1"], TOP)) == "未获评分,计 0 分。"
    assert str(explain(empty.leaves["B"], TOP)) == "尚无互评得分。"


def test_formula_sentence_points_mode():
    tree = parse_tree(small_data(threshold=25, tie_break=["materials", "bonus"]))
    assert str(formula(tree, TOP)) == (
        "总分 = 材料审核得分(6 分) + 实地考察得分(4 分) + 问卷调查得分(10 分) + 集中汇报互评得分(10 分)"
        " + 特色加分(最多 4 分) − 负面清单扣分;集中汇报互评条目得分 = 分值 × 互评得分 ÷ 100;"
        "问卷调查条目得分 = 分值 × 满意率;其余条目取已提交评分表的平均分;"
        "总分相同时依次比较材料审核、特色加分,仍相同者名次并列;达标分数线 25 分。"
    )


def test_formula_sentence_weighted_mode():
    tree = one_leaf_tree(mode="weighted", weights={"materials": "62.5", "inspection": "37.5"})
    assert str(formula(tree, TOP)) == (
        "总分 = 材料审核得分率 × 62.5% + 实地考察得分率 × 37.5% + 特色加分 − 负面清单扣分"
        "(得分率 = 该来源条目得分之和 ÷ 其分值之和);其余条目取已提交评分表的平均分;总分相同者名次并列。"
    )


def test_qualify_threshold_quota_and_ties_at_the_cut():
    tree = one_leaf_tree(threshold=10, categories={"社区": {"quota": 2}, "企业": {"threshold": 15}})
    units = [
        unit(1, 9, 9, category="社区"), unit(2, 8, 8, category="社区"), unit(3, 8, 8, category="社区"),
        unit(4, 7, 7, category="社区"), unit(5, 7, 7, category="企业"), unit(6, 9, 9, category="企业", vetoed=True),
        unit(7, 4, 4, category="机关"), unit(8, 5, 5, category="机关"),
    ]  # fmt: skip
    results = compute(tree, units, TOP)
    verdicts = qualify(results, tree.settings)
    assert {uid: (v.qualifies, v.reason and str(v.reason)) for uid, v in verdicts.items()} == {
        1: (True, None),
        2: (True, None),
        3: (True, None),  # tied with the last one taken
        4: (False, "超出本类别名额(2 个)。"),
        5: (False, "总分 14.00 低于达标分数线 15。"),
        6: (False, "一票否决。"),
        7: (False, "总分 8.00 低于达标分数线 10。"),
        8: (True, None),
    }


def test_qualify_incomplete_unit_does_not_qualify():
    tree = parse_tree(small_data())
    results = compute(tree, [UnitInput(1, marks={"A1": marks(6)})], TOP)
    assert str(qualify(results, tree.settings)[1].reason) == "测评尚未完成。"


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10), st.integers(0, 10), st.integers(0, 5), st.booleans()),
        min_size=1,
        max_size=12,
    ),
    st.randoms(),
)
def test_property_ranks_follow_totals_and_ignore_input_order(rows, rnd):
    tree = one_leaf_tree(tie_break=["materials"])
    units = [unit(n, m, i, t=t, vetoed=v) for n, (m, i, t, v) in enumerate(rows, start=1)]
    results = compute(tree, units, TOP)
    shuffled = list(units)
    rnd.shuffle(shuffled)
    assert compute(tree, shuffled, TOP) == results
    ranked_only = [r for r in results if not r.vetoed]
    for a, b in zip(ranked_only, ranked_only[1:], strict=False):
        assert (a.total, a.source_points(Method.MATERIALS)) >= (b.total, b.source_points(Method.MATERIALS))
        assert (a.rank == b.rank) == (
            (a.total, a.source_points(Method.MATERIALS)) == (b.total, b.source_points(Method.MATERIALS))
        )
    assert all(r.rank is None for r in results if r.vetoed)
    assert ranked(results, ["materials"]) == results


# --- the sums from aggregated marks are the leaves' values ------------------------------------------

MARK_STEPS = st.integers(min_value=0, max_value=6_000_000).map(lambda n: D(n).scaleb(-6))  # 0 … 6, 6 dp


def _by_definition(tree, result):
    """Each figure of *result* recomputed leaf by leaf from its (lazily made) leaves."""
    from evalflow.assessment.composite import exact_sum
    from evalflow.assessment.rules import Kind

    earned = {
        m: exact_sum(result.leaves[i.code].counted for i in tree.leaves(Kind.BASE, m)) for m in tree.methods()
    }
    bonus = exact_sum(result.leaves[i.code].counted for i in tree.leaves(Kind.BONUS))
    deductions = exact_sum(result.leaves[i.code].counted for i in tree.leaves(Kind.DEDUCTION))
    gaps = [leaf.item.code for leaf in result.leaves.values() if leaf.gap is not None]
    return earned, bonus, deductions, gaps


@settings(max_examples=60, deadline=None)
@given(
    a1=st.lists(MARK_STEPS, max_size=4),
    t1=st.lists(MARK_STEPS.filter(lambda p: p <= 3), max_size=3),
    f=st.lists(MARK_STEPS.filter(lambda p: p <= 2), max_size=2),
    divergent=st.sets(st.sampled_from(["A1", "T1"])),
    decided=st.booleans(),
    weighted=st.booleans(),
)
def test_property_sums_from_aggregates_equal_the_leaves_values(a1, t1, f, divergent, decided, weighted):
    """The unit's sums are added as integers per number of marks (no LeafResult per leaf); the lazily
    made leaves, by the definition, give the same sources, bonus, deductions and gaps — also for
    six-decimal marks, a decided leaf, a divergent one and a leaf without marks."""
    data = small_data(mode="weighted", weights=WEIGHTS) if weighted else small_data()
    tree = parse_tree(data)
    given_marks = {code: marks(*ps) for code, ps in (("A1", a1), ("T1", t1), ("F", f)) if ps}
    decisions = {"A1": OfficeDecision(D("2.5"), "认定")} if decided else {}
    unit = UnitInput(1, marks=given_marks, decisions=decisions, tally_score=Fraction(80), satisfied_rate=None)
    result = unit_result(tree, unit, TOP, divergent)
    earned, bonus, deductions, gaps = _by_definition(tree, result)
    assert {m: s.earned for m, s in result.sources.items()} == earned
    assert (result.bonus_raw, result.deductions) == (bonus, deductions)
    assert sorted(leaf.item.code for leaves in result.missing.values() for leaf in leaves) == sorted(gaps)
    if a1 and not decided:
        assert result.leaves["A1"].value == Fraction(sum(a1, D(0))) / len(a1)


def test_aggregated_marks_give_the_same_composite_as_the_marks():
    """The database hands the core :class:`LeafStats` (count, sum, low, high in millionths); the
    same unit given its single marks computes the same figures, and a six-decimal mean stays exact."""
    from evalflow.assessment.marks import LeafStats, stats_of

    tree = parse_tree(small_data())
    unit = full_unit(marks={"A1": marks("5.123457", "5.5"), "A2": marks(3, 4, 4), "T1": marks(3, 3)})
    aggregated = UnitInput(1, "单位1", tally_score=unit.tally_score, satisfied_rate=unit.satisfied_rate,
                           stats={c: stats_of(m) for c, m in unit.marks.items()})  # fmt: skip
    assert stats_of(unit.marks["A1"]) == LeafStats(2, 10_623_457, 5_123_457, 5_500_000)
    one, other = unit_result(tree, unit, TOP), unit_result(tree, aggregated, TOP)
    assert (one.sources, one.bonus_raw, one.deductions, one.total) == (
        other.sources, other.bonus_raw, other.deductions, other.total,
    )  # fmt: skip
    assert one.leaves["A1"].value == Fraction(10_623_457, 2_000_000)
    assert other.leaves["A1"].marks == () and one.leaves["A1"].marks == tuple(unit.marks["A1"])


def test_aggregated_marks_out_of_range_or_too_fine_are_refused():
    from evalflow.assessment.marks import LeafStats, micro

    tree = parse_tree(small_data())
    with pytest.raises(ValueError):
        unit_result(tree, UnitInput(1, stats={"A1": LeafStats(1, 7_000_000, 7_000_000, 7_000_000)}), TOP)
    with pytest.raises(ValueError):
        unit_result(tree, UnitInput(1, stats={"ZZ": LeafStats(1, 1, 1, 1)}), TOP)
    with pytest.raises(ValueError):
        micro(D("0.0000001"))
