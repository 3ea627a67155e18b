"""实地考察 endpoints of one visit: the inspector's sheet and photos, the leader's review and signature,
the office's changes after signing, and the 实地考察测评表 (PDF)."""

from __future__ import annotations

from flask import Response, request

from evalflow.assessment.tree_rows import load_tree
from evalflow.inspection import photos, report, sheets, signoff, visits
from evalflow.inspection.schemas import (
    AmendIn,
    LeafOut,
    PhotoForm,
    PhotoOut,
    ReturnIn,
    VisitOut,
    VisitPatch,
    VisitSheetIn,
    VisitSheetOut,
)
from evalflow.inspection.shapes import leaves_out, photo_out, sheet_out, visit_out
from evalflow.shared.access import Action
from evalflow.shared.api.caller import require_login
from evalflow.shared.api.routes import multipart_body, route, upload
from evalflow.shared.api.schemas import Done
from evalflow.shared.files import store as files

ERRORS = {400: "invalid input", 401: "unauthenticated", 403: "forbidden", 404: "not found"}
TAG = "inspection"
LOCKED = "signed, submitted or wrong_phase"


@route("/visits/mine", "GET", summary="The calling inspector's visits, soonest first (inspector)", tag=TAG,
       responses={200: list[VisitOut], **ERRORS})  # fmt: skip
def my_visits() -> list[VisitOut]:
    return [visit_out(row) for row in visits.my_visits(require_login())]


@route("/visits/<int:vid>", "GET", summary="A visit (the office and its inspectors)", tag=TAG,
       responses={200: VisitOut, **ERRORS})  # fmt: skip
def get_visit(vid: int) -> VisitOut:
    return visit_out(visits.visit_row(visits.open_visit(require_login(), vid, Action.VISIT_VIEW)))


@route("/visits/<int:vid>/leaves", "GET", summary="The 实地考察 leaves a visit scores (the office and its inspectors)",
       tag=TAG, responses={200: list[LeafOut], **ERRORS})  # fmt: skip
def visit_leaves(vid: int) -> list[LeafOut]:
    seen = visits.open_visit(require_login(), vid, Action.VISIT_VIEW)
    return leaves_out(load_tree(seen.visit.campaign_id))


@route("/visits/<int:vid>", "PATCH", summary="Move a visit or change whether the unit is told (office; until signed)",
       tag=TAG, body=VisitPatch, responses={200: VisitOut, **ERRORS, 409: "signed or wrong_phase"})  # fmt: skip
def patch_visit(vid: int, body: VisitPatch) -> VisitOut:
    visit = visits.reschedule(require_login(), vid, body.model_dump(exclude_unset=True))
    return visit_out(visits.rows([visit])[0])


@route("/visits/<int:vid>", "DELETE", summary="Cancel a visit nobody has started scoring (office)", tag=TAG,
       responses={200: Done, **ERRORS, 409: "started or wrong_phase"})  # fmt: skip
def cancel_visit(vid: int) -> Done:
    visits.cancel(require_login(), vid)
    return Done(status="ok")


@route("/visits/<int:vid>/sheets/mine", "GET", summary="The calling inspector's sheet of the visit", tag=TAG,
       responses={200: VisitSheetOut, **ERRORS})  # fmt: skip
def get_my_sheet(vid: int) -> VisitSheetOut:
    sheet, _ = sheets.my_sheet(require_login(), vid)
    return sheet_out(sheet)


@route(
    "/visits/<int:vid>/sheets/mine",
    "PUT",
    summary="Fill one's own sheet: scores, comments, notes; idempotent (an inspector of the visit)",
    tag=TAG,
    body=VisitSheetIn,
    responses={200: VisitSheetOut, **ERRORS, 409: LOCKED},
)
def put_my_sheet(vid: int, body: VisitSheetIn) -> VisitSheetOut:
    return sheet_out(sheets.save_sheet(require_login(), vid, body.model_dump(exclude_unset=True)))


@route("/visits/<int:vid>/sheets", "GET", summary="Every sheet of the visit (its leader and the office)", tag=TAG,
       responses={200: list[VisitSheetOut], **ERRORS})  # fmt: skip
def team_sheets(vid: int) -> list[VisitSheetOut]:
    _, team, _ = sheets.team_sheets(require_login(), vid)
    return [sheet_out(s) for s in team]


@route("/visits/<int:vid>/sheets/<int:user_id>/return", "POST",
       summary="Hand a submitted sheet back for correction, before signing (the leader)", tag=TAG, body=ReturnIn,
       body_optional=True, responses={200: Done, **ERRORS, 409: "signed or not_submitted"})  # fmt: skip
def return_sheet(vid: int, user_id: int, body: ReturnIn) -> Done:
    signoff.return_sheet(require_login(), vid, user_id, body.note)
    return Done(status="ok")


@route("/visits/<int:vid>/sheets/<int:user_id>", "PATCH",
       summary="Change a signed sheet, with a reason; audited old → new (office)", tag=TAG, body=AmendIn,
       responses={200: VisitSheetOut, **ERRORS, 409: "not_signed or wrong_phase"})  # fmt: skip
def amend_sheet(vid: int, user_id: int, body: AmendIn) -> VisitSheetOut:
    return sheet_out(signoff.amend(require_login(), vid, user_id, body.model_dump(exclude_unset=True)))


@route("/visits/<int:vid>/sign", "POST", summary="Sign the visit: its sheets lock and count (the leader)", tag=TAG,
       responses={200: VisitOut, **ERRORS, 409: "signed, not_submitted or wrong_phase"})  # fmt: skip
def sign_visit(vid: int) -> VisitOut:
    visit = signoff.sign(require_login(), vid)
    return visit_out(visits.rows([visit])[0])


@route(
    "/visits/<int:vid>/photos",
    "POST",
    summary="Add a photo for a leaf (multipart `file`, `code`, `client_id`?): JPEG or PNG by content, "
    "re-encoded without metadata; the same client_id again is answered 200 with the stored photo",
    tag=TAG,
    multipart=multipart_body(form=PhotoForm),
    responses={
        201: PhotoOut,
        200: PhotoOut,
        **ERRORS,
        409: LOCKED,
        413: "too_large",
        415: "unsupported_type",
    },
)
def add_photo(vid: int) -> tuple[PhotoOut, int]:
    photo, new = photos.add_photo(
        require_login(), vid, upload(), request.form.get("code"), request.form.get("client_id")
    )
    return photo_out(photo), 201 if new else 200


@route("/visits/<int:vid>/photos/<int:pid>", "GET", summary="A photo (JPEG; the office and the visit's inspectors)",
       tag=TAG, responses={200: "the image", **ERRORS})  # fmt: skip
def get_photo(vid: int, pid: int) -> Response:
    return photos.send_image(photos.photo_of(require_login(), vid, pid))


@route("/visits/<int:vid>/photos/<int:pid>/thumbnail", "GET", summary="A photo's thumbnail (JPEG)", tag=TAG,
       responses={200: "the image", **ERRORS})  # fmt: skip
def get_thumbnail(vid: int, pid: int) -> Response:
    return photos.send_image(photos.thumbnail_of(photos.photo_of(require_login(), vid, pid)))


@route("/visits/<int:vid>/report.pdf", "GET", summary="The 实地考察测评表 of the visit, as signed (PDF)", tag=TAG,
       responses={200: "application/pdf", **ERRORS, 409: "not_signed"})  # fmt: skip
def visit_pdf(vid: int) -> Response:
    data, name = report.visit_report(require_login(), vid)
    return files.send_pdf(data, name)
