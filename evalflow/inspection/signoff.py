"""Sign-off: the leader returns a sheet for correction or signs the visit; after signing only the
office changes a sheet, with a reason, audited old → new.

:func:`sign` — the leader, once every member submitted. Side effects, in one transaction: the visit
is marked signed (a compare-and-set on ``signed_at IS NULL``: two taps, one signature), every sheet
of the visit gets its ``submitted_at`` (from then on the composite counts it, :mod:`.results`), and
an audit entry. Afterwards the visit's sheets and photos answer 409 ``signed``; a 暗访 becomes visible
to its unit.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from evalflow.assessment.models import ScoreSheet
from evalflow.assessment.sheet_rules import read_marks
from evalflow.assessment.tree_rows import indicator_ids
from evalflow.extensions import db
from evalflow.inspection import rules
from evalflow.inspection.models import Visit, VisitMember
from evalflow.inspection.rules import METHOD
from evalflow.inspection.sheets import Sheet, inspection_tree, load, mark_changes, shown, write_marks
from evalflow.inspection.visits import members, name_of, open_visit, refuse_if_signed
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor
from evalflow.shared.accounts.models import User
from evalflow.shared.audit import record as audit
from evalflow.shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from evalflow.shared.messages import N_, msg
from evalflow.shared.text import text_problem


def _leader_only(actor: Actor, visit: Visit) -> None:
    if visit.leader_id != actor.user_id:
        raise Forbidden(msg(N_("只有组长可以执行此操作。")))


def sign(actor: Actor, vid: int) -> Visit:
    """The leader signs the visit (see the module docstring). 403 for another member; 409
    ``signed`` when already signed; 409 ``not_submitted`` naming whoever has not submitted."""
    seen = open_visit(actor, vid, Action.VISIT_SIGN)
    _leader_only(actor, seen.visit)
    refuse_if_signed(seen.visit)
    waiting = [m for m in members(vid) if m.submitted_at is None]
    if waiting:
        names = [name_of(db.session.get(User, m.inspector_id)) for m in waiting]  # type: ignore[arg-type]
        raise Conflict(msg(N_("还有成员未提交评分表,不能签字。")), code="not_submitted", reasons=names)
    now = clock.now()
    done = db.session.execute(
        sa.update(Visit).where(Visit.id == vid, Visit.signed_at.is_(None))
        .values(signed_at=now, signed_by=actor.user_id).execution_options(synchronize_session=False)
    )  # fmt: skip
    if done.rowcount == 0:  # type: ignore[attr-defined]
        raise Conflict(msg(N_("组长已签字,考察评分表已锁定。")), code="signed")
    db.session.execute(
        sa.update(ScoreSheet).where(ScoreSheet.visit_id == vid).values(submitted_at=now)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    db.session.refresh(seen.visit)
    audit.record(actor, "inspection.sign", campaign_id=seen.visit.campaign_id, subject=("visit", vid),
                 data={"unit_id": seen.visit.unit_id})  # fmt: skip
    return seen.visit


def return_sheet(actor: Actor, vid: int, inspector_id: int, note: str = "") -> VisitMember:
    """The leader hands a submitted sheet back for correction, before signing."""
    seen = open_visit(actor, vid, Action.VISIT_SIGN)
    _leader_only(actor, seen.visit)
    refuse_if_signed(seen.visit)
    member = db.session.get(VisitMember, (vid, inspector_id))
    if member is None:
        raise NotFound(msg(N_("该成员不在考察组中。")))
    if member.submitted_at is None:
        raise Conflict(msg(N_("该成员尚未提交评分表。")), code="not_submitted")
    member.submitted_at = None
    member.revision = None  # the device's next revision is new work
    db.session.flush()
    audit.record(actor, "inspection.sheet_return", campaign_id=seen.visit.campaign_id, subject=("visit", vid),
                 data={"inspector_id": inspector_id, "note": note.strip()[: rules.MAX_REASON]})  # fmt: skip
    return member


def _reason(text: object) -> str:
    clean = text.strip() if isinstance(text, str) else ""
    problem = text_problem(clean, required=True)
    if problem is None and len(clean) > rules.MAX_REASON:
        problem = msg(N_("最多 %(max)d 字,现有 %(n)d 字。"), max=rules.MAX_REASON, n=len(clean))
    if problem is not None:
        raise InvalidInput(fields={"reason": [problem]})
    return clean


def amend(actor: Actor, vid: int, inspector_id: int, data: dict[str, Any]) -> Sheet:
    """The office changes a signed sheet's marks or comments, with a ``reason``; the audit entry
    keeps every changed value old → new. 409 ``not_signed`` before signing (the team corrects its
    own sheets then)."""
    seen = open_visit(actor, vid, Action.VISIT_AMEND)
    if seen.visit.signed_at is None:
        raise Conflict(msg(N_("考察尚未签字:签字前由考察组自行修改。")), code="not_signed")
    member = db.session.get(VisitMember, (vid, inspector_id))
    if member is None:
        raise NotFound(msg(N_("该成员不在考察组中。")))
    reason = _reason(data.get("reason"))
    tree = inspection_tree(seen.visit.campaign_id)
    given = read_marks(
        tree, METHOD, data.get("scores"), data.get("comments"), data.get("grades"), data.get("found")
    )
    current = load(seen.visit, member)
    changes = mark_changes(current.scores, given)
    if not changes:
        return current
    old = {code: {k: shown(getattr(current.scores[code], k)) if code in current.scores else None for k in c}
           for code, c in changes.items()}  # fmt: skip
    new = {code: {k: shown(v) for k, v in c.items()} for code, c in changes.items()}
    write_marks(current.sheet.id, indicator_ids(seen.visit.campaign_id), changes)
    audit.record(actor, "inspection.amend", campaign_id=seen.visit.campaign_id,
                 subject=("score_sheet", current.sheet.id), reason=reason,
                 data={"visit_id": vid, "inspector_id": inspector_id, "old": old, "new": new})  # fmt: skip
    return load(seen.visit, member)


__all__ = ["amend", "refuse_if_signed", "return_sheet", "sign"]
