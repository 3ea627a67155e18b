"""The application (申报材料) of a unit: edit the draft, attach files, import a .docx report, submit,
review, the intake deadline, and the history of submitted versions.

Status changes are compare-and-set UPDATEs on the status read (two clicks at once: one wins, the
other gets 409), each with an audit entry. Nothing is committed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from evalflow.extensions import db
from evalflow.intake import rules, veto, wordtext
from evalflow.intake.models import Application, ApplicationVersion
from evalflow.intake.rules import ApplicationStatus
from evalflow.intake.units import get_unit
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import Conflict, InvalidInput, NotFound, TooLarge
from evalflow.shared.files import store as files
from evalflow.shared.files.models import StoredFile
from evalflow.shared.files.rules import FileKind
from evalflow.shared.messages import N_, Message, msg


@dataclass(frozen=True)
class ImportedReport:
    report_title: str
    report_text: str
    outline: list[rules.Heading]
    title_action: rules.TitleAction
    notices: list[Message]  # what happened to the title (and to a table of contents), for the user


def application_of(unit: Unit, *, for_update: bool = False) -> Application:
    """The unit's application, created empty (draft) the first time it is needed."""
    stmt = sa.select(Application).where(Application.unit_id == unit.id)
    if for_update:
        stmt = stmt.with_for_update()
    application = db.session.scalar(stmt)
    if application is None:
        application = Application(unit_id=unit.id)
        db.session.add(application)
        db.session.flush()
    return application


def peek_application(unit: Unit) -> Application | None:
    return db.session.scalar(sa.select(Application).where(Application.unit_id == unit.id))


def view_application(actor: Actor, campaign: Campaign, unit_id: int) -> tuple[Unit, Application | None]:
    require(actor, Action.APPLICATION_VIEW, campaign, unit_id)
    unit = get_unit(campaign, unit_id)
    return unit, peek_application(unit)


def attachments(application: Application | None) -> list[StoredFile]:
    if application is None:
        return []
    stmt = (
        sa.select(StoredFile)
        .where(StoredFile.application_id == application.id, StoredFile.purpose == "attachment")
        .order_by(StoredFile.id)
    )
    return list(db.session.scalars(stmt))


def _editable(actor: Actor, campaign: Campaign, unit_id: int) -> tuple[Unit, Application]:
    require(actor, Action.APPLICATION_EDIT, campaign, unit_id)
    unit = get_unit(campaign, unit_id)
    application = application_of(unit, for_update=True)
    rules.require_editable(application.status)
    return unit, application


def _set_status(
    application: Application, expected: set[ApplicationStatus], target: ApplicationStatus, **values: Any
) -> None:
    """Compare-and-set the status; 409 when another request changed it first."""
    result = db.session.execute(
        sa.update(Application)
        .where(Application.id == application.id, Application.status.in_([s.value for s in expected]))
        .values(status=target.value, updated_at=clock.now(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(msg(N_("申报材料的状态刚刚已被变更,请刷新后重试。")), code="conflict")
    db.session.refresh(application)


def save_draft(actor: Actor, campaign: Campaign, unit_id: int, data: Mapping[str, Any]) -> Application:
    """Replace the working copy's title and text (only while draft or returned, in intake)."""
    _, application = _editable(actor, campaign, unit_id)
    title, text = rules.clean_report(data.get("report_title"), data.get("report_text"))
    application.report_title, application.report_text = title, text
    application.updated_at = clock.now()
    db.session.flush()
    return application


def add_attachment(actor: Actor, campaign: Campaign, unit_id: int, upload: Any) -> StoredFile:
    """Store one attachment, within the per-file and per-application caps.

    Refused: 409 ``too_many_files`` at ``MAX_ATTACHMENTS`` attachments (counted under the
    application's row lock), 409 ``duplicate`` for the same contents (SHA-256) as an attachment
    already there, and the errors of :func:`files.store_upload` (413, 415 incl. encrypted or damaged
    PDFs). A PDF's page count is stored with it.
    """
    _, application = _editable(actor, campaign, unit_id)
    cap = int(current_app.config.get("MAX_ATTACHMENTS") or 20)
    if files.attachment_count(application.id) >= cap:
        raise Conflict(
            msg(N_("每份申报材料最多 %(max)d 个附件,请先删除不需要的附件。"), max=cap), code="too_many_files"
        )
    budget = int(current_app.config["MAX_APPLICATION_MB"]) * 1024 * 1024 - files.usage(application.id)
    limit = min(files.max_file_bytes(), budget)
    try:
        stored = files.store_upload(
            campaign.id, "attachment", upload, application_id=application.id, max_bytes=limit
        )
    except TooLarge:
        if limit < files.max_file_bytes():
            raise TooLarge(
                msg(N_("附件总大小不能超过 %(mb)d MB。"), mb=current_app.config["MAX_APPLICATION_MB"])
            ) from None
        raise
    audit.record(
        actor, "application.attach", campaign_id=campaign.id, subject=("application", application.id),
        data={"file_id": stored.id, "filename": stored.filename, "size": stored.size, "pages": stored.page_count},
    )  # fmt: skip
    return stored


def _attachment(application: Application | None, file_id: int) -> StoredFile:
    stored = db.session.get(StoredFile, file_id)
    if application is None or stored is None or stored.application_id != application.id:
        raise NotFound(msg(N_("附件不存在。")))
    return stored


def get_attachment(actor: Actor, campaign: Campaign, unit_id: int, file_id: int) -> StoredFile:
    _, application = view_application(actor, campaign, unit_id)
    return _attachment(application, file_id)


def remove_attachment(actor: Actor, campaign: Campaign, unit_id: int, file_id: int) -> None:
    _, application = _editable(actor, campaign, unit_id)
    stored = _attachment(application, file_id)
    audit.record(
        actor, "application.detach", campaign_id=campaign.id, subject=("application", application.id),
        data={"file_id": stored.id, "filename": stored.filename},
    )  # fmt: skip
    files.delete_stored(stored)


def import_docx(actor: Actor, campaign: Campaign, unit_id: int, upload: Any) -> ImportedReport:
    """Fill the draft's body from a .docx report; return it with its outline and what happened to
    the title.

    The document is read by :func:`wordtext.read_docx` (bounded in size, elements, paragraphs,
    characters and time; 413 when over a bound, 400 when unreadable). No line is dropped: the first
    line becomes the title only when the draft has none (see ``rules.split_title``). The Word file is
    read and discarded: it is not kept as an attachment.
    """
    _, application = _editable(actor, campaign, unit_id)
    received = files.receive(upload, allowed={FileKind.DOCX})
    try:
        word = wordtext.read_docx(received.path)
    finally:
        received.path.unlink(missing_ok=True)
    lines = [line.strip() for line in word.lines if line.strip()]
    if not lines:
        raise InvalidInput(fields={"file": [msg(N_("该 Word 文件中没有找到正文文字。"))]})
    split = rules.split_title(lines, application.report_title or "")
    text = "\n".join(split.body)
    if len(text) > rules.MAX_REPORT:
        raise TooLarge(
            msg(
                N_("该 Word 文件正文有 %(n)d 字,超过汇报材料 %(max)d 字的上限,请精简后再导入。"),
                n=len(text),
                max=rules.MAX_REPORT,
            )
        )
    title, text = rules.clean_report(split.title, text)
    application.report_title, application.report_text = title, text
    application.updated_at = clock.now()
    db.session.flush()
    audit.record(
        actor, "application.import_docx", campaign_id=campaign.id, subject=("application", application.id),
        data={"title": str(split.action), "lines": len(lines), "toc_lines": word.toc_lines},
    )  # fmt: skip
    notices = [split.notice(lines[0])]
    if word.toc_lines:
        notices.append(msg(N_("文档中的目录(%(n)d 行)未导入,提纲会根据正文自动生成。"), n=word.toc_lines))
    return ImportedReport(title, text, rules.outline(text), split.action, notices)


def submit(actor: Actor, campaign: Campaign, unit_id: int) -> Application:
    """Freeze the working copy as a new version and hand it to the office.

    Side effects: status draft/returned → submitted (compare-and-set), a numbered
    :class:`ApplicationVersion` with the attachment names, an audit entry. Refused with 400 when
    title or text is empty, 409 after the intake deadline.
    """
    _, application = _editable(actor, campaign, unit_id)
    errors = rules.submission_errors(application.report_title, application.report_text)
    if errors:
        raise InvalidInput(msg(N_("标题和正文都填写后才能提交。")), fields=errors)
    if rules.deadline_passed(campaign.intake_deadline, clock.today()):
        raise Conflict(
            msg(N_("申报截止日期(%(day)s)已过,不能再提交。"), day=campaign.intake_deadline.isoformat()),
            code="deadline_passed",
        )
    previous = application.status
    _set_status(application, rules.EDITABLE, ApplicationStatus.SUBMITTED, submitted_at=clock.now())
    number = _next_version(application)
    db.session.add(
        ApplicationVersion(
            application_id=application.id,
            number=number,
            report_title=application.report_title,
            report_text=application.report_text,
            attachment_names=[f.filename for f in attachments(application)],
        )
    )
    db.session.flush()
    audit.record(
        actor, "application.submit", campaign_id=campaign.id, subject=("application", application.id),
        from_state=str(previous), to_state="submitted", data={"version": number},
    )  # fmt: skip
    return application


def _next_version(application: Application) -> int:
    stmt = sa.select(sa.func.max(ApplicationVersion.number)).where(
        ApplicationVersion.application_id == application.id
    )
    return (db.session.scalar(stmt) or 0) + 1


def review(actor: Actor, campaign: Campaign, unit_id: int, decision: object, comment: object) -> Application:
    """The office's decision on a submitted application: accept, return (to editing) or reject.

    A unit with an applicable veto incident cannot be accepted (409 ``vetoed``). Side effects:
    status (compare-and-set), the comment the unit sees, ``reviewed_at``, an audit entry.
    """
    require(actor, Action.APPLICATION_REVIEW, campaign, unit_id)
    unit = get_unit(campaign, unit_id)
    application = application_of(unit, for_update=True)
    text = comment.strip() if isinstance(comment, str) else ""
    if comment is not None and not isinstance(comment, str):
        raise InvalidInput(fields={"comment": [msg(N_("意见须为文字。"))]})
    target = rules.review_target(application.status, rules.parse_decision(decision), text)
    if target is ApplicationStatus.ACCEPTED and unit.id in veto.vetoed_unit_ids(campaign.id):
        raise Conflict(msg(N_("该单位有一票否决事项,不能通过审核。")), code="vetoed")
    _set_status(
        application, {ApplicationStatus.SUBMITTED}, target, review_comment=text, reviewed_at=clock.now()
    )
    audit.record(
        actor, "application.review", campaign_id=campaign.id, subject=("application", application.id),
        from_state="submitted", to_state=target.value, reason=text,
    )  # fmt: skip
    return application


# --- office views ------------------------------------------------------------------------------


def queue(
    actor: Actor, campaign: Campaign, status: ApplicationStatus | None = None
) -> list[tuple[Unit, Application | None]]:
    """Every approved unit with its application (optionally only those in *status*), oldest first."""
    require(actor, Action.UNIT_MANAGE, campaign)
    stmt = (
        sa.select(Unit, Application)
        .outerjoin(Application, Application.unit_id == Unit.id)
        .where(Unit.campaign_id == campaign.id, Unit.approved.is_(True))
        .order_by(Application.submitted_at.is_(None), Application.submitted_at, Unit.id)
    )
    if status:
        stmt = stmt.where(Application.status == status)
    return [(u, a) for u, a in db.session.execute(stmt)]


def status_counts(campaign: Campaign) -> dict[str, int]:
    stmt = (
        sa.select(Application.status, sa.func.count())
        .join(Unit, Unit.id == Application.unit_id)
        .where(Unit.campaign_id == campaign.id, Unit.approved.is_(True))
        .group_by(Application.status)
    )
    counts = {s.value: 0 for s in ApplicationStatus}
    counts.update({str(getattr(s, "value", s)): n for s, n in db.session.execute(stmt)})
    return counts


def versions(actor: Actor, campaign: Campaign, unit_id: int) -> list[ApplicationVersion]:
    _, application = view_application(actor, campaign, unit_id)
    if application is None:
        return []
    stmt = (
        sa.select(ApplicationVersion)
        .where(ApplicationVersion.application_id == application.id)
        .order_by(ApplicationVersion.number)
    )
    return list(db.session.scalars(stmt))


def compare(actor: Actor, campaign: Campaign, unit_id: int, before: int, after: int) -> rules.VersionDiff:
    """The change between submitted versions *before* and *after* (numbers, 1-based)."""
    by_number = {v.number: v for v in versions(actor, campaign, unit_id)}
    if before not in by_number or after not in by_number:
        raise NotFound(msg(N_("该版本不存在。")))
    a, b = by_number[before], by_number[after]
    return rules.diff_versions(
        (a.report_title, a.report_text, list(a.attachment_names)),
        (b.report_title, b.report_text, list(b.attachment_names)),
    )


def set_deadline(actor: Actor, campaign: Campaign, value: object, reason: object = "") -> Campaign:
    """Set, extend or clear the intake deadline; every change is audited with its reason."""
    require(actor, Action.CAMPAIGN_EDIT, campaign)
    day = rules.parse_optional_date(value, "deadline")
    if reason is not None and not isinstance(reason, str):
        raise InvalidInput(fields={"reason": [msg(N_("原因须为文字。"))]})
    old = campaign.intake_deadline
    if day == old:
        return campaign
    campaign.intake_deadline = day
    db.session.flush()
    audit.record(
        actor, "campaign.intake_deadline", campaign_id=campaign.id, subject=("campaign", campaign.id),
        from_state=old.isoformat() if old else None, to_state=day.isoformat() if day else None,
        reason=(reason or "").strip()[: rules.MAX_DEADLINE_REASON],
    )  # fmt: skip
    return campaign
