"""One way to turn a visit, a sheet or a photo into its API shape — the API answers with these and the
sheet page embeds the same JSON as its starting state, so the two never disagree."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import url_for

from evalflow.assessment.models import Indicator
from evalflow.assessment.rules import Method, Tree, plain
from evalflow.assessment.tree_json import rubric_to_json
from evalflow.extensions import db
from evalflow.inspection.models import Visit, VisitPhoto
from evalflow.inspection.schemas import (
    LeafOut,
    MemberOut,
    PhotoOut,
    ResultOut,
    UnitVisitOut,
    VisitOut,
    VisitSheetOut,
    figure,
)
from evalflow.inspection.sheets import Sheet
from evalflow.inspection.visits import VisitRow, name_of
from evalflow.tally.rules import display


def visit_out(row: VisitRow) -> VisitOut:
    visit = row.visit
    return VisitOut(
        id=visit.id, campaign_id=visit.campaign_id, unit_id=visit.unit_id, unit_name=row.unit.name,
        starts_at=visit.starts_at, announced=visit.announced, status=row.status.value, overdue=row.overdue,
        leader_id=visit.leader_id, team_id=visit.team_id, signed_at=visit.signed_at,
        inspectors=[MemberOut(user_id=user.id, name=name_of(user), leader=user.id == visit.leader_id,
                              submitted=member.submitted_at is not None, submitted_at=member.submitted_at)
                    for member, user in row.team],
    )  # fmt: skip


def unit_visit_out(visit: Visit) -> UnitVisitOut:
    return UnitVisitOut(id=visit.id, starts_at=visit.starts_at, announced=visit.announced,
                        signed=visit.signed_at is not None)  # fmt: skip


def leaves_out(tree: Tree | None) -> list[LeafOut]:
    if tree is None:
        return []
    return [LeafOut(code=leaf.code, title=leaf.title, criteria=leaf.criteria, points=float(leaf.points),
                    kind=leaf.kind.value, rubric=rubric_to_json(leaf.rubric) if leaf.rubric else None)
            for leaf in tree.leaves(method=Method.INSPECTION)]  # fmt: skip


def _codes(photos: list[VisitPhoto]) -> dict[int, str]:
    ids = {p.indicator_id for p in photos}
    if not ids:
        return {}
    return dict(
        db.session.execute(sa.select(Indicator.id, Indicator.code).where(Indicator.id.in_(ids))).all()
    )


def photo_out(photo: VisitPhoto, code: str | None = None) -> PhotoOut:
    if code is None:
        code = _codes([photo]).get(photo.indicator_id, "")
    return PhotoOut(
        id=photo.id, received_at=photo.received_at, code=code, client_id=photo.client_id, taken_at=photo.taken_at,
        latitude=_degrees(photo.latitude), longitude=_degrees(photo.longitude), width=photo.width, height=photo.height,
        url=url_for("api.get_photo", vid=photo.visit_id, pid=photo.id),
        thumbnail_url=url_for("api.get_thumbnail", vid=photo.visit_id, pid=photo.id),
    )  # fmt: skip


def _degrees(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def sheet_out(sheet: Sheet) -> VisitSheetOut:
    scores = {c: figure(plain(s.points)) for c, s in sheet.scores.items() if s.points is not None}
    codes = _codes(sheet.photos)
    member = sheet.member
    return VisitSheetOut(
        visit_id=sheet.visit.id, inspector_id=member.inspector_id, inspector=name_of(sheet.inspector),
        scores=scores,  # type: ignore[arg-type]
        grades={c: s.grade for c, s in sheet.scores.items() if s.grade},
        found={c: list(s.found) for c, s in sheet.scores.items() if s.found},
        comments={c: s.comment for c, s in sheet.scores.items() if s.comment},
        arrived_at=member.arrived_at, left_at=member.left_at, people_met=member.people_met, summary=member.summary,
        revision=member.revision, submitted=member.submitted_at is not None, submitted_at=member.submitted_at,
        signed=sheet.visit.signed_at is not None,
        photos=[photo_out(p, codes.get(p.indicator_id, "")) for p in sheet.photos],
    )  # fmt: skip


def result_out(item: object) -> ResultOut:
    from evalflow.inspection.results import UnitPoints

    assert isinstance(item, UnitPoints)
    shown = {code: None if v is None else float(display(v)) for code, v in item.leaves.items()}
    return ResultOut(unit_id=item.unit.id, name=item.unit.name,
                     points=None if item.points is None else float(display(item.points)),
                     possible=float(item.possible), complete=item.complete, leaves=shown)  # fmt: skip
