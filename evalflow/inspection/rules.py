"""实地考察's rules — pure Python: a visit's states, who may inspect a unit, the balanced proposal of
teams to units, the notice a unit gets, and the limits of what an inspector writes and uploads.

- A visit is ``scheduled`` until its time comes or an inspector writes on it, ``in_progress`` while
  the team scores, ``done`` once every member submitted their sheet, ``signed`` once the leader
  signed (the sheets lock and count in the composite). One not signed a day after its start is
  *overdue* (:func:`is_overdue`).
- An inspector never inspects the unit they work for; the office may declare other conflicts
  (:func:`conflicts`). A visit or a proposal that would break either is refused with the reason.
- An announced visit is shown to its unit at once and must be scheduled at least the notice hours
  ahead (default 12, ``EVALFLOW_VISIT_NOTICE_HOURS``); an unannounced one (暗访) stays hidden from the
  unit until signed (:func:`visible_to_unit`).
- :func:`propose` gives each unit one team, no team with a member in conflict with it, the loads as
  even as the conflicts allow; :func:`slots` suggests half-day times for each team's visits.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from evalflow.assessment.rules import Method
from evalflow.shared.messages import N_, Message, msg

METHOD = Method.INSPECTION  # the leaves an inspection sheet scores
DEFAULT_NOTICE_HOURS = 12
OVERDUE_HOURS = 24
MAX_TEAM = 10  # inspectors on one visit
MAX_TEAM_NAME = 60
MAX_PEOPLE_MET = 500
MAX_SUMMARY = 2000
MAX_REASON = 500
MAX_CONFLICT_NOTE = 200  # why an inspector keeps away from a unit
# What a request may carry before it is stripped and read (the use cases then apply the limits above).
MAX_CONFLICT_NOTE_SENT = 2 * MAX_CONFLICT_NOTE
MAX_PEOPLE_MET_SENT = 8 * MAX_PEOPLE_MET
MAX_SUMMARY_SENT = 4 * MAX_SUMMARY
MAX_PHOTOS = 60  # per inspector and visit
REVISION_LENGTH = 36  # a UUID made on the device: 8-4-4-4-12 hex digits
SLOT_TIMES = (time(9, 0), time(14, 30))  # a visit takes half a day (看实地、听介绍、评资料)


class VisitStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    SIGNED = "signed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    VisitStatus.SCHEDULED: N_("待考察"),
    VisitStatus.IN_PROGRESS: N_("考察中"),
    VisitStatus.DONE: N_("待组长签字"),
    VisitStatus.SIGNED: N_("已签字"),
}


@dataclass(frozen=True)
class VisitFacts:
    """What a visit's state is read from."""

    starts_at: datetime
    members: int
    submitted: int
    started: bool  # an inspector wrote on a sheet or uploaded a photo
    signed: bool


def visit_status(facts: VisitFacts, now: datetime) -> VisitStatus:
    if facts.signed:
        return VisitStatus.SIGNED
    if facts.members and facts.submitted == facts.members:
        return VisitStatus.DONE
    if facts.started or now >= facts.starts_at:
        return VisitStatus.IN_PROGRESS
    return VisitStatus.SCHEDULED


def is_overdue(facts: VisitFacts, now: datetime) -> bool:
    """Not signed a full day after the visit began (the office chases it)."""
    return not facts.signed and now >= facts.starts_at + timedelta(hours=OVERDUE_HOURS)


def visible_to_unit(announced: bool, signed: bool) -> bool:
    """An announced visit is the unit's to see; a 暗访 only once its sheets are signed."""
    return announced or signed


def notice_problem(announced: bool, starts_at: datetime, now: datetime, hours: int) -> Message | None:
    """Why an announced visit at *starts_at* gives its unit too little notice, or None."""
    if announced and starts_at < now + timedelta(hours=hours):
        return msg(
            N_("事先通知的考察须至少提前 %(hours)d 小时安排,以便单位准备;否则请改为暗访。"), hours=hours
        )
    return None


# --- teams and conflicts ------------------------------------------------------------------------


class ConflictKind(enum.StrEnum):
    WORKS_THERE = "works_there"  # the inspector's affiliation is the unit
    DECLARED = "declared"  # the office declared it


@dataclass(frozen=True)
class Conflict:
    inspector_id: int
    kind: ConflictKind
    note: str = ""


def conflicts(
    inspector_ids: Iterable[int],
    unit_id: int,
    affiliation: Mapping[int, int | None],
    declared: Mapping[tuple[int, int], str],
) -> list[Conflict]:
    """Why each of *inspector_ids* may not inspect *unit_id*: they work for it, or the office
    declared a conflict (*declared* maps ``(inspector_id, unit_id)`` to its note)."""
    found = []
    for person in inspector_ids:
        if affiliation.get(person) == unit_id:
            found.append(Conflict(person, ConflictKind.WORKS_THERE))
        elif (person, unit_id) in declared:
            found.append(Conflict(person, ConflictKind.DECLARED, declared[(person, unit_id)]))
    return found


def team_problems(inspector_ids: Sequence[int], leader_id: int | None) -> list[Message]:
    """A visit's team: one to :data:`MAX_TEAM` distinct inspectors, the leader among them."""
    problems = []
    if not inspector_ids:
        problems.append(msg(N_("请至少选择一名考察组成员。")))
    if len(set(inspector_ids)) != len(inspector_ids):
        problems.append(msg(N_("考察组成员不能重复。")))
    if len(inspector_ids) > MAX_TEAM:
        problems.append(msg(N_("考察组最多 %(max)d 人。"), max=MAX_TEAM))
    if leader_id is None or leader_id not in inspector_ids:
        problems.append(msg(N_("组长须是考察组成员之一。")))
    return problems


# --- the balanced proposal ----------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    teams: dict[int, int]  # unit id → team id
    unplaced: tuple[int, ...]  # units no team may inspect (every team has a conflict with it)


def propose(
    units: Sequence[int],
    teams: Mapping[int, Sequence[int]],
    blocked: set[tuple[int, int]],
    loads: Mapping[int, int] | None = None,
) -> Proposal:
    """Give each unit one team so that no team inspects a unit one of its members may not
    (*blocked*: ``(team_id, unit_id)`` pairs) and the busiest team has as few visits as possible.

    Greedy, most constrained unit first, each to the least-loaded team allowed (ties: lower team
    id); then, while a busiest team can hand a visit along a chain of moves to a team with at least
    two fewer, it does (:func:`_level`: the single moves alone missed the best plan in rare cases
    that the property test found). *loads* are visits the teams already have. Deterministic."""
    load = {team: (loads or {}).get(team, 0) for team in teams}
    allowed = {u: [t for t in sorted(teams) if (t, u) not in blocked] for u in units}
    placed: dict[int, int] = {}
    for unit in sorted(units, key=lambda u: (len(allowed[u]), u)):
        if allowed[unit]:
            team = min(allowed[unit], key=lambda t: (load[t], t))
            placed[unit] = team
            load[team] += 1
    _level(placed, allowed, load)
    return Proposal(placed, tuple(u for u in units if u not in placed))


def _level(placed: dict[int, int], allowed: Mapping[int, list[int]], load: dict[int, int]) -> None:
    """While a busiest team can hand one visit along a chain (unit u from team a to b, unit v from b
    to c, …) to a team with at least two visits fewer, do so. When no chain is left, the teams a
    busiest team's units could reach all have at least the peak less one, and those units can go
    nowhere else — so no plan gives the busiest team fewer visits. Each pass lowers a busiest team."""
    while True:
        chain = _chain(placed, allowed, load, max(load.values(), default=0))
        if chain is None:
            return
        for unit, target in chain:
            load[placed[unit]] -= 1
            load[target] += 1
            placed[unit] = target


def _chain(
    placed: Mapping[int, int], allowed: Mapping[int, list[int]], load: Mapping[int, int], peak: int
) -> list[tuple[int, int]] | None:
    """The shortest chain of moves ``(unit, to team)`` from a team with *peak* visits to one with at
    most ``peak - 2`` (breadth first, in team and unit order: deterministic), or None."""
    by_team: dict[int, list[int]] = {}
    for unit in sorted(placed):
        by_team.setdefault(placed[unit], []).append(unit)
    start = [t for t in sorted(load) if load[t] == peak]
    came: dict[int, tuple[int, int] | None] = dict.fromkeys(start)
    queue = list(start)
    for team in queue:
        for unit in by_team.get(team, []):
            for target in allowed[unit]:
                if target in came:
                    continue
                came[target] = (unit, team)
                if load[target] <= peak - 2:
                    moves = []
                    step: int = target
                    while (back := came[step]) is not None:
                        moves.append((back[0], step))
                        step = back[1]
                    return moves[::-1]
                queue.append(target)
    return None


def slots(proposal: Mapping[int, int], first_day: date) -> dict[int, datetime]:
    """Suggested (naive, office-local) times: each team's units in unit order, two half-days a
    working day (Monday to Friday) from *first_day*."""
    out: dict[int, datetime] = {}
    count: dict[int, int] = {}
    for unit in sorted(proposal):
        team = proposal[unit]
        n = count.get(team, 0)
        count[team] = n + 1
        out[unit] = datetime.combine(_weekday_after(first_day, n // 2), SLOT_TIMES[n % 2])
    return out


def _weekday_after(day: date, steps: int) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    for _ in range(steps):
        day += timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
    return day


# --- what an inspector writes -------------------------------------------------------------------


def is_revision(value: object) -> bool:
    """A device-made id (a UUID in its usual spelling, any case)."""
    if not isinstance(value, str) or len(value) != REVISION_LENGTH:
        return False
    parts = value.split("-")
    return [len(p) for p in parts] == [8, 4, 4, 4, 12] and all(
        c in "0123456789abcdefABCDEF" for p in parts for c in p
    )
