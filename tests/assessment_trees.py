"""Indicator trees for the assessment tests: a small hand-computed tree and a hypothesis strategy of
valid trees (as API bodies) with awkward texts — titles that look like formulas or OOXML escapes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from evalflow.shared.text import text_problem


def small_data(**settings: Any) -> dict[str, Any]:
    """Base 30 (materials 6, inspection 4, briefing 10, survey 10), bonus 6, deductions 2."""
    return {
        "mode": "points",
        "bonus_cap": 4,
        **settings,
        "items": [
            {
                "code": "A",
                "title": "组织领导",
                "children": [
                    {"code": "A1", "title": "制度", "points": 6, "method": "materials"},
                    {"code": "A2", "title": "阵地", "points": 4, "method": "inspection"},
                ],
            },
            {"code": "B", "title": "汇报", "points": 10, "method": "briefing"},
            {"code": "C", "title": "满意度", "points": 10, "method": "survey"},
            {
                "code": "T",
                "title": "特色",
                "bonus": True,
                "children": [
                    {"code": "T1", "title": "品牌", "points": 3, "method": "materials"},
                    {"code": "T2", "title": "推广", "points": 3, "method": "materials"},
                ],
            },
            {"code": "F", "title": "负面清单", "deduction": True, "points": 2, "method": "opinions"},
        ],
    }


def _visible(text: str) -> bool:
    return text_problem(text, required=True) is None


AWKWARD = [
    "=SUM(A1:A3)",
    "=1+1",
    "#N/A",
    "_x0041_",
    "-3",
    "+x",
    "@mention",
    "'quoted",
    "100",
    "TRUE",
    "2024-01-01",
]
texts = st.one_of(
    st.sampled_from(AWKWARD),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30),
).map(str.strip)
titles = texts.filter(_visible)
criteria = st.one_of(st.just(""), texts.filter(_visible), st.just("第一行\n第二行"))
points = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100), places=2)
SHEET = ["materials", "inspection", "opinions"]
ALL = [*SHEET, "survey", "briefing"]


@st.composite
def rubrics(draw: Any, leaf_points: Decimal) -> dict[str, Any]:
    labels = draw(
        st.lists(
            st.sampled_from(["A", "B", "C", "D", "优", "良", "台账不全", "-x"]),
            min_size=2,
            max_size=4,
            unique=True,
        )
    )
    if draw(st.booleans()):
        shares = sorted(
            draw(st.lists(st.integers(0, 10000), min_size=len(labels), max_size=len(labels), unique=True)),
            reverse=True,
        )
        return {
            "grades": [
                {"label": lb, "fraction": str(Decimal(s) / 10000)}
                for lb, s in zip(labels, shares, strict=True)
            ]
        }
    cents = int(leaf_points * 100)
    cuts = draw(st.lists(st.integers(1, cents), min_size=len(labels), max_size=len(labels)))
    return {
        "deductions": [
            {"label": lb, "points": str(Decimal(c) / 100)} for lb, c in zip(labels, cuts, strict=True)
        ]
    }


@st.composite
def leaves(draw: Any, kind: str) -> dict[str, Any]:
    methods = SHEET if kind == "deduction" else ALL
    node: dict[str, Any] = {"title": draw(titles), "criteria": draw(criteria), "points": str(draw(points))}
    node["method"] = draw(st.sampled_from(methods))
    node["evidence"] = draw(st.booleans())
    if kind != "deduction" and node["method"] in SHEET and draw(st.booleans()):
        node["rubric"] = draw(rubrics(Decimal(node["points"])))
    return node


@st.composite
def nodes(draw: Any, kind: str, depth: int) -> dict[str, Any]:
    if depth >= 3 or draw(st.integers(0, 2)) == 0:
        return draw(leaves(kind))
    children = draw(st.lists(nodes(kind, depth + 1), min_size=1, max_size=3))
    return {"title": draw(titles), "criteria": draw(criteria), "children": children}


def _number(items: list[dict[str, Any]], counter: list[int]) -> None:
    for item in items:
        counter[0] += 1
        item["code"] = f"C{counter[0]}"
        _number(item.get("children", []), counter)


def _base_methods(item: dict[str, Any], found: set[str]) -> None:
    if "children" in item:
        for child in item["children"]:
            _base_methods(child, found)
    else:
        found.add(item["method"])


@st.composite
def tree_data(draw: Any) -> dict[str, Any]:
    """A valid tree body: 1–4 base items, maybe bonus and deduction items, and random settings."""
    items = draw(st.lists(nodes("base", 1), min_size=1, max_size=4))
    for kind in ("bonus", "deduction"):
        for node in draw(st.lists(nodes(kind, 1), max_size=2)):
            node[kind] = True
            items.append(node)
    _number(items, [0])
    data: dict[str, Any] = {"items": items, "mode": "points"}
    methods: set[str] = set()
    for item in items:
        if not item.get("bonus") and not item.get("deduction"):
            _base_methods(item, methods)
    if draw(st.booleans()):
        data["mode"] = "weighted"
        ordered = sorted(methods)
        cuts = sorted(
            draw(
                st.lists(
                    st.integers(1, 99), min_size=len(ordered) - 1, max_size=len(ordered) - 1, unique=True
                )
            )
        )
        bounds = [0, *cuts, 100]
        data["weights"] = {m: bounds[n + 1] - bounds[n] for n, m in enumerate(ordered)}
    if draw(st.booleans()):
        data["bonus_cap"] = str(draw(st.decimals(min_value=0, max_value=50, places=2)))
    data["tie_break"] = draw(st.lists(st.sampled_from(sorted(methods)), unique=True, max_size=2))
    data["gap_percent"] = draw(st.sampled_from([10, 25, "33.5", 100]))
    if draw(st.booleans()):
        data["categories"] = {"社区": {"quota": draw(st.integers(1, 20))}, "企业": {"threshold": 0}}
    return data
