"""Applications (申报材料): the contract's application endpoints, plus the .docx report import,
versions and their diff, the office's review queue and the intake deadline."""

from __future__ import annotations

from flask import Response

from evalflow.intake import applications as intake
from evalflow.intake import veto
from evalflow.intake.models import Application
from evalflow.intake.rules import ApplicationStatus, outline
from evalflow.intake.schemas import (
    ApplicationIn,
    ApplicationOut,
    DeadlineIn,
    DeadlineOut,
    DiffOut,
    DiffQuery,
    ImportOut,
    QueueOut,
    QueueQuery,
    ReviewIn,
    VersionOut,
)
from evalflow.intake.units_api import campaign_of
from evalflow.shared.api.caller import actor
from evalflow.shared.api.file_schemas import FileOut
from evalflow.shared.api.routes import multipart_body, route, upload
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.files import store as files
from evalflow.shared.i18n import tr_all


def application_out(unit: Unit, application: Application | None, campaign: Campaign) -> ApplicationOut:
    text = application.report_text if application else ""
    return ApplicationOut(
        unit_id=unit.id,
        status=application.status if application else ApplicationStatus.DRAFT,
        report_title=application.report_title if application else "",
        report_text=text,
        attachments=[FileOut.model_validate(f) for f in intake.attachments(application)],
        review_comment=application.review_comment if application else "",
        submitted_at=application.submitted_at if application else None,
        reviewed_at=application.reviewed_at if application else None,
        outline=[{"level": h.level, "number": h.number, "text": h.text} for h in outline(text)],
        intake_deadline=campaign.intake_deadline,
    )


# --- the application -----------------------------------------------------------------------------

APP = "/campaigns/<int:cid>/units/<int:uid>/application"
ERRORS = {400: "invalid input", 401: "unauthenticated", 403: "forbidden", 404: "not found"}
APP_RESPONSES = {200: ApplicationOut, **ERRORS}


def _application(campaign: Campaign, uid: int) -> ApplicationOut:
    unit, application = intake.view_application(actor(), campaign, uid)
    return application_out(unit, application, campaign)


@route(
    APP,
    "GET",
    summary="A unit's application (that unit or office)",
    tag="applications",
    responses=APP_RESPONSES,
)
def get_application(cid: int, uid: int) -> ApplicationOut:
    return _application(campaign_of(cid), uid)


@route(
    APP,
    "PUT",
    summary="Save the draft's title and text (that unit; intake; draft or returned)",
    tag="applications",
    body=ApplicationIn,
    responses={**APP_RESPONSES, 409: "wrong phase or not editable"},
)
def put_application(cid: int, uid: int, body: ApplicationIn) -> ApplicationOut:
    campaign = campaign_of(cid)
    intake.save_draft(actor(), campaign, uid, body.model_dump(exclude_unset=True))
    return _application(campaign, uid)


@route(
    APP + "/attachments",
    "POST",
    summary="Attach a PDF, DOCX, JPEG or PNG file (multipart field 'file'; checked by content)",
    tag="applications",
    multipart=multipart_body(),
    responses={201: FileOut, **ERRORS, 409: "not editable", 413: "too large", 415: "unsupported type"},
)
def add_attachment(cid: int, uid: int) -> FileOut:
    stored = intake.add_attachment(actor(), campaign_of(cid), uid, upload())
    return FileOut.model_validate(stored)


@route(
    APP + "/attachments/<int:aid>",
    "GET",
    summary="Download an attachment with its original name (that unit or office)",
    tag="applications",
    responses={200: "the file (Content-Disposition: attachment)", **ERRORS},
)
def download_attachment(cid: int, uid: int, aid: int) -> Response:
    return files.send_stored(intake.get_attachment(actor(), campaign_of(cid), uid, aid))


@route(
    APP + "/attachments/<int:aid>",
    "DELETE",
    summary="Remove an attachment while editing (that unit)",
    tag="applications",
    responses={204: "removed", **ERRORS, 409: "not editable"},
)
def delete_attachment(cid: int, uid: int, aid: int) -> Response:
    intake.remove_attachment(actor(), campaign_of(cid), uid, aid)
    return Response(status=204)


@route(
    APP + "/report-docx",
    "POST",
    summary="Fill the draft from a .docx report (multipart 'file'); returns the text and its outline",
    tag="applications",
    multipart=multipart_body(),
    responses={
        200: ImportOut,
        401: "unauthenticated",
        403: "forbidden",
        404: "not found",
        409: "not editable",
        413: "too large",
        415: "not a .docx",
    },
)
def import_docx(cid: int, uid: int) -> ImportOut:
    campaign = campaign_of(cid)
    imported = intake.import_docx(actor(), campaign, uid, upload())
    return ImportOut(
        **_application(campaign, uid).model_dump(),
        title_action=imported.title_action,
        import_notices=tr_all(imported.notices),
    )


@route(
    APP + "/submit",
    "POST",
    summary="Submit the application (that unit); 400 when title or text is empty",
    tag="applications",
    responses={**APP_RESPONSES, 409: "not editable, wrong phase or deadline passed"},
)
def submit_application(cid: int, uid: int) -> ApplicationOut:
    campaign = campaign_of(cid)
    intake.submit(actor(), campaign, uid)
    return _application(campaign, uid)


@route(
    APP + "/review",
    "POST",
    summary="Accept, return (with a comment) or reject (with a reason) a submitted application (office)",
    tag="applications",
    body=ReviewIn,
    responses={**APP_RESPONSES, 409: "not submitted, vetoed or wrong phase"},
)
def review_application(cid: int, uid: int, body: ReviewIn) -> ApplicationOut:
    campaign = campaign_of(cid)
    intake.review(actor(), campaign, uid, body.decision, body.comment)
    return _application(campaign, uid)


@route(
    APP + "/versions",
    "GET",
    summary="Every submitted version of the application (that unit or office)",
    tag="applications",
    responses={200: list[VersionOut], **ERRORS},
)
def list_versions(cid: int, uid: int) -> list[VersionOut]:
    return [VersionOut.model_validate(v) for v in intake.versions(actor(), campaign_of(cid), uid)]


@route(
    APP + "/diff",
    "GET",
    summary="What changed between two submitted versions (?from=N&to=M; default the last two)",
    tag="applications",
    query=DiffQuery,
    responses={200: DiffOut, **ERRORS},
)
def diff_versions(cid: int, uid: int, query: DiffQuery) -> DiffOut:
    campaign = campaign_of(cid)
    numbers = [v.number for v in intake.versions(actor(), campaign, uid)]
    after = query.after if query.after is not None else (numbers[-1] if numbers else 1)
    before = query.before if query.before is not None else after - 1
    result = intake.compare(actor(), campaign, uid, before, after)
    return DiffOut(
        before=before,
        after=after,
        changed=result.changed,
        title={"before": result.title_before, "after": result.title_after},
        lines=[{"op": kind, "text": text} for kind, text in result.lines],
        attachments_added=list(result.attachments_added),
        attachments_removed=list(result.attachments_removed),
    )


# --- office: queue, deadline -----------------------------------------------------------------------


@route(
    "/campaigns/<int:cid>/applications",
    "GET",
    summary="The review queue: applications with their status, and counts per status (office; ?status=)",
    tag="applications",
    query=QueueQuery,
    responses={200: QueueOut, **ERRORS},
)
def review_queue(cid: int, query: QueueQuery) -> QueueOut:
    campaign = campaign_of(cid)
    rows = intake.queue(actor(), campaign, query.status)
    vetoed = veto.vetoed_unit_ids(campaign.id)
    items = [
        {
            "unit_id": unit.id,
            "name": unit.name,
            "category": unit.category,
            "status": application.status if application else ApplicationStatus.DRAFT,
            "report_title": application.report_title if application else "",
            "submitted_at": application.submitted_at if application else None,
            "vetoed": unit.id in vetoed,
        }
        for unit, application in rows
    ]
    return QueueOut(counts=intake.status_counts(campaign), items=items)


@route(
    "/campaigns/<int:cid>/intake-deadline",
    "PUT",
    summary="Set, extend or clear the intake deadline, with a reason (office; audited)",
    tag="applications",
    body=DeadlineIn,
    responses={200: DeadlineOut, **ERRORS},
)
def set_deadline(cid: int, body: DeadlineIn) -> DeadlineOut:
    campaign = campaign_of(cid)
    intake.set_deadline(actor(), campaign, body.deadline or None, body.reason)
    return DeadlineOut(intake_deadline=campaign.intake_deadline)
