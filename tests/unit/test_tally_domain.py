"""The tally's arithmetic, ranks, breakdowns, participation and bias signals (pure domain)."""

from __future__ import annotations

import statistics
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalflow.shared.campaigns.scale import DEFAULT_SCALE, Grade
from evalflow.shared.errors import InvalidInput
from evalflow.tally.bias import (
    Thresholds,
    Vote,
    aggregate,
    downgrading,
    flat_raters,
    parse_thresholds,
    reciprocity,
    scale_factor,
)
from evalflow.tally.chart import bars, ticks
from evalflow.tally.rules import (
    TallyMethod,
    UnitInfo,
    breakdown,
    compute,
    display,
    exact_text,
    figures,
    parse_method,
    participation,
    rank_key,
    unit_counts,
)

LABELS = [g.label for g in DEFAULT_SCALE]
POINTS = {g.label: Fraction(g.points) for g in DEFAULT_SCALE}


def counts_of(grades: list[str]) -> dict[str, int]:
    return {label: grades.count(label) for label in LABELS}


def test_figures_five_ballots_drop_one_highest_and_one_lowest():
    f = figures({"好": 3, "较好": 1, "一般": 1}, DEFAULT_SCALE)
    assert f.ballots == 5
    assert f.mean == Fraction(440, 5)
    assert f.trimmed_mean == Fraction(280, 3)
    assert f.median == 100
    assert display(f.trimmed_mean) == Decimal("93.33")


def test_figures_four_ballots_trimmed_mean_equals_mean():
    f = figures({"好": 1, "较好": 2, "一般": 1}, DEFAULT_SCALE)
    assert f.trimmed_mean == f.mean == 80
    assert f.median == 80


def test_figures_even_median_is_mean_of_the_two_middle_ballots():
    assert figures({"好": 1, "较好": 1}, DEFAULT_SCALE).median == 90


def test_figures_without_ballots_are_none():
    f = figures({}, DEFAULT_SCALE)
    assert (f.ballots, f.mean, f.trimmed_mean, f.median) == (0, None, None, None)


def test_figures_ignore_labels_not_on_the_scale():
    assert figures({"好": 2, "差": 5}, DEFAULT_SCALE).ballots == 2


def test_display_rounds_half_up_only_for_display():
    assert display(Fraction(1, 8)) == Decimal("0.13")
    assert display(Fraction(260, 3)) == Decimal("86.67")
    assert display(None) is None
    assert exact_text(Fraction(260, 3)) == "260/3"
    assert exact_text(Fraction(85)) == "85"


def test_parse_method_unknown_is_invalid_input():
    assert parse_method("median") is TallyMethod.MEDIAN
    with pytest.raises(InvalidInput) as exc:
        parse_method("max")
    assert "method" in exc.value.fields


def units(*ids: int) -> list[UnitInfo]:
    return [UnitInfo(i, f"单位{i}", expected=6) for i in ids]


def test_compute_ties_share_rank_one_two_two_four():
    counts = {
        1: {"好": 5},
        2: {"好": 3, "较好": 2},
        3: {"好": 3, "较好": 2},
        4: {"一般": 5},
    }
    results = compute(DEFAULT_SCALE, units(4, 3, 2, 1), counts)
    assert [(r.unit_id, r.rank) for r in results] == [(1, 1), (2, 2), (3, 2), (4, 4)]
    assert results[1].counts == {"好": 3, "较好": 2, "一般": 0}


def test_compute_equal_score_more_hao_ranks_first():
    # both mean 80 (fewer than 5 ballots, so trimmed mean = mean); unit 2 has one 好
    counts = {1: {"较好": 2}, 2: {"好": 1, "一般": 1}}
    results = compute(DEFAULT_SCALE, units(1, 2), counts)
    assert [(r.unit_id, r.score, r.rank) for r in results] == [(2, 80, 1), (1, 80, 2)]


def test_compute_equal_score_and_hao_more_jiaohao_ranks_first():
    # both mean 80 with one 好; unit 1 has two 较好, unit 2 none
    counts = {1: {"好": 1, "较好": 2, "一般": 1}, 2: {"好": 1, "一般": 1}}
    results = compute(DEFAULT_SCALE, units(2, 1), counts)
    assert [(r.unit_id, r.score, r.rank) for r in results] == [(1, 80, 1), (2, 80, 2)]


def test_compute_method_changes_the_score():
    counts = {1: {"好": 3, "一般": 2}}
    assert compute(DEFAULT_SCALE, units(1), counts, TallyMethod.MEAN)[0].score == 84
    assert compute(DEFAULT_SCALE, units(1), counts, TallyMethod.TRIMMED_MEAN)[0].score == Fraction(260, 3)
    assert compute(DEFAULT_SCALE, units(1), counts, TallyMethod.MEDIAN)[0].score == 100


def test_compute_unit_without_ballots_ranks_last_without_score():
    results = compute(DEFAULT_SCALE, units(1, 2), {2: {"一般": 1}})
    assert [(r.unit_id, r.score, r.rank) for r in results] == [(2, 60, 1), (1, None, 2)]


def test_breakdown_per_role_and_source():
    source_rows = [(1, "online", "好", 2), (1, "paper", "一般", 1), (1, "paper", "好", 1)]
    role_rows = [(1, "reporter", "好", 3), (1, "public", "一般", 1)]
    b = breakdown(source_rows, role_rows, DEFAULT_SCALE, ["reporter", "cadre", "public"], ["online", "paper"])
    assert b.by_role[1]["reporter"].counts == {"好": 3, "较好": 0, "一般": 0}
    assert b.by_role[1]["cadre"].figures.ballots == 0
    assert b.by_source[1]["paper"].counts == {"好": 1, "较好": 0, "一般": 1}
    assert b.by_source[1]["paper"].figures.mean == 80
    assert unit_counts(source_rows) == {1: {"好": 3, "一般": 1}}


def test_figures_exact_with_decimal_points():
    scale = (Grade("优", Decimal("92.5")), Grade("良", Decimal("70.25")), Grade("中", Decimal(50)))
    f = figures({"优": 1, "良": 1, "中": 1}, scale)
    assert f.mean == (Fraction(185, 2) + Fraction(281, 4) + 50) / 3
    assert f.median == Fraction(281, 4)


def test_participation_names_missing_units_never_the_own_unit():
    seats = [("Sa", 1, "reporter"), ("Sb", 2, "cadre")]
    missing = participation(seats, [1, 2, 3], [("Sa", 2), ("Sb", 1), ("Sb", 3)])
    assert [(m.seat, m.unit_ids) for m in missing] == [("Sa", (3,))]


# --- property tests ----------------------------------------------------------------------------

grade_lists = st.lists(st.sampled_from(LABELS), max_size=40)


@given(grade_lists, st.randoms())
def test_property_figures_invariant_under_permutation(grades, rnd):
    shuffled = list(grades)
    rnd.shuffle(shuffled)
    assert figures(counts_of(grades), DEFAULT_SCALE) == figures(counts_of(shuffled), DEFAULT_SCALE)


@given(grade_lists)
def test_property_trimmed_mean_rule(grades):
    values = [POINTS[g] for g in grades]
    f = figures(counts_of(grades), DEFAULT_SCALE)
    if not values:
        assert f.trimmed_mean is None
    elif len(values) >= 5:
        assert f.trimmed_mean == (sum(values) - max(values) - min(values)) / (len(values) - 2)
    else:
        assert f.trimmed_mean == f.mean == sum(values) / len(values)
    if values:
        assert f.median == statistics.median(values)


unit_counts_strategy = st.dictionaries(
    st.integers(1, 30),
    st.fixed_dictionaries({label: st.integers(0, 8) for label in LABELS}),
    min_size=1,
    max_size=12,
)


@settings(max_examples=150)
@given(unit_counts_strategy, st.sampled_from(list(TallyMethod)), st.randoms())
def test_property_ranks_consistent_and_order_independent(counts, method, rnd):
    infos = units(*counts)
    results = compute(DEFAULT_SCALE, infos, counts, method)
    shuffled = list(infos)
    rnd.shuffle(shuffled)
    assert compute(DEFAULT_SCALE, shuffled, counts, method) == results
    keys = {r.unit_id: rank_key(r, DEFAULT_SCALE) for r in results}
    for r in results:
        better = sum(1 for k in keys.values() if k > keys[r.unit_id])
        assert r.rank == better + 1
    assert [r.rank for r in results] == sorted(r.rank for r in results)


# --- bias signals ------------------------------------------------------------------------------


def test_flat_rater_named_with_grade_and_count():
    votes = [Vote("S1", 1, u, "好") for u in range(2, 8)] + [Vote("S2", 1, u, "好") for u in range(2, 6)]
    signals = flat_raters(aggregate(votes, DEFAULT_SCALE), Thresholds(flat_min_ballots=5))
    assert [(s.seats, s.figures) for s in signals] == [(("S1",), {"grade": "好", "ballots": 6})]


def _world() -> list[Vote]:
    """Four units with one seat each; units 1 and 2 grade each other 好, others grade them 一般."""
    votes = []
    for giver in range(1, 5):
        for unit in range(1, 5):
            if giver == unit:
                continue
            grade = "好" if {giver, unit} == {1, 2} else ("一般" if unit in (1, 2) else "较好")
            votes.append(Vote(f"S{giver}", giver, unit, grade))
    return votes


def test_reciprocity_pair_named_with_figures():
    signals = reciprocity(aggregate(_world(), DEFAULT_SCALE), Thresholds(reciprocity_margin=Decimal(30)))
    assert len(signals) == 1
    s = signals[0]
    assert (s.unit_ids, s.seats) == ((1, 2), ("S1", "S2"))
    assert s.figures == {"a_to_b": 100, "b_from_others": 60, "b_to_a": 100, "a_from_others": 60}
    assert reciprocity(aggregate(_world(), DEFAULT_SCALE), Thresholds(reciprocity_margin=Decimal(41))) == []
    assert (
        len(reciprocity(aggregate(_world(), DEFAULT_SCALE), Thresholds(reciprocity_margin=Decimal(40)))) == 1
    )


def test_downgrading_delegation_named_with_deficit():
    votes = [Vote(f"S{g}", g, u, "好") for g in range(1, 6) for u in (1, 2, 3) if g != u]
    votes = [v for v in votes if v.seat_unit_id != 5] + [Vote("S5", 5, u, "一般") for u in (1, 2, 3)]
    signals = downgrading(
        aggregate(votes, DEFAULT_SCALE), [1, 2, 3], Thresholds(downgrade_margin=Decimal(30))
    )
    assert [(s.unit_ids[0], s.seats, s.figures["deficit"]) for s in signals] == [(5, ("S5",), 40)]


def test_parse_thresholds_validates_every_field():
    t = parse_thresholds({"flat_min_ballots": "7", "downgrade_margin": "12.5"}, Thresholds())
    assert (t.flat_min_ballots, t.downgrade_margin, t.reciprocity_margin) == (7, Decimal("12.5"), 15)
    with pytest.raises(InvalidInput) as exc:
        parse_thresholds(
            {"flat_min_ballots": 0, "reciprocity_margin": "x", "leading_units": True}, Thresholds()
        )
    assert set(exc.value.fields) == {"flat_min_ballots", "reciprocity_margin", "leading_units"}


def test_custom_scale_ranks_by_its_own_top_grades():
    scale = (Grade("优", Decimal(90)), Grade("良", Decimal(70)), Grade("中", Decimal(50)))
    counts = {1: {"良": 2}, 2: {"优": 1, "中": 1}}
    assert [r.unit_id for r in compute(scale, units(1, 2), counts)] == [2, 1]


def test_scale_factor_makes_decimal_points_integers():
    scale = (Grade("优", Decimal("92.5")), Grade("良", Decimal("70.25")), Grade("中", Decimal(50)))
    assert scale_factor(scale) == 100
    assert scale_factor(DEFAULT_SCALE) == 1


def test_reciprocity_exact_with_decimal_points():
    scale = (Grade("好", Decimal("90.5")), Grade("较好", Decimal("80")), Grade("一般", Decimal("60.25")))
    signals = reciprocity(aggregate(_world(), scale), Thresholds(reciprocity_margin=Decimal("30.25")))
    assert [s.figures["a_to_b"] - s.figures["b_from_others"] for s in signals] == [Fraction(121, 4)]
    assert reciprocity(aggregate(_world(), scale), Thresholds(reciprocity_margin=Decimal("30.26"))) == []


@given(unit_counts_strategy)
def test_property_chart_bars_follow_ranks_and_segments_fill_the_bar(counts):
    results = compute(DEFAULT_SCALE, units(*counts), counts)
    found = bars(results, DEFAULT_SCALE)
    assert [b.unit_id for b in found] == [r.unit_id for r in results]
    for bar, r in zip(found, results, strict=True):
        assert bar.length == (float(r.score / 100) if r.score is not None else 0.0)
        assert sum(s.count for s in bar.segments) == r.ballots
        assert abs(sum(s.width for s in bar.segments) - (bar.length if r.ballots else 0)) < 1e-9
        starts = [s.start for s in bar.segments]
        assert starts == sorted(starts)


def test_chart_ticks_at_zero_and_every_grade():
    assert [(t.label, t.position) for t in ticks(DEFAULT_SCALE)] == [
        ("0", 0.0),
        ("60", 0.6),
        ("80", 0.8),
        ("100", 1.0),
    ]
