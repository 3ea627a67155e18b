"""材料审核 endpoints: a reviewer's own sheet of a unit (contract: *Assessment*), their assignments, the
office's view of every sheet, divergent leaves and their resolution, and closed sources."""

from __future__ import annotations

from evalflow.assessment import closures, divergence, sheets
from evalflow.assessment.rules import Method, number, plain
from evalflow.assessment.schemas import (
    AssignmentOut,
    ClosureIn,
    ClosureOut,
    DecisionIn,
    DivergenceOut,
    MaterialsSheetIn,
    MaterialsSheetOut,
    OfficeSheetOut,
    ReopenIn,
    ThirdIn,
)
from evalflow.intake.units_api import campaign_of
from evalflow.shared.api.caller import require_login
from evalflow.shared.api.routes import route
from evalflow.shared.api.schemas import Done

ERRORS = {400: "invalid input", 401: "unauthenticated", 403: "forbidden", 404: "not found"}


def sheet_fields(scores: dict) -> dict:
    """A sheet's marks as the API shows them (points, comments, grades, deductions found)."""
    return {
        "scores": {c: number(plain(s.points)) for c, s in scores.items() if s.points is not None},
        "comments": {c: s.comment for c, s in scores.items() if s.comment},
        "grades": {c: s.grade for c, s in scores.items() if s.grade},
        "found": {c: list(s.found) for c, s in scores.items() if s.found is not None},
    }


def sheet_out(current: sheets.SheetState) -> MaterialsSheetOut:
    sheet = current.sheet
    return MaterialsSheetOut(
        **sheet_fields(current.scores),
        submitted=current.submitted,
        submitted_at=sheet.submitted_at if sheet is not None else None,
    )


@route(
    "/campaigns/<int:cid>/units/<int:uid>/materials-sheet",
    "GET",
    summary="The caller's own 材料审核 sheet of a unit assigned to them (reviewer)",
    tag="assessment",
    responses={200: MaterialsSheetOut, **ERRORS},
)
def get_materials_sheet(cid: int, uid: int) -> MaterialsSheetOut:
    return sheet_out(sheets.my_sheet(require_login(), sheets.campaign_row(cid), uid))


@route(
    "/campaigns/<int:cid>/units/<int:uid>/materials-sheet",
    "PUT",
    summary="Mark the unit's 材料审核 leaves on the caller's sheet; submit locks it (an assigned reviewer)",
    tag="assessment",
    body=MaterialsSheetIn,
    responses={
        200: MaterialsSheetOut,
        **ERRORS,
        409: "submitted, or wrong_phase (scored from training through briefing)",
    },
)
def put_materials_sheet(cid: int, uid: int, body: MaterialsSheetIn) -> MaterialsSheetOut:
    given = {"scores": body.scores, "comments": body.comments, "grades": body.grades, "found": body.found}
    return sheet_out(
        sheets.save_sheet(require_login(), sheets.campaign_row(cid), uid, given, submit=body.submit)
    )


@route(
    "/campaigns/<int:cid>/units/<int:uid>/materials-sheets",
    "GET",
    summary="Every 材料审核 sheet of a unit, drafts marked as such (office)",
    tag="assessment",
    responses={200: list[OfficeSheetOut], **ERRORS},
)
def list_materials_sheets(cid: int, uid: int) -> list[OfficeSheetOut]:
    rows = sheets.sheets_of_unit(require_login(), campaign_of(cid), uid)
    return [
        OfficeSheetOut(
            **sheet_fields(row.scores),
            id=row.sheet.id,
            scorer_id=row.scorer.id,
            scorer=row.scorer.username,
            name=row.scorer.display_name,
            submitted=row.sheet.submitted_at is not None,
            submitted_at=row.sheet.submitted_at,
        )
        for row in rows
    ]


@route(
    "/reviews/mine",
    "GET",
    summary="The units assigned to the calling reviewer, in every campaign, with their sheets' state",
    tag="assessment",
    responses={200: list[AssignmentOut], 401: "unauthenticated", 403: "forbidden"},
)
def my_reviews() -> list[AssignmentOut]:
    return [
        AssignmentOut(
            campaign_id=a.campaign.id,
            campaign=a.campaign.title,
            phase=a.campaign.phase,
            unit_id=a.unit.id,
            unit=a.unit.name,
            started=a.started,
            submitted=a.submitted_at is not None,
        )
        for a in sheets.my_assignments(require_login())
    ]


# --- divergences ---------------------------------------------------------------------------------------


def divergence_out(flag: divergence.Flag) -> DivergenceOut:
    decision = flag.decision
    return DivergenceOut(
        unit_id=flag.unit_id,
        unit=flag.unit_name,
        code=flag.item.code,
        title=flag.item.title,
        points=number(flag.item.points),
        low=number(flag.found.low),
        high=number(flag.found.high),
        allowed=float(flag.found.allowed),
        sheets=flag.found.sheets,
        status=flag.found.status.value,
        marks=[{"scorer": m.scorer, "points": number(m.points)} for m in flag.marks],
        decision=None
        if decision is None
        else {
            "points": number(plain(decision.points)),
            "reason": decision.reason,
            "decided_at": decision.decided_at,
        },
        third_reviewer=None
        if flag.third is None
        else {"user_id": flag.third.reviewer_id, "name": flag.third_name},
    )


@route(
    "/campaigns/<int:cid>/divergences",
    "GET",
    summary="材料审核 leaves whose submitted sheets differ by more than the gap, and how each was resolved (office)",
    tag="assessment",
    responses={200: list[DivergenceOut], **ERRORS},
)
def list_divergences(cid: int) -> list[DivergenceOut]:
    return [divergence_out(f) for f in divergence.divergences(require_login(), campaign_of(cid))]


@route(
    "/campaigns/<int:cid>/units/<int:uid>/divergences/decision",
    "POST",
    summary="Decide a divergent leaf's points with a written reason (office; while sources are scored)",
    tag="assessment",
    body=DecisionIn,
    responses={200: DivergenceOut, **ERRORS, 409: "wrong_phase"},
)
def decide_divergence(cid: int, uid: int, body: DecisionIn) -> DivergenceOut:
    flag = divergence.decide(require_login(), campaign_of(cid), uid, body.code, body.points, body.reason)
    return divergence_out(flag)


@route(
    "/campaigns/<int:cid>/units/<int:uid>/divergences/third-reviewer",
    "POST",
    summary="Ask one more reviewer to score the unit because of a divergent leaf (office)",
    tag="assessment",
    body=ThirdIn,
    responses={200: DivergenceOut, **ERRORS, 409: "conflict or wrong_phase"},
)
def third_reviewer(cid: int, uid: int, body: ThirdIn) -> DivergenceOut:
    flag = divergence.request_third(require_login(), campaign_of(cid), uid, body.code, body.reviewer_id)
    return divergence_out(flag)


# --- closed sources -------------------------------------------------------------------------------------


@route(
    "/campaigns/<int:cid>/closures",
    "GET",
    summary="Sources the office closed with a reason (office)",
    tag="assessment",
    responses={200: list[ClosureOut], **ERRORS},
)
def list_closures(cid: int) -> list[ClosureOut]:
    return [ClosureOut.model_validate(c) for c in closures.closures(require_login(), campaign_of(cid))]


@route(
    "/campaigns/<int:cid>/closures",
    "POST",
    summary="Close a source with a reason: its missing values count 0 and it no longer holds the campaign back",
    tag="assessment",
    body=ClosureIn,
    responses={200: ClosureOut, **ERRORS, 409: "wrong_phase"},
)
def close_source(cid: int, body: ClosureIn) -> ClosureOut:
    row = closures.close_source(require_login(), campaign_of(cid), Method(body.method), body.reason)
    return ClosureOut.model_validate(row)


@route(
    "/campaigns/<int:cid>/closures/reopen",
    "POST",
    summary="Reopen a closed source (office)",
    tag="assessment",
    body=ReopenIn,
    responses={200: Done, **ERRORS, 409: "wrong_phase"},
)
def reopen_source(cid: int, body: ReopenIn) -> Done:
    closures.reopen_source(require_login(), campaign_of(cid), Method(body.method))
    return Done(status="ok")
