"""The sheets behind one unit's composite, for the trace (who, when, comment, evidence): every
counted sheet of the unit — 材料审核 and 征求意见 sheets once submitted, 实地考察 sheets once their visit
is signed — with its scorer, the time it was locked and each leaf's comment. One query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from evalflow.assessment.models import Indicator, ScoreSheet, SheetScore
from evalflow.assessment.rules import Method
from evalflow.extensions import db
from evalflow.shared.accounts.models import User


@dataclass
class SheetInfo:
    """One counted sheet: its scorer (username and name), method, lock time, visit, comments by code."""

    id: int
    username: str
    name: str
    method: Method
    submitted_at: datetime | None
    visit_id: int | None
    comments: dict[str, str] = field(default_factory=dict)
    grades: dict[str, str] = field(default_factory=dict)


def counted_sheets(campaign_id: int, unit_id: int) -> dict[int, SheetInfo]:
    """The unit's submitted (or signed) sheets by id, with each leaf's comment and rubric grade."""
    stmt = (
        sa.select(
            ScoreSheet.id, User.username, User.display_name, ScoreSheet.method, ScoreSheet.submitted_at,
            ScoreSheet.visit_id, Indicator.code, SheetScore.comment, SheetScore.grade,
        )
        .join(User, User.id == ScoreSheet.scorer_id)
        .outerjoin(SheetScore, SheetScore.sheet_id == ScoreSheet.id)
        .outerjoin(Indicator, Indicator.id == SheetScore.indicator_id)
        .where(
            ScoreSheet.campaign_id == campaign_id,
            ScoreSheet.unit_id == unit_id,
            ScoreSheet.submitted_at.is_not(None),
        )
        .order_by(ScoreSheet.id)
    )  # fmt: skip
    out: dict[int, SheetInfo] = {}
    for sid, username, name, method, at, visit_id, code, comment, grade in db.session.execute(stmt):
        info = out.setdefault(sid, SheetInfo(sid, username, name or username, method, at, visit_id))
        if code is not None and comment:
            info.comments[code] = comment
        if code is not None and grade:
            info.grades[code] = grade
    return out
