"""材料审核 score sheets: a reviewer reads and fills their own sheet of a unit assigned to them, saved
as it goes and locked on submission; the office reads every sheet; the submitted marks feed the
divergence rule and the composite.

Who: a reviewer assigned to the unit (``reviewer_assignment``) — anyone else gets 403, and the
phase is checked after that (scores are accepted from ``training`` through ``briefing``: 409
``wrong_phase`` otherwise). A reviewer only ever sees their own sheet, before and after submitting.

How a save stays whole when requests race (the page saves after every change, and a second tab
may submit meanwhile):

1. the sheet is found or made with one ``INSERT … ON CONFLICT DO NOTHING`` on its unique index;
2. ``UPDATE score_sheet SET updated_at = … WHERE id = … AND submitted_at IS NULL`` takes the row
   (on PostgreSQL its row lock, on SQLite the database's write lock) before anything else is
   written — no row means the sheet was submitted: 409 ``submitted``;
3. each mark is one upsert on ``(sheet_id, indicator_id)``;
4. submitting is ``UPDATE … SET submitted_at`` under that same lock, after the base leaves were
   checked to have points.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from evalflow.assessment.marks import Mark
from evalflow.assessment.models import Indicator, ReviewerAssignment, ScoreSheet, SheetScore
from evalflow.assessment.rules import Method, Tree, plain
from evalflow.assessment.sheet_rules import SheetInput, missing_for_submit, read_marks
from evalflow.assessment.tree_rows import indicator_ids, load_tree
from evalflow.extensions import db
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor, Role
from evalflow.shared.accounts.models import User
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from evalflow.shared.messages import N_, msg
from evalflow.shared.upsert import insert


@dataclass
class SheetState:
    """One scorer's sheet of one unit: its row (None before the first mark) and its marks by code."""

    unit: Unit
    tree: Tree | None
    sheet: ScoreSheet | None = None
    scores: dict[str, SheetScore] = field(default_factory=dict)

    @property
    def submitted(self) -> bool:
        return self.sheet is not None and self.sheet.submitted_at is not None

    def points(self) -> dict[str, Decimal]:
        return {code: plain(s.points) for code, s in self.scores.items() if s.points is not None}


def campaign_row(campaign_id: int) -> Campaign:
    """The campaign of a reviewer's request (a reviewer is no member of it: the assignment decides)."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(msg(N_("评选活动不存在。")))
    return campaign


def unit_of(campaign: Campaign, unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.campaign_id != campaign.id:
        raise NotFound(msg(N_("申报单位不存在。")))
    return unit


def is_assigned(unit_id: int, reviewer_id: int | None) -> bool:
    stmt = sa.select(ReviewerAssignment.id).where(
        ReviewerAssignment.unit_id == unit_id, ReviewerAssignment.reviewer_id == reviewer_id
    )
    return reviewer_id is not None and db.session.scalar(stmt) is not None


def assigned_unit(actor: Actor, campaign: Campaign, unit_id: int, action: Action) -> Unit:
    """The unit, when *actor* is a reviewer assigned to it (403 otherwise; then the phase: 409)."""
    unit = unit_of(campaign, unit_id)
    if actor.role is not Role.REVIEWER or not is_assigned(unit.id, actor.user_id):
        raise Forbidden(msg(N_("您不是该单位的评审专家。")))
    require(actor, action, campaign)
    return unit


def _sheet_row(unit_id: int, method: Method, scorer_id: int) -> ScoreSheet | None:
    stmt = (
        sa.select(ScoreSheet)
        .where(
            ScoreSheet.unit_id == unit_id,
            ScoreSheet.method == method,
            ScoreSheet.scorer_id == scorer_id,
            ScoreSheet.visit_id.is_(None),
        )
        .execution_options(populate_existing=True)
    )
    return db.session.scalar(stmt)


def _scores(sheet: ScoreSheet | None) -> dict[str, SheetScore]:
    if sheet is None:
        return {}
    stmt = (
        sa.select(Indicator.code, SheetScore)
        .join(Indicator, Indicator.id == SheetScore.indicator_id)
        .where(SheetScore.sheet_id == sheet.id)
        .execution_options(populate_existing=True)
    )
    return dict(db.session.execute(stmt).all())


def state(unit: Unit, tree: Tree | None, sheet: ScoreSheet | None) -> SheetState:
    return SheetState(unit, tree, sheet, _scores(sheet))


def my_sheet(actor: Actor, campaign: Campaign, unit_id: int, method: Method = Method.MATERIALS) -> SheetState:
    """The caller's own sheet of an assigned unit (readable in any phase)."""
    unit = assigned_unit(actor, campaign, unit_id, Action.SHEET_VIEW_OWN)
    assert actor.user_id is not None
    return state(unit, load_tree(campaign.id), _sheet_row(unit.id, method, actor.user_id))


def _open_sheet(campaign_id: int, unit_id: int, method: Method, scorer_id: int) -> int:
    """The sheet's id, made if missing (one statement; see the module docstring), then locked."""
    now = clock.now()
    stmt = insert(ScoreSheet).values(
        campaign_id=campaign_id,
        unit_id=unit_id,
        method=method,
        scorer_id=scorer_id,
        created_at=now,
        updated_at=now,
    )
    db.session.execute(
        stmt.on_conflict_do_nothing(
            index_elements=["unit_id", "method", "scorer_id"], index_where=ScoreSheet.visit_id.is_(None)
        )
    )
    sheet = _sheet_row(unit_id, method, scorer_id)
    assert sheet is not None
    locked = db.session.execute(
        sa.update(ScoreSheet)
        .where(ScoreSheet.id == sheet.id, ScoreSheet.submitted_at.is_(None))
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if locked.rowcount == 0:  # type: ignore[attr-defined]
        raise Conflict(msg(N_("评分表已提交,不能再修改。")), code="submitted")
    return sheet.id


def _write(sheet_id: int, ids: Mapping[str, int], given: SheetInput) -> None:
    now = clock.now()
    for code in [*given.marks, *(c for c in given.comments if c not in given.marks)]:
        values: dict[str, object] = {"updated_at": now}
        if code in given.marks:
            entry = given.marks[code]
            values.update(
                points=entry.points, grade=entry.grade, found=list(entry.found) if entry.found else None
            )
        if code in given.comments:
            values["comment"] = given.comments[code]
        stmt = insert(SheetScore).values(sheet_id=sheet_id, indicator_id=ids[code], **values)
        db.session.execute(
            stmt.on_conflict_do_update(index_elements=["sheet_id", "indicator_id"], set_=values)
        )


def save_sheet(
    actor: Actor,
    campaign: Campaign,
    unit_id: int,
    body: Mapping[str, Mapping[str, object] | None],
    submit: bool = False,
    method: Method = Method.MATERIALS,
) -> SheetState:
    """Write the marks and comments of *body* (``scores``, ``grades``, ``found``, ``comments``; codes
    not named keep theirs) on the caller's sheet; with *submit*, lock it once its base leaves have
    points. 400 for a bad mark, 403 not assigned, 409 ``submitted`` / ``wrong_phase``."""
    unit = assigned_unit(actor, campaign, unit_id, Action.SHEET_SCORE)
    tree = load_tree(campaign.id)
    if tree is None or not tree.leaves(method=method):
        raise Conflict(msg(N_("测评体系中没有%(method)s条目。"), method=msg(method.label)))
    given = read_marks(
        tree, method, body.get("scores"), body.get("comments"), body.get("grades"), body.get("found")
    )
    assert actor.user_id is not None
    sheet_id = _open_sheet(campaign.id, unit.id, method, actor.user_id)
    _write(sheet_id, indicator_ids(campaign.id), given)
    sheet = db.session.get(ScoreSheet, sheet_id, populate_existing=True)
    current = state(unit, tree, sheet)
    if submit:
        missing = missing_for_submit(tree, method, current.points())
        if missing:
            problem = msg(N_("还有条目未评分,不能提交:%(codes)s。"), codes="、".join(missing))
            raise InvalidInput(problem, fields={"submit": [problem]})
        assert sheet is not None
        sheet.submitted_at = clock.now()
        db.session.flush()
    if given.marks or given.comments or submit:
        _audit(actor, campaign, unit, sheet_id, method, given, submit)
    return current


def _audit(
    actor: Actor,
    campaign: Campaign,
    unit: Unit,
    sheet_id: int,
    method: Method,
    given: SheetInput,
    submit: bool,
) -> None:
    marks = {code: (None if e.points is None else str(e.points)) for code, e in given.marks.items()}
    audit.record(
        actor,
        "sheet.submit" if submit else "sheet.save",
        campaign_id=campaign.id,
        subject=("score_sheet", sheet_id),
        data={
            "unit_id": unit.id,
            "method": method.value,
            "scores": marks,
            "comments": sorted(given.comments),
        },
    )


# --- the office's view, and the marks the composite reads ------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    sheet: ScoreSheet
    scorer: User
    scores: dict[str, SheetScore]


def sheets_of_unit(
    actor: Actor, campaign: Campaign, unit_id: int, method: Method = Method.MATERIALS
) -> list[SheetRow]:
    """Every sheet of a unit (drafts too, marked as such), by scorer (the office)."""
    require(actor, Action.SHEETS_VIEW, campaign)
    unit = unit_of(campaign, unit_id)
    stmt = (
        sa.select(ScoreSheet, User)
        .join(User, User.id == ScoreSheet.scorer_id)
        .where(ScoreSheet.unit_id == unit.id, ScoreSheet.method == method)
        .order_by(User.username, ScoreSheet.id)
    )
    return [SheetRow(sheet, user, _scores(sheet)) for sheet, user in db.session.execute(stmt)]


def submitted_marks(
    campaign_id: int, method: Method | None = None, unit_id: int | None = None
) -> dict[int, dict[str, list[Mark]]]:
    """Per unit, per leaf code, the marks of the submitted sheets (of *method*, or of every method;
    of one unit, or of all), each named by its scorer's username and its sheet's id — what the
    composite and the divergence rule read. Marks without points (a comment only) are left out."""
    stmt = (
        sa.select(ScoreSheet.unit_id, Indicator.code, User.username, SheetScore.points, ScoreSheet.id)
        .join(SheetScore, SheetScore.sheet_id == ScoreSheet.id)
        .join(Indicator, Indicator.id == SheetScore.indicator_id)
        .join(User, User.id == ScoreSheet.scorer_id)
        .where(
            ScoreSheet.campaign_id == campaign_id,
            ScoreSheet.submitted_at.is_not(None),
            SheetScore.points.is_not(None),
        )
        .order_by(ScoreSheet.unit_id, Indicator.position, User.username, ScoreSheet.id)
    )
    if method is not None:
        stmt = stmt.where(ScoreSheet.method == method)
    if unit_id is not None:
        stmt = stmt.where(ScoreSheet.unit_id == unit_id)
    out: dict[int, dict[str, list[Mark]]] = {}
    for unit_id, code, scorer, points, sheet_id in db.session.execute(stmt):
        out.setdefault(unit_id, {}).setdefault(code, []).append(Mark(scorer, plain(points), sheet_id))
    return out


@dataclass(frozen=True)
class Assignment:
    campaign: Campaign
    unit: Unit
    submitted_at: datetime | None
    started: bool


def my_assignments(actor: Actor) -> list[Assignment]:
    """The units assigned to the calling reviewer, newest campaign first, with their sheets' state."""
    if actor.role is not Role.REVIEWER:
        raise Forbidden()
    sheet = aliased(ScoreSheet)
    stmt = (
        sa.select(Campaign, Unit, sheet.submitted_at, sheet.id)
        .select_from(ReviewerAssignment)
        .join(Unit, Unit.id == ReviewerAssignment.unit_id)
        .join(Campaign, Campaign.id == ReviewerAssignment.campaign_id)
        .outerjoin(
            sheet,
            sa.and_(
                sheet.unit_id == Unit.id,
                sheet.scorer_id == ReviewerAssignment.reviewer_id,
                sheet.method == Method.MATERIALS,
                sheet.visit_id.is_(None),
            ),
        )
        .where(ReviewerAssignment.reviewer_id == actor.user_id)
        .order_by(Campaign.id.desc(), Unit.name)
    )
    return [Assignment(c, u, at, sid is not None) for c, u, at, sid in db.session.execute(stmt)]
