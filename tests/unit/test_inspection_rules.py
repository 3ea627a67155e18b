"""实地考察's pure rules: visit states, overdue, what a unit sees, the notice, conflicts, the balanced
proposal (checked against every assignment of small cases), slots, capture times and device ids."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from evalflow.inspection import rules
from evalflow.inspection.photo_rules import capture_time, refusal
from evalflow.inspection.rules import ConflictKind, VisitFacts, VisitStatus

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def _facts(
    hours: float = 2, members: int = 2, submitted: int = 0, started: bool = False, signed: bool = False
):
    return VisitFacts(NOW + timedelta(hours=hours), members, submitted, started, signed)


def test_visit_status_follows_the_team():
    assert rules.visit_status(_facts(), NOW) is VisitStatus.SCHEDULED
    assert rules.visit_status(_facts(started=True), NOW) is VisitStatus.IN_PROGRESS
    assert rules.visit_status(_facts(hours=-1), NOW) is VisitStatus.IN_PROGRESS
    assert rules.visit_status(_facts(submitted=1, started=True), NOW) is VisitStatus.IN_PROGRESS
    assert rules.visit_status(_facts(submitted=2, started=True), NOW) is VisitStatus.DONE
    assert rules.visit_status(_facts(submitted=2, signed=True), NOW) is VisitStatus.SIGNED


def test_visit_is_overdue_a_day_after_its_start_until_signed():
    assert not rules.is_overdue(_facts(hours=-23.9), NOW)
    assert rules.is_overdue(_facts(hours=-24), NOW)
    assert not rules.is_overdue(_facts(hours=-48, signed=True), NOW)


def test_unit_sees_announced_visits_and_surprise_ones_once_signed():
    assert [rules.visible_to_unit(a, s) for a, s in itertools.product((True, False), repeat=2)] == [
        True, True, True, False]  # fmt: skip


def test_notice_problem_only_for_announced_visits_too_soon():
    assert rules.notice_problem(True, NOW + timedelta(hours=11, minutes=59), NOW, 12) is not None
    assert rules.notice_problem(True, NOW + timedelta(hours=12), NOW, 12) is None
    assert rules.notice_problem(False, NOW + timedelta(minutes=5), NOW, 12) is None


def test_conflicts_name_the_reason():
    found = rules.conflicts([1, 2, 3], 10, {1: 10, 2: None, 3: 11}, {(2, 10): "亲属"})
    assert [(c.inspector_id, c.kind, c.note) for c in found] == [
        (1, ConflictKind.WORKS_THERE, ""), (2, ConflictKind.DECLARED, "亲属")]  # fmt: skip


def test_team_problems_need_a_leader_among_distinct_members():
    assert rules.team_problems([1, 2], 1) == []
    assert len(rules.team_problems([], None)) == 2
    assert len(rules.team_problems([1, 1], 3)) == 2


def _best_peak(units: list[int], teams: dict[int, list[int]], blocked: set[tuple[int, int]]) -> int | None:
    options = [[t for t in teams if (t, u) not in blocked] for u in units]
    if any(not o for o in options):
        return None
    return min(max([choice.count(t) for t in teams]) for choice in itertools.product(*options))


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 3),
    st.sets(st.tuples(st.integers(1, 3), st.integers(1, 6)), max_size=8),
)
def test_propose_is_as_even_as_the_conflicts_allow(n_units, n_teams, blocked):
    units = list(range(1, n_units + 1))
    teams = {t: [t] for t in range(1, n_teams + 1)}
    plan = rules.propose(units, teams, blocked)
    assert all((team, unit) not in blocked for unit, team in plan.teams.items())
    assert sorted([*plan.teams, *plan.unplaced]) == units
    best = _best_peak([u for u in units if u in plan.teams], teams, blocked)
    if plan.teams:
        assert max(list(plan.teams.values()).count(t) for t in teams) == best
    assert plan.unplaced == tuple(u for u in units if all((t, u) in blocked for t in teams))


def test_slots_give_each_team_two_half_days_per_working_day():
    times = rules.slots({1: 7, 2: 7, 3: 7, 4: 8}, date(2026, 12, 11))  # a Friday
    assert [times[u].isoformat() for u in (1, 2, 3, 4)] == [
        "2026-12-11T09:00:00", "2026-12-11T14:30:00", "2026-12-14T09:00:00", "2026-12-11T09:00:00"]  # fmt: skip


def test_capture_time_reads_the_camera_offset_or_the_office_zone():
    shanghai = timezone(timedelta(hours=8))
    assert capture_time("2026:11:08 10:01:02", "+08:00", UTC) == datetime(2026, 11, 8, 2, 1, 2, tzinfo=UTC)
    assert capture_time("2026:11:08 10:01:02", None, shanghai).astimezone(UTC).hour == 2
    assert capture_time("0000:00:00 00:00:00", None, UTC) is None
    assert capture_time("1970:01:01 00:00:00", "+99:00", UTC) is None


def test_refusals_say_what_to_do():
    assert refusal("ok", 50_000_000) is None
    assert [refusal(s, 50_000_000)[0] for s in ("heic", "too_many_pixels", "not_image", "damaged")] == [
        415, 413, 415, 415]  # fmt: skip


def test_revision_is_a_device_uuid():
    assert rules.is_revision("0b6f3c5e-8d2a-4f7b-9c1e-2a3b4c5d6e7f")
    assert rules.is_revision("0B6F3C5E-8D2A-4F7B-9C1E-2A3B4C5D6E7F")
    for bad in ("", "0b6f3c5e8d2a4f7b9c1e2a3b4c5d6e7f", "0b6f3c5e-8d2a-4f7b-9c1e-2a3b4c5d6e7g", None, 12):
        assert not rules.is_revision(bad)
