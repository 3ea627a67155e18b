"""The campaign's indicator tree as the pure core's :class:`~evalflow.assessment.rules.Tree`, read from
its rows — what an inspection sheet is checked against and shows.

The 测评体系's own use cases read the tree the same way; when they offer a loader this module's
:func:`load_tree` gives way to it (the rows, not this reading, are the truth).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from evalflow.assessment.models import Indicator
from evalflow.assessment.rules import Grade, Item, Rubric, Settings, Shortfall, Tree, plain
from evalflow.extensions import db


def _rubric(data: dict[str, Any] | None) -> Rubric | None:
    if not data:
        return None
    grades = tuple(Grade(g["label"], Decimal(str(g["fraction"]))) for g in data.get("grades", ()))
    cuts = tuple(Shortfall(s["label"], Decimal(str(s["points"]))) for s in data.get("deductions", ()))
    return Rubric(grades, cuts)


def _item(row: Indicator, children: dict[int | None, list[Indicator]]) -> Item:
    return Item(
        code=row.code,
        title=row.title,
        points=plain(row.points),
        criteria=row.criteria or "",
        method=row.method,
        kind=row.kind,
        evidence=row.evidence,
        rubric=_rubric(row.rubric),
        children=tuple(_item(child, children) for child in children.get(row.id, ())),
    )


def load_tree(campaign_id: int) -> Tree | None:
    """The campaign's tree in written order (None when the office has set none)."""
    rows = db.session.scalars(
        sa.select(Indicator).where(Indicator.campaign_id == campaign_id).order_by(Indicator.position)
    ).all()
    if not rows:
        return None
    children: dict[int | None, list[Indicator]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    return Tree(Settings(), tuple(_item(row, children) for row in children.get(None, ())))


def indicator_ids(campaign_id: int) -> dict[str, int]:
    """Each item's row id by code."""
    stmt = sa.select(Indicator.code, Indicator.id).where(Indicator.campaign_id == campaign_id)
    return dict(db.session.execute(stmt).all())
