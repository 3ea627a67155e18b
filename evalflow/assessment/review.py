"""材料审核 helpers: reviewers assigned to units, and the divergence rule between sheets.

Assignment (:func:`assign`):

- every unit gets ``per_unit`` (at least 2) distinct reviewers; a reviewer never gets a unit they
  work for or declared a conflict with; assignments the office already made are kept as they are;
- loads are as even as possible: a greedy pass (the units with the fewest possible reviewers first,
  each to the least-loaded possible reviewers) and then *cost-reducing paths* — a chain of moves
  "unit u from reviewer a to b, unit v from b to c, …" that takes one unit from a reviewer to one
  with at least two fewer — until none is left. With no such path no reviewer's load can be lowered
  without raising another's to the same level (the semi-matching optimality condition), so the
  highest load is as low as it can be;
- deterministic: equal choices are settled by a shuffle of the reviewers seeded with ``seed``.

Divergence (:func:`divergences`): a 材料审核 leaf whose submitted marks differ (highest − lowest) by
more than ``gap_percent`` % of the leaf's points is flagged. It is resolved by a third reviewer's
submitted sheet (the leaf's value is then the mean of all its sheets, as for any leaf) or by the
office's decision with a reason (the decided points replace the mean); until then its source is
incomplete (:func:`open_codes` feeds :func:`.composite.compute`).
"""

from __future__ import annotations

import enum
import random
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from evalflow.assessment.marks import MICRO, from_micro
from evalflow.assessment.rules import Item, Method, Tree, plain
from evalflow.shared.errors import InvalidInput
from evalflow.shared.messages import N_, msg

MIN_PER_UNIT = 2
MAX_PER_UNIT = 10
MAX_SEED = 2**31 - 1  # a proposal's seed: any 32-bit signed number


@dataclass(frozen=True)
class Reviewer:
    """A reviewer, the applicant units they work for, and the units they declared a conflict with."""

    reviewer_id: int
    works_for: frozenset[int] = frozenset()
    conflicts: frozenset[int] = frozenset()

    def may_review(self, unit_id: int) -> bool:
        return unit_id not in self.works_for and unit_id not in self.conflicts


class _Plan:
    """Assignments in progress: who reviews each unit, each reviewer's units, and the fixed pairs."""

    def __init__(self, reviewers: Sequence[Reviewer], unit_ids: Sequence[int], seed: int) -> None:
        order = sorted(r.reviewer_id for r in reviewers)
        random.Random(seed).shuffle(order)
        self.priority = {rid: n for n, rid in enumerate(order)}
        self.eligible = {
            u: sorted((r.reviewer_id for r in reviewers if r.may_review(u)), key=self.priority.__getitem__)
            for u in unit_ids
        }
        self.on: dict[int, list[int]] = {u: [] for u in unit_ids}
        self.units: dict[int, set[int]] = {rid: set() for rid in order}
        self.fixed: set[tuple[int, int]] = set()

    def load(self, rid: int) -> int:
        return len(self.units[rid])

    def add(self, unit_id: int, rid: int) -> None:
        self.on[unit_id].append(rid)
        self.units[rid].add(unit_id)

    def move(self, unit_id: int, old: int, new: int) -> None:
        self.on[unit_id].remove(old)
        self.units[old].discard(unit_id)
        self.add(unit_id, new)

    def fill(self, per_unit: int) -> None:
        """Greedy: the most constrained units first, each to its least-loaded possible reviewers."""
        for unit_id in sorted(self.on, key=lambda u: (len(self.eligible[u]), u)):
            free = [r for r in self.eligible[unit_id] if r not in self.on[unit_id]]
            free.sort(key=lambda r: (self.load(r), self.priority[r]))
            for rid in free[: max(0, per_unit - len(self.on[unit_id]))]:
                self.add(unit_id, rid)

    def cost_reducing_path(self, start: int) -> list[tuple[int, int, int]] | None:
        """Moves ``(unit, from, to)`` that take one unit off *start* and give one to a reviewer with
        at least two fewer, intermediate loads unchanged; None when there is none (breadth first)."""
        came: dict[int, tuple[int, int] | None] = {start: None}
        queue = deque([start])
        while queue:
            rid = queue.popleft()
            for unit_id in sorted(self.units[rid]):
                if (unit_id, rid) in self.fixed:
                    continue
                for nxt in self.eligible[unit_id]:
                    if nxt in came or nxt in self.on[unit_id]:
                        continue
                    came[nxt] = (rid, unit_id)
                    if self.load(nxt) <= self.load(start) - 2:
                        return self._path(came, nxt)
                    queue.append(nxt)
        return None

    @staticmethod
    def _path(came: Mapping[int, tuple[int, int] | None], end: int) -> list[tuple[int, int, int]]:
        moves = []
        step = came[end]
        while step is not None:
            prev, unit_id = step
            moves.append((unit_id, prev, end))
            end, step = prev, came[prev]
        return moves

    def balance(self) -> None:
        """Apply cost-reducing paths, from the most loaded reviewers first, until none is left."""
        improved = True
        while improved:
            improved = False
            for rid in sorted(self.units, key=lambda r: (-self.load(r), self.priority[r])):
                path = self.cost_reducing_path(rid)
                if path:
                    for unit_id, old, new in path:
                        self.move(unit_id, old, new)
                    improved = True
                    break


def assign(
    reviewers: Sequence[Reviewer],
    unit_ids: Iterable[int],
    *,
    per_unit: int = MIN_PER_UNIT,
    seed: int = 0,
    keep: Mapping[int, Iterable[int]] | None = None,
) -> dict[int, tuple[int, ...]]:
    """Reviewers per unit (see the module docstring); :class:`InvalidInput` naming every unit that
    cannot get ``per_unit`` reviewers, or a kept pair that breaks the rules."""
    if not MIN_PER_UNIT <= per_unit <= MAX_PER_UNIT:
        raise InvalidInput(
            fields={"per_unit": [msg(N_("每个单位的评审人数须为 2 到 %(max)d。"), max=MAX_PER_UNIT)]}
        )
    units = sorted(set(unit_ids))
    plan = _Plan(reviewers, units, seed)
    problems = []
    for unit_id, rids in sorted((keep or {}).items()):
        for rid in sorted(set(rids)):
            if unit_id not in plan.on or rid not in plan.eligible[unit_id]:
                problems.append(
                    msg(N_("评审(编号 %(rid)d)不能审核单位(编号 %(uid)d)。"), rid=rid, uid=unit_id)
                )
            else:
                plan.add(unit_id, rid)
                plan.fixed.add((unit_id, rid))
    for unit_id in units:
        if len(plan.eligible[unit_id]) < per_unit:
            problems.append(
                msg(
                    N_("单位(编号 %(uid)d)可选的评审只有 %(n)d 位,少于 %(need)d 位。"),
                    uid=unit_id,
                    n=len(plan.eligible[unit_id]),
                    need=per_unit,
                )  # fmt: skip
            )
    if problems:
        raise InvalidInput(msg(N_("无法分配评审。")), fields={"unit_ids": problems})
    plan.fill(per_unit)
    plan.balance()
    return {u: tuple(sorted(plan.on[u], key=plan.priority.__getitem__)) for u in units}


def loads(plan: Mapping[int, Sequence[int]]) -> dict[int, int]:
    """How many units each reviewer got."""
    out: dict[int, int] = {}
    for rids in plan.values():
        for rid in rids:
            out[rid] = out.get(rid, 0) + 1
    return out


class DivergenceStatus(enum.StrEnum):
    """Where a divergence between two reviewers' sheets stands."""

    OPEN = "open"  # waiting for a third sheet or the office's decision
    THIRD_SHEET = "third_sheet"  # resolved: a third reviewer submitted
    DECIDED = "decided"  # resolved: the office decided, with a reason


@dataclass(frozen=True)
class Divergence:
    code: str
    low: Decimal
    high: Decimal
    allowed: Fraction  # the gap in points: the leaf's points × gap_percent ÷ 100
    sheets: int
    status: DivergenceStatus

    @property
    def spread(self) -> Decimal:
        return self.high - self.low


def allowed_gap(item: Item, gap_percent: Decimal) -> Fraction:
    return Fraction(item.points) * Fraction(gap_percent) / 100


def divergences(
    tree: Tree,
    marks: Mapping[str, Sequence[Decimal]],
    decided: Iterable[str] = (),
    methods: frozenset[Method] = frozenset({Method.MATERIALS}),
) -> list[Divergence]:
    """The flagged leaves of one unit, in tree order. *marks*: each leaf's submitted points."""
    spreads = {code: (len(points), min(points), max(points)) for code, points in marks.items() if points}
    return spread_divergences(tree, spreads, decided, methods)


def spread_divergences(
    tree: Tree,
    spreads: Mapping[str, tuple[int, Decimal | int, Decimal | int]],
    decided: Iterable[str] = (),
    methods: frozenset[Method] = frozenset({Method.MATERIALS}),
    millionths: bool = False,
) -> list[Divergence]:
    """:func:`divergences` from each leaf's ``(number of marks, lowest, highest)``: points, or with
    *millionths* the integer millionths of a point the database aggregates (the composite: the check
    stays integer arithmetic, and only a flagged leaf's lowest and highest become points)."""
    resolved = set(decided)
    gap_percent = tree.settings.gap_percent
    scale = MICRO if millionths else 1
    out = []
    for item in tree.leaves():
        found = spreads.get(item.code)
        if item.method not in methods or found is None or found[0] < 2:
            continue
        count, low, high = found
        if (high - low) * 100 <= item.points * gap_percent * scale:  # exact: ≤ allowed_gap
            continue
        if millionths:
            low, high = plain(from_micro(int(low))), plain(from_micro(int(high)))
        allowed = allowed_gap(item, gap_percent)
        if item.code in resolved:
            status = DivergenceStatus.DECIDED
        elif count >= 3:
            status = DivergenceStatus.THIRD_SHEET
        else:
            status = DivergenceStatus.OPEN
        out.append(Divergence(item.code, Decimal(low), Decimal(high), allowed, count, status))
    return out


def open_codes(found: Iterable[Divergence]) -> set[str]:
    """The codes still waiting for a third sheet or a decision (they keep their source incomplete)."""
    return {d.code for d in found if d.status is DivergenceStatus.OPEN}
