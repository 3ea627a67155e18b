"""Who qualifies (threshold and quota per unit category), and the composite as JSON with its trace.

Qualification (:func:`qualify`), read over the ranked composite, unit by unit:

1. a vetoed unit (一票否决) does not qualify;
2. a unit whose sources are not complete does not qualify (the `→ review` guard normally prevents it);
3. a unit below its category's threshold (else the tree's) does not qualify;
4. of the rest, each category with a quota takes its best ``quota`` units by rank, and every unit tied
   (same rank) with the last one taken — so a tie at the cut never leaves one of two equals out.

The proposed list can start from the units that qualify; any difference is a deviation with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from evalflow.assessment.composite import LeafResult, UnitResult
from evalflow.assessment.formula import explain, shown
from evalflow.assessment.rules import Kind, Method, Settings, Tree, number
from evalflow.shared.messages import N_, Message, msg
from evalflow.tally.rules import display, exact_text


@dataclass(frozen=True)
class Verdict:
    unit_id: int
    qualifies: bool
    reason: Message | None = None


def _first_check(result: UnitResult, settings: Settings) -> Message | None:
    """Rules 1–3 of the module docstring: why *result* cannot qualify whatever the quota, or None."""
    threshold = settings.category(result.category).threshold
    if result.vetoed:
        return msg(N_("一票否决。"))
    if not result.complete:
        return msg(N_("测评尚未完成。"))
    if threshold is not None and result.total < threshold:
        return msg(
            N_("总分 %(total)s 低于达标分数线 %(threshold)s。"),
            total=shown(result.total),
            threshold=shown(threshold),
        )
    return None


def qualify(results: Sequence[UnitResult], settings: Settings) -> dict[int, Verdict]:
    """A verdict per unit of the *ranked* results (see the module docstring)."""
    verdicts: dict[int, Verdict] = {}
    taken: dict[str, list[UnitResult]] = {}
    for result in results:
        reason = _first_check(result, settings)
        if reason is not None:
            verdicts[result.unit_id] = Verdict(result.unit_id, False, reason)
            continue
        quota = settings.category(result.category).quota
        group = taken.setdefault(result.category, [])
        if quota is None or len(group) < quota or group[-1].rank == result.rank:
            group.append(result)
            verdicts[result.unit_id] = Verdict(result.unit_id, True)
        else:
            verdicts[result.unit_id] = Verdict(
                result.unit_id, False, msg(N_("超出本类别名额(%(quota)d 个)。"), quota=quota)
            )
    return verdicts


def figure(value: Fraction | None) -> float | None:
    """A figure for JSON: 2 decimals, half up (comparisons always use the exact value)."""
    shown_value = display(value)
    return None if shown_value is None else float(shown_value)


def unit_to_json(result: UnitResult, verdict: Verdict | None = None) -> dict[str, Any]:
    """One unit of ``GET …/composite``: the contract's fields, then ``vetoed``, ``missing`` (codes
    per source) and, when given, ``qualifies``."""
    out: dict[str, Any] = {
        "unit_id": result.unit_id,
        "sources": {m.value: figure(s.points) for m, s in result.sources.items()},
        "bonus": figure(result.bonus),
        "deductions": figure(result.deductions),
        "total": figure(result.total),
        "rank": result.rank,
        "complete": result.complete,
        "vetoed": result.vetoed,
        "missing": {m.value: [leaf.item.code for leaf in leaves] for m, leaves in result.missing.items()},
    }
    if verdict is not None:
        out["qualifies"] = verdict.qualifies
    return out


def composite_to_json(
    tree: Tree, results: Iterable[UnitResult], verdicts: dict[int, Verdict] | None = None
) -> dict[str, Any]:
    """``GET /api/v1/campaigns/{cid}/composite``: ``{"mode", "units": [...]}`` in rank order."""
    chosen = verdicts or {}
    return {
        "mode": tree.settings.mode.value,
        "units": [unit_to_json(r, chosen.get(r.unit_id)) for r in results],
    }


def _exact(value: Fraction | None) -> dict[str, Any]:
    return {"value": figure(value), "exact": exact_text(value)}


def leaf_trace(leaf: LeafResult, top_points: Decimal) -> dict[str, Any]:
    """A leaf's value and every sheet behind it, each mark with its share of the mean."""
    item = leaf.item
    out: dict[str, Any] = {
        "code": item.code,
        "title": item.title,
        "method": item.method.value if item.method else None,
        "points": number(item.points),
        **_exact(leaf.value),
        "basis": leaf.basis.value,
        "gap": leaf.gap.value if leaf.gap else None,
        "explain": explain(leaf, top_points),
        "marks": [
            {"scorer": m.scorer, "sheet": m.sheet, "points": number(m.points), "contribution": _exact(share)}
            for m, share in leaf.contributions()
        ]
        or [{"scorer": m.scorer, "sheet": m.sheet, "points": number(m.points)} for m in leaf.marks],
    }
    if leaf.factor is not None:
        out["factor"] = _exact(leaf.factor)
    if leaf.decision is not None:
        out["decision"] = {"points": number(leaf.decision.points), "reason": leaf.decision.reason}
        out["decision"]["by"] = leaf.decision.by
    return out


def trace(tree: Tree, result: UnitResult, top_points: Decimal) -> dict[str, Any]:
    """Every number of one unit's total down to each sheet: total → sources (→ percent × weight)
    → leaves → marks. ``explain`` entries are messages (rendered by the caller's language)."""

    def leaves(kind: Kind, method: Method | None = None) -> list[dict[str, Any]]:
        return [leaf_trace(result.leaves[i.code], top_points) for i in tree.leaves(kind, method)]

    sources = []
    for method, source in result.sources.items():
        sources.append(
            {
                "method": method.value,
                **_exact(source.points),
                "earned": _exact(source.earned),
                "possible": number(source.possible),
                "percent": _exact(source.percent) if source.percent is not None else None,
                "weight": None if source.weight is None else number(source.weight),
                "leaves": leaves(Kind.BASE, method),
            }
        )
    return {
        "unit_id": result.unit_id,
        "total": _exact(result.total),
        "rank": result.rank,
        "vetoed": result.vetoed,
        "sources": sources,
        "bonus": {
            **_exact(result.bonus),
            "before_cap": _exact(result.bonus_raw),
            "leaves": leaves(Kind.BONUS),
        },
        "deductions": {**_exact(result.deductions), "leaves": leaves(Kind.DEDUCTION)},
    }
