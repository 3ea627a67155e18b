"""Divergent 材料审核 leaves: after two sheets of a unit are submitted, a leaf whose marks differ by more
than the campaign's gap (:func:`.review.divergences`) is flagged; the office resolves it by asking
one more reviewer (:func:`request_third`: assigned to the unit, whose submitted sheet makes the
leaf's value the mean of all its sheets) or by deciding the points with a written reason
(:func:`decide`). Until then the materials source of that unit is incomplete.

:func:`open_divergences` and :func:`decisions_of` give the composite what it reads (plain data, no
actor): the codes still open per unit, and the office's decisions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from evalflow.assessment import composite, review
from evalflow.assessment.marks import LeafStats, Mark, stats_by_code
from evalflow.assessment.models import DivergenceDecision, Indicator, ReviewerAssignment, ThirdReview
from evalflow.assessment.reviewers import assign_one, reviewer_account, reviewers
from evalflow.assessment.rules import POINTS_PLACES, Item, Method, Tree, decimal_of, plain
from evalflow.assessment.sheet_rules import MAX_REASON
from evalflow.assessment.sheets import submitted_marks, unit_of
from evalflow.assessment.tree_rows import indicator_ids, load_tree
from evalflow.extensions import db
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor
from evalflow.shared.accounts.models import User
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import Conflict, InvalidInput, NotFound
from evalflow.shared.messages import N_, msg
from evalflow.shared.text import text_problem
from evalflow.shared.upsert import insert

SheetMarks = Mapping[int, Mapping[str, Sequence[Mark]]]


@dataclass(frozen=True)
class Flag:
    """A flagged leaf of one unit: the marks, and how the office resolved it (if it did)."""

    unit_id: int
    unit_name: str
    item: Item
    found: review.Divergence
    marks: tuple[Mark, ...]
    decision: DivergenceDecision | None
    third: ThirdReview | None
    third_name: str = ""


def _decision_rows(campaign_id: int) -> dict[tuple[int, str], tuple[DivergenceDecision, str]]:
    """The office's decisions by (unit id, leaf code), with who decided (username)."""
    stmt = (
        sa.select(DivergenceDecision, Indicator.code, User.username)
        .join(Indicator, Indicator.id == DivergenceDecision.indicator_id)
        .outerjoin(User, User.id == DivergenceDecision.decided_by)
        .where(DivergenceDecision.campaign_id == campaign_id)
    )
    return {(row.unit_id, code): (row, by or "") for row, code, by in db.session.execute(stmt)}


def decisions_of(campaign_id: int) -> dict[int, dict[str, composite.OfficeDecision]]:
    """The office's decisions, per unit and leaf code (the composite's input)."""
    out: dict[int, dict[str, composite.OfficeDecision]] = {}
    for (unit_id, code), (row, by) in _decision_rows(campaign_id).items():
        out.setdefault(unit_id, {})[code] = composite.OfficeDecision(plain(row.points), row.reason, by)
    return out


def _flags(
    tree: Tree, marks: SheetMarks, decided: Mapping[int, Mapping[str, object]]
) -> dict[int, list[review.Divergence]]:
    out = {}
    for unit_id, by_code in marks.items():
        points = {code: [m.points for m in found] for code, found in by_code.items()}
        flagged = review.divergences(tree, points, decided.get(unit_id, {}).keys())
        if flagged:
            out[unit_id] = flagged
    return out


def open_divergences(
    campaign_id: int, tree: Tree, stats: Mapping[int, Mapping[str, LeafStats]] | None = None
) -> dict[int, set[str]]:
    """Per unit, the codes still waiting for a third sheet or the office's decision. *stats*: the
    counted marks aggregated per unit and leaf, as the composite reads them (default: the submitted
    材料审核 sheets' marks, aggregated here), checked in millionths of a point
    (:func:`.review.spread_divergences`)."""
    if stats is None:
        found = submitted_marks(campaign_id, Method.MATERIALS)
        stats = {unit_id: stats_by_code(by_code) for unit_id, by_code in found.items()}
    decided = decisions_of(campaign_id)
    out: dict[int, set[str]] = {}
    for unit_id, by_code in stats.items():
        spreads = {code: (found.count, found.low, found.high) for code, found in by_code.items()}
        flagged = review.spread_divergences(tree, spreads, decided.get(unit_id, {}).keys(), millionths=True)
        codes = review.open_codes(flagged)
        if codes:
            out[unit_id] = codes
    return out


def _thirds(campaign_id: int) -> dict[tuple[int, str], tuple[ThirdReview, str]]:
    stmt = (
        sa.select(ThirdReview, Indicator.code, User.display_name)
        .join(Indicator, Indicator.id == ThirdReview.indicator_id)
        .join(User, User.id == ThirdReview.reviewer_id)
        .where(ThirdReview.campaign_id == campaign_id)
    )
    return {(t.unit_id, code): (t, name) for t, code, name in db.session.execute(stmt)}


def divergences(actor: Actor, campaign: Campaign, unit_id: int | None = None) -> list[Flag]:
    """Every flagged leaf of the campaign (or of one unit), unit by unit in tree order (the office)."""
    require(actor, Action.SHEETS_VIEW, campaign)
    tree = load_tree(campaign.id)
    if tree is None:
        return []
    marks = submitted_marks(campaign.id, Method.MATERIALS, unit_id)
    decisions = _decision_rows(campaign.id)
    decided: dict[int, dict[str, bool]] = {}
    for unit_id, code in decisions:
        decided.setdefault(unit_id, {})[code] = True
    thirds = _thirds(campaign.id)
    names = dict(
        db.session.execute(sa.select(Unit.id, Unit.name).where(Unit.campaign_id == campaign.id)).all()
    )
    out = []
    for unit_id, found in sorted(_flags(tree, marks, decided).items()):
        for flag in found:
            item = tree.find(flag.code)
            assert item is not None
            third, third_name = thirds.get((unit_id, flag.code), (None, ""))
            decision = decisions.get((unit_id, flag.code))
            out.append(
                Flag(
                    unit_id,
                    names.get(unit_id, ""),
                    item,
                    flag,
                    tuple(marks[unit_id][flag.code]),
                    decision[0] if decision else None,
                    third,
                    third_name,
                )  # fmt: skip
            )
    return out


def _flag(actor: Actor, campaign: Campaign, unit_id: int, code: str) -> Flag:
    """The flagged leaf *code* of the unit, for a resolution (the office, while scoring runs)."""
    require(actor, Action.DIVERGENCE_RESOLVE, campaign)
    unit = unit_of(campaign, unit_id)
    for flag in divergences(actor, campaign, unit.id):
        if flag.item.code == code:
            return flag
    raise NotFound(msg(N_("该单位的这一条目没有评分分歧。")))


def _reason(reason: object) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    problem = text_problem(text, required=True)
    if problem is None and len(text) > MAX_REASON:
        problem = msg(N_("最多 %(max)d 字,现有 %(n)d 字。"), max=MAX_REASON, n=len(text))
    if problem is not None:
        raise InvalidInput(fields={"reason": [problem]})
    return text


def decide(actor: Actor, campaign: Campaign, unit_id: int, code: str, points: object, reason: object) -> Flag:
    """The office decides a divergent leaf's points (0 to the leaf's, two decimals) with a reason;
    deciding again replaces the earlier decision (both are in the audit trail)."""
    flag = _flag(actor, campaign, unit_id, code)
    value = decimal_of(points, POINTS_PLACES)
    problems = {}
    if value is None or not 0 <= value <= flag.item.points:
        problems["points"] = [
            msg(N_("得分须为 0 到 %(max)s 之间的数,最多两位小数。"), max=str(flag.item.points))
        ]
    try:
        text = _reason(reason)
    except InvalidInput as exc:
        problems.update(exc.fields)
    if problems:
        raise InvalidInput(fields=problems)
    assert value is not None
    values = {"points": value, "reason": text, "decided_by": actor.user_id, "decided_at": clock.now()}
    stmt = insert(DivergenceDecision).values(
        campaign_id=campaign.id, unit_id=flag.unit_id, indicator_id=indicator_ids(campaign.id)[code], **values
    )
    db.session.execute(stmt.on_conflict_do_update(index_elements=["unit_id", "indicator_id"], set_=values))
    for loaded in [o for o in db.session.identity_map.values() if isinstance(o, DivergenceDecision)]:
        db.session.expire(loaded)  # the Core upsert wrote past them: the answer reads the new decision
    audit.record(
        actor,
        "divergence.decide",
        campaign_id=campaign.id,
        subject=("unit", flag.unit_id),
        reason=text,
        data={"code": code, "points": str(value), "low": str(flag.found.low), "high": str(flag.found.high)},
    )
    return _flag(actor, campaign, unit_id, code)


def request_third(actor: Actor, campaign: Campaign, unit_id: int, code: str, reviewer_id: int) -> Flag:
    """Ask one more reviewer to score the unit because of leaf *code*: they are assigned to it and
    their submitted sheet resolves the leaf. 409 when the leaf is already resolved or awaits one,
    or when that reviewer already reviews the unit, works for it or declared a conflict with it."""
    flag = _flag(actor, campaign, unit_id, code)
    if flag.found.status is not review.DivergenceStatus.OPEN or flag.third is not None:
        raise Conflict(msg(N_("该分歧已处理或已请第三位评审。")), code="conflict")
    user = reviewer_account(reviewer_id)
    others = {
        t.reviewer_id
        for t in db.session.scalars(sa.select(ThirdReview).where(ThirdReview.unit_id == unit_id))
    }
    assigned = db.session.scalar(
        sa.select(ReviewerAssignment.id).where(
            ReviewerAssignment.unit_id == unit_id, ReviewerAssignment.reviewer_id == user.id
        )
    )
    if assigned is not None and user.id not in others:
        raise Conflict(msg(N_("%(name)s已是该单位的评审专家。"), name=user.display_name), code="conflict")
    row = next((r for r in reviewers(actor, campaign) if r.user.id == user.id), None)
    if row is None or not user.active or not row.may_review(unit_id):
        raise Conflict(
            msg(N_("%(name)s不能审核该单位(在该单位工作、已声明回避或账号已停用)。"), name=user.display_name),
            code="conflict",
        )
    assign_one(campaign.id, unit_id, user.id)
    db.session.add(
        ThirdReview(
            campaign_id=campaign.id,
            unit_id=unit_id,
            indicator_id=indicator_ids(campaign.id)[code],
            reviewer_id=user.id,
            requested_by=actor.user_id,
        )
    )
    db.session.flush()
    audit.record(
        actor,
        "divergence.third_reviewer",
        campaign_id=campaign.id,
        subject=("unit", unit_id),
        data={"code": code, "reviewer_id": user.id},
    )
    return _flag(actor, campaign, unit_id, code)
