"""Which 实地考察 sheets count, for the composite (综合测评): those of **signed** visits.

:func:`signed_marks` answers in the shape the composite's inputs take
(:class:`evalflow.assessment.composite.UnitInput` ``marks``): per unit, per leaf code, one
:class:`~evalflow.assessment.marks.Mark` per signed sheet that gives the leaf points, named by
the inspector's username and the sheet's id. A sheet of a visit not yet signed never counts, however
complete; a mark without points (a comment only) is left out; an office amendment after signing is
counted as amended.

:func:`inspection_points` is the office's view of that source until the composite's own page shows
it: each accepted unit's 实地考察 points, computed by the composite's rules from these marks alone.

The signature also sets each sheet's ``score_sheet.submitted_at`` (``signoff.sign``), so a reader of
every method's submitted sheets sees exactly these inspection sheets too.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa

from evalflow.assessment.composite import UnitInput, compute
from evalflow.assessment.marks import Mark
from evalflow.assessment.models import Indicator, ScoreSheet, SheetScore
from evalflow.assessment.rules import Kind, Method, plain
from evalflow.assessment.tree_rows import load_tree
from evalflow.extensions import db
from evalflow.inspection.models import Visit
from evalflow.shared.access import Action, Actor
from evalflow.shared.accounts.models import User
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import require
from evalflow.training.service import accepted_units


def signed_marks(campaign_id: int, unit_id: int | None = None) -> dict[int, dict[str, list[Mark]]]:
    """Per unit (only *unit_id*, when given), per leaf code, the marks of the signed inspection
    sheets, in tree order then by inspector."""
    stmt = (
        sa.select(ScoreSheet.unit_id, Indicator.code, User.username, SheetScore.points, ScoreSheet.id)
        .join(Visit, Visit.id == ScoreSheet.visit_id)
        .join(SheetScore, SheetScore.sheet_id == ScoreSheet.id)
        .join(Indicator, Indicator.id == SheetScore.indicator_id)
        .join(User, User.id == ScoreSheet.scorer_id)
        .where(
            ScoreSheet.campaign_id == campaign_id,
            ScoreSheet.method == Method.INSPECTION,
            Visit.signed_at.is_not(None),
            SheetScore.points.is_not(None),
        )
        .order_by(ScoreSheet.unit_id, Indicator.position, User.username, ScoreSheet.id)
    )
    if unit_id is not None:
        stmt = stmt.where(ScoreSheet.unit_id == unit_id)
    out: dict[int, dict[str, list[Mark]]] = {}
    for unit, code, scorer, points, sheet_id in db.session.execute(stmt):
        out.setdefault(unit, {}).setdefault(code, []).append(Mark(scorer, plain(points), sheet_id))
    return out


@dataclass(frozen=True)
class UnitPoints:
    """A unit's 实地考察 source as the composite computes it from the signed sheets."""

    unit: Unit
    points: Fraction | None  # None: the campaign's tree has no inspection leaves
    possible: Decimal
    complete: bool
    leaves: dict[str, Fraction | None]


def inspection_points(actor: Actor, campaign: Campaign) -> list[UnitPoints]:
    """Every accepted unit's 实地考察 points, made by the composite's own rules
    (:func:`evalflow.assessment.composite.compute`) from :func:`signed_marks` alone."""
    require(actor, Action.VISIT_BOARD, campaign)
    tree = load_tree(campaign.id)
    units = accepted_units(campaign.id)
    if tree is None or not tree.leaves(Kind.BASE, Method.INSPECTION):
        return [UnitPoints(u, None, Decimal(0), False, {}) for u in units]
    marks = signed_marks(campaign.id)
    inputs = [UnitInput(u.id, u.name, u.category, marks.get(u.id, {})) for u in units]
    by_id = {u.id: u for u in units}
    codes = [leaf.code for leaf in tree.leaves(method=Method.INSPECTION)]
    out = []
    for result in sorted(compute(tree, inputs, Decimal(100)), key=lambda r: r.unit_id):
        source = result.sources[Method.INSPECTION]
        out.append(UnitPoints(by_id[result.unit_id], source.points, source.possible,
                              Method.INSPECTION not in result.missing,
                              {code: result.leaves[code].value for code in codes}))  # fmt: skip
    return out
