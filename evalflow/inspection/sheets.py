"""实地考察 sheets: an inspector fills their own sheet of a visit on the spot — marks, a comment per
leaf, arrival and departure, people met, a summary — and submits it for the leader.

The sheet is the 测评体系's ``score_sheet`` (method ``inspection``, with the visit's id) and its
marks are ``sheet_score`` rows; the rest is the inspector's ``visit_member`` row.

**Idempotent, so a phone can send again.** A save writes only what differs from what is stored, and
records an audit entry only when something did: the same body sent twice changes nothing. A body
may carry ``revision``, an id the device made for that state of the sheet: the revision last
applied, sent again, is answered with the sheet as it is (even after submitting) — a sync that
lost its answer and retries never gets an error for work that did arrive.

Order of refusals: not on the visit 404, wrong role 403, wrong phase 409 ``wrong_phase``, signed
409 ``signed``; then a replayed revision is answered; then submitted 409 ``submitted``; then the
body's problems, all at once (400).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from evalflow.assessment.models import Indicator, ScoreSheet, SheetScore
from evalflow.assessment.rules import Method, Tree, plain
from evalflow.assessment.sheet_rules import SheetInput, missing_for_submit, read_marks
from evalflow.assessment.tree_rows import indicator_ids, load_tree
from evalflow.database import write_lock_first
from evalflow.extensions import db
from evalflow.inspection import rules
from evalflow.inspection.models import Visit, VisitMember, VisitPhoto
from evalflow.inspection.rules import METHOD
from evalflow.inspection.visits import Seen, open_visit, refuse_if_signed
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor
from evalflow.shared.accounts.models import User
from evalflow.shared.audit import record as audit
from evalflow.shared.errors import Conflict, Forbidden, InvalidInput
from evalflow.shared.messages import N_, Message, msg
from evalflow.shared.text import text_problem
from evalflow.shared.upsert import insert
from evalflow.training.service import parse_starts_at

NOTES = ("arrived_at", "left_at", "people_met", "summary")
Values = tuple[Decimal | None, str | None, tuple[str, ...] | None]


@dataclass
class Sheet:
    """One inspector's sheet of one visit: its row, the member row, and the marks by leaf code."""

    visit: Visit
    sheet: ScoreSheet
    member: VisitMember
    inspector: User
    scores: dict[str, SheetScore] = field(default_factory=dict)
    photos: list[VisitPhoto] = field(default_factory=list)

    def points(self) -> dict[str, Decimal]:
        return {code: plain(s.points) for code, s in self.scores.items() if s.points is not None}

    @property
    def submitted(self) -> bool:
        return self.member.submitted_at is not None


def sheet_row(vid: int, inspector_id: int) -> ScoreSheet:
    stmt = sa.select(ScoreSheet).where(ScoreSheet.visit_id == vid, ScoreSheet.scorer_id == inspector_id)
    sheet = db.session.scalar(stmt.execution_options(populate_existing=True))
    assert sheet is not None  # made with the visit
    return sheet


def load(visit: Visit, member: VisitMember) -> Sheet:
    sheet = sheet_row(visit.id, member.inspector_id)
    stmt = (sa.select(Indicator.code, SheetScore).join(Indicator, Indicator.id == SheetScore.indicator_id)
            .where(SheetScore.sheet_id == sheet.id).execution_options(populate_existing=True))  # fmt: skip
    photos = sa.select(VisitPhoto).where(VisitPhoto.visit_id == visit.id,
                                         VisitPhoto.inspector_id == member.inspector_id).order_by(VisitPhoto.id)  # fmt: skip
    return Sheet(visit, sheet, member, db.session.get(User, member.inspector_id),  # type: ignore[arg-type]
                 dict(db.session.execute(stmt).all()), list(db.session.scalars(photos)))  # fmt: skip


def my_sheet(actor: Actor, vid: int) -> tuple[Sheet, Tree | None]:
    """The calling inspector's sheet of a visit they are on, and the tree it scores."""
    seen = open_visit(actor, vid, Action.VISIT_VIEW)
    if seen.member is None:
        raise Forbidden(msg(N_("只有考察组成员有自己的评分表。")))
    return load(seen.visit, seen.member), load_tree(seen.visit.campaign_id)


def inspection_tree(campaign_id: int) -> Tree:
    tree = load_tree(campaign_id)
    if tree is None or not tree.leaves(method=Method.INSPECTION):
        raise Conflict(msg(N_("测评体系中没有实地考察条目。")), code="no_leaves")
    return tree


# --- what changes -----------------------------------------------------------------------------------


def _values(row: SheetScore | None) -> Values:
    if row is None:
        return None, None, None
    return (
        None if row.points is None else plain(row.points),
        row.grade,
        tuple(row.found) if row.found else None,
    )


def mark_changes(current: dict[str, SheetScore], given: SheetInput) -> dict[str, dict[str, Any]]:
    """Per leaf code, the columns *given* changes (nothing for a mark or comment already stored)."""
    out: dict[str, dict[str, Any]] = {}
    for code, entry in given.marks.items():
        new: Values = (entry.points, entry.grade, entry.found)
        if new != _values(current.get(code)):
            out[code] = {
                "points": entry.points,
                "grade": entry.grade,
                "found": list(entry.found) if entry.found else None,
            }
    for code, text in given.comments.items():
        row = current.get(code)
        if (row.comment if row is not None else "") != text:
            out.setdefault(code, {})["comment"] = text
    return out


def write_marks(sheet_id: int, ids: dict[str, int], changes: dict[str, dict[str, Any]]) -> None:
    """One upsert per changed leaf, on ``(sheet_id, indicator_id)``."""
    now = clock.now()
    for code, values in changes.items():
        values = {**values, "updated_at": now}
        stmt = insert(SheetScore).values(sheet_id=sheet_id, indicator_id=ids[code], **values)
        db.session.execute(
            stmt.on_conflict_do_update(index_elements=["sheet_id", "indicator_id"], set_=values)
        )


def read_notes(data: dict[str, Any]) -> dict[str, Any]:
    """The notes named in *data* (``arrived_at``/``left_at``: ISO 8601, null clears; ``people_met``,
    ``summary``: text), checked; 400 with every problem."""
    clean: dict[str, Any] = {}
    fields: dict[str, list[Message]] = {}
    for key in ("arrived_at", "left_at"):
        if key in data:
            try:
                clean[key] = parse_starts_at(data[key]) if data[key] else None
            except InvalidInput:
                fields[key] = [msg(N_("时间格式须为 YYYY-MM-DDTHH:MM。"))]
    for key, limit in (("people_met", rules.MAX_PEOPLE_MET), ("summary", rules.MAX_SUMMARY)):
        if key in data:
            text = (data[key] or "").strip()
            problem = text_problem(text, required=False)
            if problem is None and len(text) > limit:
                problem = msg(N_("最多 %(max)d 字,现有 %(n)d 字。"), max=limit, n=len(text))
            if problem is not None:
                fields[key] = [problem]
            clean[key] = text
    if fields:
        raise InvalidInput(fields=fields)
    return clean


def _notes_problem(member: VisitMember, notes: dict[str, Any]) -> None:
    arrived = notes.get("arrived_at", member.arrived_at)
    left = notes.get("left_at", member.left_at)
    if arrived is not None and left is not None and left < arrived:
        raise InvalidInput(fields={"left_at": [msg(N_("离开时间不能早于到达时间。"))]})


# --- the inspector saves and submits --------------------------------------------------------------------


def save_sheet(actor: Actor, vid: int, data: dict[str, Any]) -> Sheet:
    """Write the marks, comments and notes of *data* on the caller's sheet (keys not sent keep
    theirs); with ``submit``, hand it to the leader once every base leaf has points. See the module
    docstring for idempotency and the order of refusals."""
    seen = open_visit(actor, vid, Action.VISIT_SCORE)
    assert seen.member is not None
    refuse_if_signed(seen.visit)
    member = _locked(seen)
    revision = data.get("revision")
    if revision is not None and not rules.is_revision(revision):
        raise InvalidInput(fields={"revision": [msg(N_("修订编号须为设备生成的 UUID。"))]})
    if revision is not None and revision == member.revision:
        return load(seen.visit, member)
    if member.submitted_at is not None:
        raise Conflict(msg(N_("评分表已提交;如需修改,请组长退回。")), code="submitted")
    tree = inspection_tree(seen.visit.campaign_id)
    given = read_marks(
        tree, METHOD, data.get("scores"), data.get("comments"), data.get("grades"), data.get("found")
    )
    notes = read_notes({k: data[k] for k in NOTES if k in data})
    _notes_problem(member, notes)
    current = load(seen.visit, member)
    changes = mark_changes(current.scores, given)
    write_marks(current.sheet.id, indicator_ids(seen.visit.campaign_id), changes)
    changed_notes = sorted(k for k, v in notes.items() if getattr(member, k) != v)
    for key in changed_notes:
        setattr(member, key, notes[key])
    if revision is not None:
        member.revision = revision
    if changes or changed_notes:
        member.started = True
    db.session.flush()
    saved = load(seen.visit, member)
    if data.get("submit"):
        _submit(actor, seen, saved, tree)
    if changes or changed_notes:
        _audit_save(actor, seen, saved.sheet.id, changes, changed_notes)
    return saved


def _locked(seen: Seen) -> VisitMember:
    """The caller's member row, locked for this transaction (PostgreSQL: the row; SQLite: the writer
    lock taken before the read, ``database.write_lock_first``), read afresh: a second submit sent at
    the same moment waits, then sees the first one's."""
    write_lock_first()
    stmt = (sa.select(VisitMember).where(VisitMember.visit_id == seen.visit.id,
                                         VisitMember.inspector_id == seen.member.inspector_id)  # type: ignore[union-attr]
            .with_for_update().execution_options(populate_existing=True))  # fmt: skip
    return db.session.scalars(stmt).one()


def _submit(actor: Actor, seen: Seen, saved: Sheet, tree: Tree) -> None:
    missing = missing_for_submit(tree, METHOD, saved.points())
    if missing:
        problem = msg(N_("还有条目未评分,不能提交:%(codes)s。"), codes="、".join(missing))
        raise InvalidInput(problem, fields={"submit": [problem]})
    saved.member.submitted_at = clock.now()
    db.session.flush()
    audit.record(actor, "inspection.sheet_submit", campaign_id=seen.visit.campaign_id,
                 subject=("score_sheet", saved.sheet.id), data={"visit_id": seen.visit.id})  # fmt: skip


def shown(value: Any) -> Any:
    """A changed value as the audit log keeps it (points as text, times as ISO 8601)."""
    if isinstance(value, Decimal):
        return str(plain(value))
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _audit_save(
    actor: Actor, seen: Seen, sheet_id: int, changes: dict[str, dict[str, Any]], notes: list[str]
) -> None:
    scores = {code: shown(c["points"]) for code, c in changes.items() if "points" in c}
    comments = sorted(code for code, c in changes.items() if "comment" in c)
    audit.record(actor, "inspection.sheet_save", campaign_id=seen.visit.campaign_id,
                 subject=("score_sheet", sheet_id),
                 data={"visit_id": seen.visit.id, "scores": scores, "comments": comments, "notes": notes})  # fmt: skip


# --- the leader and the office read the team's sheets ----------------------------------------------------


def team_sheets(actor: Actor, vid: int) -> tuple[Seen, list[Sheet], Tree | None]:
    """Every sheet of a visit, by inspector (the leader and the office)."""
    seen = open_visit(actor, vid, Action.VISIT_VIEW)
    if seen.member is not None and seen.visit.leader_id != actor.user_id:
        raise Forbidden(msg(N_("只有组长可以查看全组的评分表。")))
    stmt = (sa.select(VisitMember).join(User, User.id == VisitMember.inspector_id)
            .where(VisitMember.visit_id == vid).order_by(User.username))  # fmt: skip
    team = [load(seen.visit, m) for m in db.session.scalars(stmt)]
    return seen, team, load_tree(seen.visit.campaign_id)
