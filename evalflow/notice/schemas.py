"""Notice (公示), objection (异议) and commendation shapes (contract: *Notice and objections*)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from evalflow.notice import rules
from evalflow.shared.api.schemas import Day, Id, Input, Output, text
from evalflow.shared.workdays import MAX_NOTE


class ContactIn(Input):
    """How the public may object besides the online form; all four are printed on the notice."""

    phone: text(rules.MAX_PHONE)  # type: ignore[valid-type]
    email: text(rules.MAX_EMAIL)  # type: ignore[valid-type]
    address: text(rules.MAX_ADDRESS)  # type: ignore[valid-type]
    postcode: text(rules.POSTCODE_LENGTH)  # type: ignore[valid-type]


class NoticeIn(Input):
    unit_ids: list[Id] = Field(min_length=1, max_length=rules.MAX_NOTICE_UNITS)
    title: text(rules.MAX_TITLE, required=False) | None = None  # type: ignore[valid-type]
    starts_on: Day | None = Field(None, description="default: the day the notice is published")
    contact: ContactIn


class NoticeUnitOut(Output):
    id: int
    name: str
    category: str


class ContactOut(Output):
    phone: str = ""
    email: str = ""
    address: str = ""
    postcode: str = ""


class NoticeOut(Output):
    id: int
    campaign_id: int
    title: str
    starts_on: date
    ends_on: date
    status: rules.NoticeStatus
    units: list[NoticeUnitOut]
    contact: ContactOut
    published: bool = Field(description="false for a draft (only the office sees it)")
    published_at: datetime | None
    beyond_known_calendar: bool = Field(
        description="the period runs into a year whose holidays are not known yet (ends_on may move)"
    )
    url: str = Field(description="the public HTML page")
    pdf_url: str


class ObjectionIn(Input):
    """An individual gives real name and phone; a unit (``kind: unit``) also a contact person and,
    through the online form, an image of its seal. Anonymous objections are refused (400)."""

    unit_id: Id
    name: text(rules.MAX_NAME, required=False) = ""  # type: ignore[valid-type]
    phone: text(rules.MAX_PHONE, required=False) = ""  # type: ignore[valid-type]
    content: text(rules.MAX_CONTENT, required=False) = ""  # type: ignore[valid-type]
    kind: rules.ObjectorKind = rules.ObjectorKind.INDIVIDUAL
    contact_name: text(rules.MAX_NAME, required=False) = ""  # type: ignore[valid-type]
    email: text(rules.MAX_EMAIL, required=False) = ""  # type: ignore[valid-type]


class ReceiptOut(Output):
    id: int
    receipt: str = Field(description="unguessable; the status page is /objections/{receipt}")
    status_url: str
    reply_due_on: date | None


class ObjectionOut(Output):
    id: int
    notice_id: int
    unit_id: int
    unit_name: str
    kind: rules.ObjectorKind
    name: str
    contact_name: str
    phone: str
    email: str
    content: str
    status: str = Field(json_schema_extra={"enum": list(rules.STATUSES)}, description="open until resolved")
    investigating: bool = Field(description="open and being investigated by the office")
    state: rules.ObjectionState
    reply: str
    reply_due_on: date | None
    created_at: datetime
    resolved_at: datetime | None
    files: list[str] = Field(description="names of the seal image and evidence files")


class ResolveIn(Input):
    outcome: Literal[rules.ObjectionState.UPHELD, rules.ObjectionState.DISMISSED]
    reply: text(rules.MAX_REPLY)  # type: ignore[valid-type]


class InvestigateIn(Input):
    note: text(rules.MAX_INVESTIGATION_NOTE, required=False) = ""  # type: ignore[valid-type]


class CommendationOut(Output):
    campaign_id: int
    title: str
    units: list[NoticeUnitOut]


class CalendarDayIn(Input):
    day: Day
    is_workday: bool
    note: text(MAX_NOTE, required=False) = ""  # type: ignore[valid-type]


class CalendarDayOut(Output):
    day: date
    is_workday: bool
    note: str
