"""Every source of the 综合测评, gathered for a whole campaign: one query (or one service call) each.

:func:`gather` reads, for the campaign's tally units (the accepted ones, by id):

- every counted sheet's marks, aggregated per unit and leaf as the database keeps them
  (:func:`counted_stats`: count, sum, lowest, highest; :mod:`.leaf_totals`) — 材料审核 (and 征求意见) sheets once submitted, as
  :func:`evalflow.assessment.sheets.submitted_marks` reads them, and 实地考察 sheets of signed visits,
  as :func:`evalflow.inspection.results.signed_marks` does; the single marks (:func:`counted_marks`)
  only when asked for — a trace, a unit's 测评表, the seal and its export;
- the office's decisions on divergent leaves (:func:`evalflow.assessment.divergence.decisions_of`),
  plus the leaves still waiting for a third sheet or a decision (the divergence rule);
- 集中汇报互评: the unit's tally score (the tally's method) and the scale's highest grade points;
- 问卷调查 and 征求意见: :func:`survey_inputs` (the 满意率 and the deductions decided on departments' opinions);
- the veto (一票否决) and the sources the office closed with a reason.

It answers plain data for the pure core (:func:`evalflow.assessment.composite.compute`).
:func:`pending` adds what the ``briefing → review`` guard names besides the composite's gaps:
assigned reviewers whose sheet is not submitted, and visits not signed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa

from evalflow.assessment.closures import closed_sources
from evalflow.assessment.composite import UnitInput
from evalflow.assessment.divergence import decisions_of, open_divergences
from evalflow.assessment.marks import LeafStats, Mark, stats_by_code
from evalflow.assessment.models import ReviewerAssignment, ScoreSheet, SheetScore, SourceClosure
from evalflow.assessment.rules import Method, Tree, plain
from evalflow.assessment.tree_rows import indicator_ids, load_tree
from evalflow.database import driver_rows
from evalflow.extensions import db
from evalflow.inspection.models import Visit
from evalflow.intake.veto import vetoed_unit_ids
from evalflow.review import leaf_totals
from evalflow.shared.accounts.models import User
from evalflow.shared.campaigns.models import Campaign
from evalflow.survey.results import deduction_marks, satisfied_rates
from evalflow.tally import rules as tally_rules
from evalflow.tally.service import tally_of, unit_infos

SheetMarks = dict[int, dict[str, list[Mark]]]
SheetStats = dict[int, dict[str, LeafStats]]


def survey_inputs(campaign_id: int) -> tuple[dict[int, Fraction], SheetMarks]:
    """问卷调查 and 征求意见: ``(rates, deduction_marks)`` — each unit's 满意率 (satisfied choices ÷ all
    choices over its valid answers, :func:`evalflow.survey.results.satisfied_rates`), and per unit,
    per deduction leaf code, the points the office deducted on a department's reported problem
    (:func:`evalflow.survey.results.deduction_marks`)."""
    return satisfied_rates(campaign_id), deduction_marks(campaign_id)


@dataclass(frozen=True)
class Inputs:
    """A campaign's composite inputs: the tree, one :class:`UnitInput` per tally unit, the scale's
    highest grade points, the open divergences per unit and the closed sources."""

    tree: Tree
    units: list[UnitInput]
    top_points: Decimal
    divergent: dict[int, set[str]] = field(default_factory=dict)
    closed: Mapping[Method, SourceClosure] = field(default_factory=dict)
    all_marks: bool = False  # every unit's single marks were read (not only the aggregates)


def _merge(*sources: Mapping[int, Mapping[str, object]]) -> dict[int, dict[str, Any]]:
    """Per unit, the marks (or their stats) of every source by leaf code (codes are unique in a tree)."""
    out: dict[int, dict[str, Any]] = {}
    for source in sources:
        for unit_id, by_code in source.items():
            out.setdefault(unit_id, {}).update(by_code)
    return out


def _counted(campaign_id: int) -> sa.ColumnElement[bool]:
    """The counted sheets of *campaign_id* (:func:`.leaf_totals.counted`)."""
    return sa.and_(ScoreSheet.campaign_id == campaign_id, leaf_totals.counted())


def counted_stats(campaign_id: int) -> SheetStats:
    """Per unit, per leaf code, the counted marks aggregated: :class:`LeafStats` — count, sum, low and
    high, as the database keeps them in ``leaf_total`` (:mod:`.leaf_totals`: one row per unit and
    leaf, 18,000 rows for 108,000 marks in the bench), the same figures as :func:`counted_marks`
    aggregated (a test compares them). A leaf is scored by sheets of its own method only
    (:func:`evalflow.assessment.sheet_rules.read_marks`), so unit and leaf are the whole key."""
    codes = {i: c for c, i in indicator_ids(campaign_id).items()}
    out: SheetStats = {}
    for unit_id, indicator_id, count, total, low, high in leaf_totals.read(
        db.session.connection(), campaign_id
    ):
        out.setdefault(unit_id, {})[codes[indicator_id]] = LeafStats(count, total, low, high)
    return out


def _points_as_read(dialect: str) -> sa.ColumnElement[Any]:
    """A mark's points as the cheapest value to recognise again (each distinct one is converted once):
    PostgreSQL's numeric as text — read as a Decimal, made and hashed per row, the 108,000 marks took
    470–780 ms instead of 330–510 (same session) — and SQLite's float as is."""
    if dialect == "postgresql":
        return sa.cast(SheetScore.points, sa.Text)
    return sa.type_coerce(SheetScore.points, sa.String)


def counted_marks(campaign_id: int, unit_id: int | None = None) -> dict[Method, SheetMarks]:
    """Per method, per unit, per leaf code, the marks of the counted sheets (of one unit, or all) —
    the same rows as :func:`evalflow.assessment.sheets.submitted_marks` and
    :func:`evalflow.inspection.results.signed_marks` (a test compares them), in one query of plain
    columns, each mark named by its scorer's username and its sheet's id, ordered by scorer then sheet."""
    codes = {i: c for c, i in indicator_ids(campaign_id).items()}
    counted = _counted(campaign_id)
    if unit_id is not None:
        counted = sa.and_(counted, ScoreSheet.unit_id == unit_id)
    sheets_stmt = (
        sa.select(
            ScoreSheet.id, ScoreSheet.unit_id, sa.type_coerce(ScoreSheet.method, sa.String), User.username
        )
        .join(User, User.id == ScoreSheet.scorer_id)
        .outerjoin(Visit, Visit.id == ScoreSheet.visit_id)
        .where(counted)
    )
    connection = db.session.connection()
    methods = {m.value: m for m in Method}
    sheets = {i: (u, methods[m], name) for i, u, m, name in connection.execute(sheets_stmt).all()}
    scores_stmt = (
        sa.select(SheetScore.sheet_id, SheetScore.indicator_id, _points_as_read(connection.dialect.name))
        .join(ScoreSheet, ScoreSheet.id == SheetScore.sheet_id)
        .join(User, User.id == ScoreSheet.scorer_id)
        .outerjoin(Visit, Visit.id == ScoreSheet.visit_id)
        .where(counted, SheetScore.points.is_not(None))
        .order_by(User.username, ScoreSheet.id)
    )
    out: dict[Method, SheetMarks] = {}
    seen: dict[object, Decimal] = {}
    for sheet_id, indicator_id, raw in driver_rows(connection, scores_stmt):
        unit, method, scorer = sheets[sheet_id]
        points = seen.get(raw)
        if points is None:  # a canonical Decimal (``plain``), made once per distinct stored value
            points = seen[raw] = plain(raw if isinstance(raw, Decimal) else Decimal(str(raw)))
        by_unit = out.setdefault(method, {}).setdefault(unit, {})
        by_unit.setdefault(codes[indicator_id], []).append(Mark(scorer, points, sheet_id))
    return out


def top_points(campaign: Campaign) -> Decimal:
    """The scale's highest grade points (the briefing leaves are scaled by it)."""
    scale = tally_rules.ordered(campaign.scale)
    return scale[0].points if scale else Decimal(1)


def _tally_scores(campaign: Campaign, tree: Tree) -> tuple[list[tally_rules.UnitInfo], dict[int, Fraction]]:
    """The tally units, and their tally scores when the tree has briefing leaves."""
    if not tree.leaves(method=Method.BRIEFING):
        return unit_infos(campaign.id), {}
    tally = tally_of(campaign, by_role=False, check_seal=False)
    infos = [tally_rules.UnitInfo(r.unit_id, r.name, r.category, r.expected) for r in tally.results]
    return sorted(infos, key=lambda u: u.unit_id), {
        r.unit_id: r.score for r in tally.results if r.score is not None
    }


def gather(
    campaign: Campaign, tree: Tree | None = None, marks: bool = False, unit_id: int | None = None
) -> Inputs | None:
    """The composite inputs of *campaign* (None when the office has set no tree). The marks are
    aggregated (:func:`counted_stats`); with *marks* every single mark is read too — of every unit,
    or of *unit_id* only (a trace) — for what shows or digests them."""
    tree = tree or load_tree(campaign.id)
    if tree is None:
        return None
    infos, scores = _tally_scores(campaign, tree)
    counted = counted_stats(campaign.id)
    rates, deductions = survey_inputs(campaign.id)
    deduction_stats = {unit_id: stats_by_code(by_code) for unit_id, by_code in deductions.items()}
    stats = _merge(counted, deduction_stats)
    singles = _single_marks(campaign.id, deductions, unit_id) if marks else {}
    decisions = decisions_of(campaign.id)
    divergent = open_divergences(campaign.id, tree, counted)
    vetoed = vetoed_unit_ids(campaign.id)
    closed = closed_sources(campaign.id)
    known = tree.leaf_order
    units = [
        UnitInput(
            unit_id=u.unit_id,
            name=u.name,
            category=u.category,
            marks=_in_tree(singles.get(u.unit_id, {}), known),
            tally_score=scores.get(u.unit_id),
            satisfied_rate=rates.get(u.unit_id),
            decisions=decisions.get(u.unit_id, {}),
            vetoed=u.unit_id in vetoed,
            closed=frozenset(closed),
            stats=_in_tree(stats.get(u.unit_id, {}), known),
        )
        for u in infos
    ]
    return Inputs(tree, units, top_points(campaign), divergent, closed, marks and unit_id is None)


def _single_marks(
    campaign_id: int, deductions: SheetMarks, unit_id: int | None = None
) -> dict[int, dict[str, list[Mark]]]:
    """Every single counted mark and 征求意见 deduction, per unit (or of *unit_id* only) and leaf."""
    if unit_id is not None:
        deductions = {unit_id: deductions.get(unit_id, {})}
    return _merge(*counted_marks(campaign_id, unit_id).values(), deductions)


def _in_tree(by_code: Mapping[str, Any], known: Mapping[str, int]) -> dict[str, Any]:
    """*by_code* without codes the tree does not have."""
    return {code: value for code, value in by_code.items() if code in known}


def with_marks(campaign_id: int, inputs: Inputs) -> list[UnitInput]:
    """*inputs*' units, each with every single mark (read now unless they were already)."""
    if inputs.all_marks:
        return inputs.units
    singles = _single_marks(campaign_id, deduction_marks(campaign_id))
    known = inputs.tree.leaf_order
    return [replace(u, marks=_in_tree(singles.get(u.unit_id, {}), known)) for u in inputs.units]


@dataclass(frozen=True)
class Pending:
    """Sheets the composite does not see yet: per unit id, assigned reviewers whose 材料审核 sheet
    is not submitted, and visits not yet signed (their count)."""

    reviewers: dict[int, int]
    visits: dict[int, int]


def pending(campaign_id: int, unit_ids: Sequence[int]) -> Pending:
    """Unsubmitted 材料审核 sheets of assigned reviewers and unsigned visits, per unit of *unit_ids*."""
    sheet = sa.orm.aliased(ScoreSheet)
    stmt = (
        sa.select(ReviewerAssignment.unit_id, sa.func.count())
        .outerjoin(
            sheet,
            sa.and_(
                sheet.unit_id == ReviewerAssignment.unit_id,
                sheet.scorer_id == ReviewerAssignment.reviewer_id,
                sheet.method == Method.MATERIALS,
                sheet.visit_id.is_(None),
            ),
        )
        .where(ReviewerAssignment.campaign_id == campaign_id, sheet.submitted_at.is_(None))
        .group_by(ReviewerAssignment.unit_id)
    )
    wanted = set(unit_ids)
    reviewers = {u: n for u, n in db.session.execute(stmt) if u in wanted}
    visits_stmt = (
        sa.select(Visit.unit_id, sa.func.count())
        .where(Visit.campaign_id == campaign_id, Visit.signed_at.is_(None))
        .group_by(Visit.unit_id)
    )
    visits = {u: n for u, n in db.session.execute(visits_stmt) if u in wanted}
    return Pending(reviewers, visits)
