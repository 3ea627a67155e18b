"""材料审核 helpers: balanced reviewer assignment with conflicts, and the divergence rule."""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalflow.assessment.parse import parse_tree
from evalflow.assessment.review import DivergenceStatus, Reviewer, assign, divergences, loads, open_codes
from evalflow.shared.errors import InvalidInput

D = Decimal


def free(*ids: int) -> list[Reviewer]:
    return [Reviewer(i) for i in ids]


def test_assign_even_loads_two_per_unit():
    plan = assign(free(1, 2, 3, 4, 5, 6), range(1, 10), seed=7)
    assert all(len(set(r)) == 2 for r in plan.values()) and len(plan) == 9
    assert sorted(loads(plan).values()) == [3, 3, 3, 3, 3, 3]


def test_assign_never_gives_a_reviewer_their_own_unit_or_a_conflict():
    reviewers = [Reviewer(n, works_for=frozenset({n}), conflicts=frozenset({n + 1})) for n in range(1, 7)]
    plan = assign(reviewers, range(1, 7), per_unit=3, seed=1)
    for unit_id, rids in plan.items():
        assert unit_id not in rids and unit_id - 1 not in rids and len(set(rids)) == 3
    assert sorted(loads(plan).values()) == [3] * 6


def test_assign_is_deterministic_given_a_seed():
    reviewers = free(*range(1, 9))
    plans = {seed: assign(reviewers, range(1, 13), seed=seed) for seed in range(6)}
    assert assign(reviewers, range(1, 13), seed=3) == plans[3]
    assert len({tuple(sorted(p.items())) for p in plans.values()}) > 1


def test_assign_names_every_unit_without_enough_reviewers():
    reviewers = [
        Reviewer(1, works_for=frozenset({10})),
        Reviewer(2, conflicts=frozenset({10, 11})),
        Reviewer(3),
    ]
    with pytest.raises(InvalidInput) as info:
        assign(reviewers, [10, 11, 12])
    assert [str(m) for m in info.value.fields["unit_ids"]] == ["单位(编号 10)可选的评审只有 1 位,少于 2 位。"]


def test_assign_keeps_the_office_assignments():
    plan = assign(free(1, 2, 3, 4), [1, 2, 3, 4], keep={1: [1, 2], 2: [1]}, seed=0)
    assert set(plan[1]) == {1, 2} and 1 in plan[2]
    assert sorted(loads(plan).values()) == [2, 2, 2, 2]


def test_assign_refuses_kept_pair_that_breaks_the_rules_and_bad_sizes():
    with pytest.raises(InvalidInput) as info:
        assign([Reviewer(1, works_for=frozenset({1})), *free(2, 3)], [1, 2], keep={1: [1]})
    assert [str(m) for m in info.value.fields["unit_ids"]] == ["评审(编号 1)不能审核单位(编号 1)。"]
    with pytest.raises(InvalidInput) as info:
        assign(free(1, 2), [1], per_unit=1)
    assert [str(m) for m in info.value.fields["per_unit"]] == ["每个单位的评审人数须为 2 到 10。"]


def test_assign_balances_where_a_greedy_pass_would_not():
    # Reviewer 1 may review every unit, 2–4 only a few: the greedy pass (most constrained units first)
    # is fixed up by moving units along chains.
    reviewers = [
        Reviewer(1),
        Reviewer(2, conflicts=frozenset({3, 4, 5, 6})),
        Reviewer(3, conflicts=frozenset({1, 2, 5, 6})),
        Reviewer(4, conflicts=frozenset({1, 2, 3, 4})),
    ]
    plan = assign(reviewers, range(1, 7), seed=0)
    assert max(loads(plan).values()) == best_max_load(reviewers, range(1, 7), 2)


def best_max_load(reviewers: list[Reviewer], unit_ids, per_unit: int) -> int:
    """The lowest possible highest load, by trying every assignment (tiny cases only)."""
    options = [
        list(itertools.combinations([r.reviewer_id for r in reviewers if r.may_review(u)], per_unit))
        for u in unit_ids
    ]
    best = None
    for choice in itertools.product(*options):
        counts: dict[int, int] = {}
        for group in choice:
            for rid in group:
                counts[rid] = counts.get(rid, 0) + 1
        top = max(counts.values())
        best = top if best is None else min(best, top)
    assert best is not None
    return best


@settings(max_examples=150, deadline=None)
@given(
    st.integers(3, 5).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.frozensets(st.integers(1, 5), max_size=2), min_size=n, max_size=n),
            st.integers(2, 5),
        )
    ),
    st.integers(0, 3),
)
def test_property_assign_reaches_the_lowest_possible_highest_load(case, seed):
    n, conflicts, unit_count = case
    reviewers = [Reviewer(i + 1, conflicts=c) for i, c in enumerate(conflicts)]
    units = list(range(1, unit_count + 1))
    if any(sum(r.may_review(u) for r in reviewers) < 2 for u in units):
        with pytest.raises(InvalidInput):
            assign(reviewers, units, seed=seed)
        return
    plan = assign(reviewers, units, seed=seed)
    for unit_id, rids in plan.items():
        assert len(set(rids)) == 2 and all(r.may_review(unit_id) for r in reviewers if r.reviewer_id in rids)
    assert max(loads(plan).values()) == best_max_load(reviewers, units, 2)


def materials_tree(gap: object = 30):
    return parse_tree(
        {
            "gap_percent": gap,
            "items": [
                {"code": "M1", "title": "制度", "points": 10, "method": "materials"},
                {"code": "M2", "title": "台账", "points": 4, "method": "materials"},
                {"code": "I1", "title": "现场", "points": 10, "method": "inspection"},
            ],
        }
    )


def test_divergence_flags_a_gap_over_the_set_percent():
    tree = materials_tree()
    found = divergences(tree, {"M1": [D(4), D(8)], "M2": [D(1), D("2.2")], "I1": [D(0), D(10)]})
    assert [(d.code, d.low, d.high, d.spread, d.allowed, d.status) for d in found] == [
        ("M1", 4, 8, 4, 3, DivergenceStatus.OPEN),
    ]  # M2: 1.2 ≤ 1.2 is within the gap; I1 is not a materials leaf
    assert open_codes(found) == {"M1"}


def test_divergence_resolved_by_a_third_sheet_or_a_decision():
    tree = materials_tree(gap=10)
    third = divergences(tree, {"M1": [D(4), D(8), D(6)]})
    decided = divergences(tree, {"M1": [D(4), D(8)], "M2": [D(0), D(4)]}, decided=["M1"])
    assert [(d.code, d.status) for d in third] == [("M1", DivergenceStatus.THIRD_SHEET)]
    assert [(d.code, d.status) for d in decided] == [
        ("M1", DivergenceStatus.DECIDED),
        ("M2", DivergenceStatus.OPEN),
    ]
    assert open_codes(third) == set() and open_codes(decided) == {"M2"}
    assert decided[1].allowed == Fraction(2, 5)


def test_divergence_needs_two_sheets():
    assert divergences(materials_tree(gap=1), {"M1": [D(0)]}) == []
