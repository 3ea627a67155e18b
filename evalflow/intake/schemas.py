"""Application shapes (申报材料): the draft, versions and their diff, review, the review queue and
the intake deadline."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field

from evalflow.intake.rules import (
    MAX_COMMENT,
    MAX_REPORT,
    MAX_TITLE,
    ApplicationStatus,
    ReviewDecision,
    TitleAction,
)
from evalflow.shared.api.file_schemas import FileOut
from evalflow.shared.api.schemas import Day, Input, Output, Query, Timestamp, text
from evalflow.shared.bounds import MAX_ID
from evalflow.shared.campaigns.rules import MAX_REASON


class ApplicationIn(Input):
    report_title: text(MAX_TITLE, required=False) | None = None  # type: ignore[valid-type]
    report_text: text(MAX_REPORT, required=False) | None = None  # type: ignore[valid-type]


class ReviewIn(Input):
    decision: ReviewDecision
    comment: text(MAX_COMMENT, required=False) | None = Field(  # type: ignore[valid-type]
        None, description="required to return or reject"
    )


class DeadlineIn(Input):
    deadline: Day | Literal[""] | None = Field(None, description="YYYY-MM-DD; null or empty clears it")
    reason: text(MAX_REASON, required=False) | None = ""  # type: ignore[valid-type]


class QueueQuery(Query):
    """Filters of the review queue (API and HTML page alike)."""

    status: ApplicationStatus | None = None


class DiffQuery(Query):
    """Which two submitted versions to compare (default: the last two)."""

    before: int | None = Field(None, alias="from", ge=1, le=MAX_ID)
    after: int | None = Field(None, alias="to", ge=1, le=MAX_ID)


class Heading(Output):
    level: int
    number: str
    text: str


class ApplicationOut(Output):
    unit_id: int
    status: ApplicationStatus
    report_title: str
    report_text: str
    attachments: list[FileOut]
    review_comment: str
    submitted_at: Timestamp | None
    reviewed_at: Timestamp | None
    outline: list[Heading]
    intake_deadline: date | None


class ImportOut(ApplicationOut):
    """The application after a .docx import, with what the import did to the document's lines."""

    title_action: TitleAction = Field(description="used | duplicate | kept | none: the first line's fate")
    import_notices: list[str] = Field(description="what happened to the title (and a table of contents)")


class VersionOut(Output):
    number: int
    report_title: str
    report_text: str
    attachment_names: list[str]
    submitted_at: Timestamp


class TitleChange(Output):
    model_config = ConfigDict(serialize_by_alias=True, populate_by_name=True)

    before: str = Field(alias="from")
    after: str = Field(alias="to")


class DiffLine(Output):
    op: str = Field(description="' ' unchanged, '+' added, '-' removed, '@' a hunk header")
    text: str


class DiffOut(Output):
    model_config = ConfigDict(serialize_by_alias=True, populate_by_name=True)

    before: int = Field(alias="from")
    after: int = Field(alias="to")
    changed: bool
    title: TitleChange
    lines: list[DiffLine]
    attachments_added: list[str]
    attachments_removed: list[str]


class QueueItem(Output):
    unit_id: int
    name: str
    category: str
    status: ApplicationStatus
    report_title: str
    submitted_at: Timestamp | None
    vetoed: bool


class QueueOut(Output):
    counts: dict[str, int] = Field(description="applications per status")
    items: list[QueueItem]


class DeadlineOut(Output):
    intake_deadline: date | None
