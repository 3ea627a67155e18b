"""材料审核 reviewers: the office assigns reviewers to the accepted units of a campaign (at least two per
unit, never a unit a reviewer works for or declared a conflict with), by hand or from a balanced
proposal (:func:`.review.assign`) it looks over before saving.

- :func:`set_units` (``PUT /campaigns/{cid}/reviewers/{user_id}``): the reviewer's units in this
  campaign become exactly those given. 409 ``conflict`` when the reviewer works for one of them or
  declared a conflict with it; 409 too when a unit taken away already has marks from them (their
  sheet would lose its author) or awaits them as a third reviewer.
- :func:`set_conflicts`: the units a reviewer must never get (回避), with a note.
- :func:`propose`: a balanced assignment over every active reviewer account, keeping what exists.

Every change is audited (``reviewers.assign``, ``reviewers.conflicts``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from evalflow.assessment import review
from evalflow.assessment.models import (
    AssessmentSettings,
    ReviewerAssignment,
    ReviewerConflict,
    ScoreSheet,
    SheetScore,
    ThirdReview,
)
from evalflow.extensions import db
from evalflow.intake.door import accepted_units
from evalflow.shared.access import Action, Actor, Role
from evalflow.shared.accounts.models import User
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import Conflict, InvalidInput, NotFound
from evalflow.shared.messages import N_, msg
from evalflow.shared.upsert import insert

MAX_NOTE = 200


@dataclass(frozen=True)
class ReviewerRow:
    """A reviewer account with its units and declared conflicts in one campaign."""

    user: User
    unit_ids: tuple[int, ...]
    conflict_ids: tuple[int, ...]

    def may_review(self, unit_id: int) -> bool:
        return unit_id != self.user.affiliation_unit_id and unit_id not in self.conflict_ids


def units_to_review(campaign_id: int) -> list[tuple[int, str]]:
    """``(id, name)`` of the units whose materials are reviewed: the accepted ones, by id."""
    return [(uid, name) for uid, name in db.session.execute(accepted_units(campaign_id))]


def _pairs(model: type, campaign_id: int) -> dict[int, list[int]]:
    stmt = (
        sa.select(model.reviewer_id, model.unit_id)
        .where(model.campaign_id == campaign_id)
        .order_by(model.unit_id)
    )
    out: dict[int, list[int]] = {}
    for rid, uid in db.session.execute(stmt):
        out.setdefault(rid, []).append(uid)
    return out


def reviewers(actor: Actor, campaign: Campaign) -> list[ReviewerRow]:
    """Every reviewer account (the pool) with its units and conflicts in *campaign*, by username;
    a disabled account is listed only while it still has units here."""
    require(actor, Action.SHEETS_VIEW, campaign)
    assigned, conflicts = _pairs(ReviewerAssignment, campaign.id), _pairs(ReviewerConflict, campaign.id)
    stmt = sa.select(User).where(User.role == Role.REVIEWER).order_by(User.username)
    rows = []
    for user in db.session.scalars(stmt):
        if not user.active and user.id not in assigned:
            continue
        rows.append(ReviewerRow(user, tuple(assigned.get(user.id, ())), tuple(conflicts.get(user.id, ()))))
    return rows


def reviewer_account(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role is not Role.REVIEWER:
        raise NotFound(msg(N_("评审专家不存在。")))
    return user


def _checked_units(campaign: Campaign, unit_ids: Iterable[int]) -> list[int]:
    wanted = sorted(set(unit_ids))
    known = {uid for uid, _ in units_to_review(campaign.id)}
    unknown = [uid for uid in wanted if uid not in known]
    if unknown:
        raise InvalidInput(
            fields={
                "unit_ids": [
                    msg(
                        N_("以下编号不是本次评选已通过审核的申报单位:%(ids)s。"),
                        ids="、".join(map(str, unknown)),
                    )
                ]
            }
        )
    return wanted


def _conflicting(user: User, campaign_id: int, unit_ids: Sequence[int]) -> None:
    declared = set(_pairs(ReviewerConflict, campaign_id).get(user.id, ()))
    if user.affiliation_unit_id in unit_ids:
        raise Conflict(
            msg(N_("%(name)s在该申报单位工作,不能审核该单位。"), name=user.display_name), code="conflict"
        )
    clash = sorted(declared & set(unit_ids))
    if clash:
        raise Conflict(
            msg(
                N_("%(name)s已声明须回避单位(编号 %(ids)s)。"),
                name=user.display_name,
                ids="、".join(map(str, clash)),
            ),
            code="conflict",
        )


def _still_needed(user_id: int, unit_ids: Iterable[int]) -> list[int]:
    """Of *unit_ids*, those where the reviewer has marks or is awaited as a third reviewer."""
    ids = list(unit_ids)
    if not ids:
        return []
    marked = (
        sa.select(ScoreSheet.unit_id)
        .join(SheetScore, SheetScore.sheet_id == ScoreSheet.id)
        .where(ScoreSheet.scorer_id == user_id, ScoreSheet.unit_id.in_(ids))
    )
    awaited = sa.select(ThirdReview.unit_id).where(
        ThirdReview.reviewer_id == user_id, ThirdReview.unit_id.in_(ids)
    )
    return sorted(set(db.session.scalars(marked)) | set(db.session.scalars(awaited)))


def set_units(actor: Actor, campaign: Campaign, user_id: int, unit_ids: Iterable[int]) -> list[int]:
    """The reviewer's units in *campaign* become *unit_ids* (see the module docstring)."""
    require(actor, Action.REVIEWERS_MANAGE, campaign)
    user = reviewer_account(user_id)
    wanted = _checked_units(campaign, unit_ids)
    _conflicting(user, campaign.id, wanted)
    current = set(_pairs(ReviewerAssignment, campaign.id).get(user.id, ()))
    removed, added = sorted(current - set(wanted)), sorted(set(wanted) - current)
    if not user.active and added:
        raise Conflict(msg(N_("该评审专家的账号已停用。")), code="conflict")
    busy = _still_needed(user.id, removed)
    if busy:
        raise Conflict(
            msg(N_("该评审专家已开始审核单位(编号 %(ids)s),不能取消分配。"), ids="、".join(map(str, busy))),
            code="conflict",
        )
    if removed:
        db.session.execute(
            sa.delete(ReviewerAssignment).where(
                ReviewerAssignment.reviewer_id == user.id, ReviewerAssignment.unit_id.in_(removed)
            )
        )
    for uid in added:
        assign_one(campaign.id, uid, user.id)
    if added or removed:
        audit.record(
            actor,
            "reviewers.assign",
            campaign_id=campaign.id,
            subject=("user", user.id),
            data={"added": added, "removed": removed},
        )
    return wanted


def assign_one(campaign_id: int, unit_id: int, reviewer_id: int) -> None:
    """Add one assignment, unless it exists (one statement: two offices saving at once agree)."""
    stmt = insert(ReviewerAssignment).values(
        campaign_id=campaign_id, unit_id=unit_id, reviewer_id=reviewer_id
    )
    db.session.execute(stmt.on_conflict_do_nothing(index_elements=["unit_id", "reviewer_id"]))


def set_conflicts(
    actor: Actor, campaign: Campaign, user_id: int, unit_ids: Iterable[int], note: str = ""
) -> list[int]:
    """The units the reviewer must never get in *campaign* (回避); 409 for a unit assigned to them."""
    require(actor, Action.REVIEWERS_MANAGE, campaign)
    user = reviewer_account(user_id)
    wanted = _checked_units(campaign, unit_ids)
    assigned = set(_pairs(ReviewerAssignment, campaign.id).get(user.id, ()))
    if assigned & set(wanted):
        raise Conflict(msg(N_("请先取消该评审专家对这些单位的分配,再登记回避。")), code="conflict")
    db.session.execute(
        sa.delete(ReviewerConflict).where(
            ReviewerConflict.reviewer_id == user.id, ReviewerConflict.campaign_id == campaign.id
        )
    )
    db.session.add_all(
        ReviewerConflict(campaign_id=campaign.id, unit_id=uid, reviewer_id=user.id, note=note[:MAX_NOTE])
        for uid in wanted
    )
    db.session.flush()
    audit.record(
        actor,
        "reviewers.conflicts",
        campaign_id=campaign.id,
        subject=("user", user.id),
        data={"unit_ids": wanted},
    )
    return wanted


def per_unit(campaign_id: int) -> int:
    row = db.session.get(AssessmentSettings, campaign_id)
    return row.reviewers_per_unit if row is not None else review.MIN_PER_UNIT


def propose(
    actor: Actor, campaign: Campaign, count: int | None = None, seed: int | None = None
) -> dict[int, tuple[int, ...]]:
    """A balanced assignment of the active reviewers to the units to review, keeping what exists;
    nothing is saved (the office looks it over). 400 naming every unit that cannot get enough."""
    require(actor, Action.REVIEWERS_MANAGE, campaign)
    pool = [row for row in reviewers(actor, campaign) if row.user.active]
    units = [uid for uid, _ in units_to_review(campaign.id)]
    candidates = [
        review.Reviewer(
            row.user.id,
            works_for=frozenset({row.user.affiliation_unit_id} - {None}),  # type: ignore[arg-type]
            conflicts=frozenset(row.conflict_ids),
        )
        for row in pool
    ]
    keep: dict[int, list[int]] = {}
    for row in pool:
        for uid in row.unit_ids:
            if uid in units:
                keep.setdefault(uid, []).append(row.user.id)
    return review.assign(
        candidates,
        units,
        per_unit=count or per_unit(campaign.id),
        seed=campaign.id if seed is None else seed,
        keep=keep,
    )


def short_units(campaign: Campaign, rows: Sequence[ReviewerRow]) -> dict[int, int]:
    """Units with fewer reviewers than the campaign asks for: unit id → how many it has."""
    need = per_unit(campaign.id)
    count: dict[int, int] = {uid: 0 for uid, _ in units_to_review(campaign.id)}
    for row in rows:
        for uid in row.unit_ids:
            if uid in count:
                count[uid] += 1
    return {uid: n for uid, n in count.items() if n < need}
