"""The tree as JSON: the answer of ``GET``/``PUT /indicators``, which :func:`.parse.parse_tree` reads back
to the same tree.

Points are JSON numbers (:func:`~.rules.number`: an int when whole, else the float whose shortest
spelling is the decimal — at most 4 decimals, so it reads back exactly). Besides the contract's
fields (``mode``, ``weights``, ``bonus_cap``, ``threshold``, ``items``, ``total``, ``bonus_total``)
the answer carries the extensions: ``tie_break``, ``gap_percent``, ``categories``, per item
``deduction``, ``evidence`` and ``rubric``, and ``deduction_total`` and ``totals`` for the live totals.
"""

from __future__ import annotations

from typing import Any

from evalflow.assessment.rules import Item, Kind, Mode, Rubric, Settings, Tree, number


def rubric_to_json(rubric: Rubric) -> dict[str, Any]:
    if rubric.grades:
        return {"grades": [{"label": g.label, "fraction": number(g.fraction)} for g in rubric.grades]}
    return {"deductions": [{"label": s.label, "points": number(s.points)} for s in rubric.shortfalls]}


def item_to_json(item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": item.code,
        "title": item.title,
        "criteria": item.criteria,
        "points": number(item.points),
        "bonus": item.kind is Kind.BONUS,
        "deduction": item.kind is Kind.DEDUCTION,
    }
    if item.is_leaf:
        out["method"] = item.method.value if item.method else None
        out["evidence"] = item.evidence
        if item.rubric is not None:
            out["rubric"] = rubric_to_json(item.rubric)
    else:
        out["children"] = [item_to_json(child) for child in item.children]
    return out


def settings_to_json(settings: Settings) -> dict[str, Any]:
    out: dict[str, Any] = {
        "mode": settings.mode.value,
        "bonus_cap": None if settings.bonus_cap is None else number(settings.bonus_cap),
        "threshold": None if settings.threshold is None else number(settings.threshold),
        "tie_break": list(settings.tie_break),
        "gap_percent": number(settings.gap_percent),
        "categories": {
            name: {
                "threshold": None if rule.threshold is None else number(rule.threshold),
                "quota": rule.quota,
            }
            for name, rule in settings.categories
        },
    }
    if settings.mode is Mode.WEIGHTED:
        out["weights"] = {m.value: number(w) for m, w in settings.weights}
    return out


def tree_to_json(tree: Tree) -> dict[str, Any]:
    """The stored tree as the API answers it: settings, items, ``total`` and ``bonus_total``, plus
    ``deduction_total`` and ``totals`` (every node's points, base points per method)."""
    totals = tree.totals()
    return {
        **settings_to_json(tree.settings),
        "items": [item_to_json(item) for item in tree.items],
        "total": number(totals.total),
        "bonus_total": number(totals.bonus_total),
        "deduction_total": number(totals.deduction_total),
        "totals": {
            "items": {code: number(p) for code, p in totals.items.items()},
            "methods": {m.value: number(p) for m, p in totals.methods.items()},
        },
    }
