"""A campaign's tree in its tables and back: :func:`load_tree` builds the :class:`~.rules.Tree` from
the rows, :func:`write_tree` replaces the rows with a tree that :func:`.parse.parse_tree` accepted.

The rows are trusted (they were written from a parsed tree), so loading builds the frozen shapes
directly rather than parsing again; ``tests/web/test_assessment_tree_api.py`` checks that a tree
read back equals the tree written, settings included. Items are written level by level (three
flushes at most) so each child can name its parent's id; ``position`` is the item's place in the
written order of the whole tree, so reading by position gives that order back.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from evalflow.assessment.models import AssessmentSettings, CategoryLimit, Indicator, Weight
from evalflow.assessment.rules import (
    CategoryRule,
    Grade,
    Item,
    Method,
    Rubric,
    Settings,
    Shortfall,
    Tree,
    plain,
)
from evalflow.assessment.tree_json import rubric_to_json
from evalflow.extensions import db


def _decimal(value: object) -> Decimal:
    return plain(Decimal(str(value)))


def _optional(value: Decimal | None) -> Decimal | None:
    return None if value is None else plain(value)


def rubric_of(data: Mapping[str, Any] | None) -> Rubric | None:
    """A stored rubric (the API's shape, :func:`.tree_json.rubric_to_json`) as a :class:`Rubric`."""
    if not data:
        return None
    if "grades" in data:
        return Rubric(grades=tuple(Grade(g["label"], _decimal(g["fraction"])) for g in data["grades"]))
    return Rubric(shortfalls=tuple(Shortfall(s["label"], _decimal(s["points"])) for s in data["deductions"]))


def _settings(row: AssessmentSettings) -> Settings:
    cid = row.campaign_id
    weights = db.session.scalars(sa.select(Weight).where(Weight.campaign_id == cid)).all()
    by_method = {w.method: plain(w.percent) for w in weights}
    categories = db.session.scalars(
        sa.select(CategoryLimit).where(CategoryLimit.campaign_id == cid).order_by(CategoryLimit.position)
    ).all()
    return Settings(
        mode=row.mode,
        weights=tuple((m, by_method[m]) for m in Method if m in by_method),
        bonus_cap=_optional(row.bonus_cap),
        threshold=_optional(row.threshold),
        tie_break=tuple(row.tie_break or ()),
        gap_percent=plain(row.gap_percent),
        categories=tuple((c.name, CategoryRule(_optional(c.threshold), c.quota)) for c in categories),
    )


def _item(row: Indicator, children: Mapping[int | None, list[Indicator]]) -> Item:
    kids = tuple(_item(child, children) for child in children.get(row.id, ()))
    return Item(
        code=row.code,
        title=row.title,
        points=plain(row.points),
        criteria=row.criteria,
        method=row.method,
        kind=row.kind,
        evidence=row.evidence,
        rubric=rubric_of(row.rubric),
        children=kids,
    )


def load_tree(campaign_id: int) -> Tree | None:
    """The campaign's tree, or None when the office has not set one (the briefing-only rules hold)."""
    row = db.session.get(AssessmentSettings, campaign_id)
    if row is None:
        return None
    rows = db.session.scalars(
        sa.select(Indicator).where(Indicator.campaign_id == campaign_id).order_by(Indicator.position)
    ).all()
    children: dict[int | None, list[Indicator]] = {}
    for item in rows:
        children.setdefault(item.parent_id, []).append(item)
    return Tree(_settings(row), tuple(_item(r, children) for r in children.get(None, ())))


def indicator_ids(campaign_id: int) -> dict[str, int]:
    """The id of each item of the campaign's tree, by code."""
    stmt = sa.select(Indicator.code, Indicator.id).where(Indicator.campaign_id == campaign_id)
    return dict(db.session.execute(stmt).all())


def _write_settings(campaign_id: int, settings: Settings) -> None:
    row = db.session.get(AssessmentSettings, campaign_id)
    if row is None:
        row = AssessmentSettings(campaign_id=campaign_id)
        db.session.add(row)
    row.mode = settings.mode
    row.bonus_cap = settings.bonus_cap
    row.threshold = settings.threshold
    row.tie_break = list(settings.tie_break)
    row.gap_percent = settings.gap_percent
    db.session.flush()
    db.session.execute(sa.delete(Weight).where(Weight.campaign_id == campaign_id))
    db.session.execute(sa.delete(CategoryLimit).where(CategoryLimit.campaign_id == campaign_id))
    db.session.add_all(Weight(campaign_id=campaign_id, method=m, percent=p) for m, p in settings.weights)
    db.session.add_all(
        CategoryLimit(
            campaign_id=campaign_id, name=name, position=n, threshold=rule.threshold, quota=rule.quota
        )
        for n, (name, rule) in enumerate(settings.categories)
    )


def _in_order(tree: Tree) -> list[tuple[Item, Item | None, int]]:
    """Every item with its parent and level, in the written order of the tree (depth first)."""
    out: list[tuple[Item, Item | None, int]] = []

    def visit(item: Item, parent: Item | None, level: int) -> None:
        out.append((item, parent, level))
        for child in item.children:
            visit(child, item, level + 1)

    for item in tree.items:
        visit(item, None, 1)
    return out


def write_tree(campaign_id: int, tree: Tree) -> None:
    """Replace the campaign's settings and items with *tree* (flush only). The caller has checked
    that no score refers to the old items (a score's key would refuse their deletion anyway)."""
    _write_settings(campaign_id, tree.settings)
    db.session.execute(sa.delete(Indicator).where(Indicator.campaign_id == campaign_id))
    ordered = _in_order(tree)
    made: dict[str, Indicator] = {}
    for level in (1, 2, 3):
        rows = []
        for position, (item, parent, depth) in enumerate(ordered, start=1):
            if depth == level:
                parent_id = made[parent.code].id if parent is not None else None
                made[item.code] = _row(campaign_id, item, position, level, parent_id)
                rows.append(made[item.code])
        if rows:
            db.session.add_all(rows)
            db.session.flush()


def _row(campaign_id: int, item: Item, position: int, level: int, parent_id: int | None) -> Indicator:
    return Indicator(
        campaign_id=campaign_id,
        code=item.code,
        parent_id=parent_id,
        level=level,
        position=position,
        title=item.title,
        criteria=item.criteria,
        points=item.points,
        method=item.method,
        kind=item.kind,
        rubric=rubric_to_json(item.rubric) if item.rubric else None,
        evidence=item.evidence if item.is_leaf else False,
    )
