"""Training shapes (集中培训): schedule and materials, attendance, venue check-in, the shared Q&A."""

from __future__ import annotations

from pydantic import Field

from evalflow.shared.api.file_schemas import FileOut
from evalflow.shared.api.schemas import Input, Output, Query, Timestamp, text
from evalflow.shared.bounds import FIRST_DAY, LAST_DAY
from evalflow.training.rules import (
    CHECKIN_MAX_MINUTES,
    MAX_AGENDA_ITEM,
    MAX_AGENDA_ITEMS,
    MAX_ANSWER,
    MAX_CHECKIN_CODE,
    MAX_NOTE,
    MAX_PLACE,
    MAX_QUERY,
    MAX_QUESTION,
    AttendanceStatus,
)

MAX_TIMESTAMP = 40  # ISO 8601 with offset and fractions


class TrainingIn(Input):
    """Only the keys sent are changed."""

    starts_at: str | None = Field(
        None,
        max_length=MAX_TIMESTAMP,
        description="ISO 8601; without offset read in the office's time zone; "
        f"its day from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}",
    )
    place: text(MAX_PLACE, required=False) | None = None  # type: ignore[valid-type]
    agenda: list[text(MAX_AGENDA_ITEM, required=False)] | None = Field(  # type: ignore[valid-type]
        None, max_length=MAX_AGENDA_ITEMS
    )


class AttendanceIn(Input):
    status: AttendanceStatus
    note: text(MAX_NOTE, required=False) = Field("", description="required when excused")  # type: ignore[valid-type]


class CheckinIn(Input):
    minutes: int | None = Field(None, ge=1, le=CHECKIN_MAX_MINUTES, description="default 30")


class CheckinScanIn(Input):
    code: text(MAX_CHECKIN_CODE)  # type: ignore[valid-type]


class FaqIn(Input):
    question: text(MAX_QUESTION)  # type: ignore[valid-type]
    answer: text(MAX_ANSWER)  # type: ignore[valid-type]


class AskIn(Input):
    question: text(MAX_QUESTION)  # type: ignore[valid-type]


class AnswerIn(Input):
    answer: text(MAX_ANSWER)  # type: ignore[valid-type]


class FaqQuery(Query):
    q: str | None = Field(
        None, description=f"words searched in questions and answers (the first {MAX_QUERY} characters)"
    )


class MaterialOut(FileOut):
    url: str


class TrainingOut(Output):
    starts_at: Timestamp | None
    place: str
    agenda: list[str]
    materials: list[MaterialOut]


class AttendanceOut(Output):
    unit_id: int
    status: AttendanceStatus
    note: str
    marked_at: Timestamp | None


class AttendanceRowOut(Output):
    unit_id: int
    name: str
    status: AttendanceStatus | None
    note: str
    marked_at: Timestamp | None


class AttendanceSummaryOut(Output):
    total: int
    trained: int
    excused: int
    missing: list[str] = Field(description="names of the units neither attended nor excused")
    units: list[AttendanceRowOut]


class CheckinOut(Output):
    code: str
    url: str = Field(description="the page the venue QR code opens")
    expires_at: Timestamp


class FaqOut(Output):
    id: int
    question: str
    answer: str
    answered: bool
    asked_online: bool
    asked_by_unit_id: int | None = Field(description="office only")
    created_at: Timestamp
    answered_at: Timestamp | None
