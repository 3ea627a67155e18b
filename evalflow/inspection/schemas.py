"""实地考察's API shapes: visits, teams, conflicts, the proposal, sheets and photos (limits from
:mod:`.rules`; marks are checked against the tree by :mod:`.marks`, not here)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import Field

from evalflow.assessment.rules import number
from evalflow.assessment.sheet_rules import MAX_ENTRIES
from evalflow.inspection import rules
from evalflow.inspection.rules import MAX_REASON, MAX_TEAM, MAX_TEAM_NAME, REVISION_LENGTH
from evalflow.shared.api.schemas import Day, Id, Input, Output, Query, Timestamp

MAX_TIMESTAMP = 40  # ISO 8601 with offset and fractions
Marks = dict[str, Any]


class VisitIn(Input):
    unit_id: Id
    inspector_ids: list[Id] = Field(max_length=MAX_TEAM * 2)
    leader_id: Id
    starts_at: str = Field(
        max_length=MAX_TIMESTAMP, description="ISO 8601; without offset: the office's time zone"
    )
    announced: bool = Field(True, description="false: 暗访, hidden from the unit until signed")
    team_id: Id | None = Field(None, description="the team this visit is for (the proposal's loads count it)")


class VisitPatch(Input):
    starts_at: str | None = Field(None, max_length=MAX_TIMESTAMP)
    announced: bool | None = None


class MemberOut(Output):
    user_id: int
    name: str
    leader: bool
    submitted: bool
    submitted_at: Timestamp | None


class VisitOut(Output):
    id: int
    campaign_id: int
    unit_id: int
    unit_name: str
    starts_at: Timestamp
    announced: bool
    status: str = Field(description="scheduled | in_progress | done | signed")
    overdue: bool
    leader_id: int
    team_id: int | None
    signed_at: Timestamp | None
    inspectors: list[MemberOut]


class UnitVisitOut(Output):
    """A visit as its unit sees it (the contract's ``id`` and ``starts_at``)."""

    id: int
    starts_at: Timestamp
    announced: bool
    signed: bool


class LeafOut(Output):
    code: str
    title: str
    criteria: str
    points: float
    kind: str
    rubric: dict[str, Any] | None


class TeamIn(Input):
    name: str = Field(max_length=MAX_TEAM_NAME * 2)
    inspector_ids: list[Id] = Field(max_length=MAX_TEAM * 2)
    leader_id: Id


class TeamOut(Output):
    id: int
    name: str
    leader_id: int
    inspector_ids: list[int]


class ConflictIn(Input):
    unit_id: Id
    inspector_id: Id
    note: str = Field(max_length=rules.MAX_CONFLICT_NOTE_SENT)


class VisitConflictOut(Output):
    id: int
    unit_id: int
    inspector_id: int
    note: str


class VisitProposalQuery(Query):
    first_day: Day


class VisitProposalIn(Input):
    first_day: Day
    announced: bool = True


class PlannedOut(Output):
    unit_id: int
    team_id: int
    starts_at: str = Field(description="office-local YYYY-MM-DDTHH:MM")


class VisitProposalOut(Output):
    visits: list[PlannedOut]
    unplaced: list[int] = Field(description="units every team has a conflict with")


class VisitSheetIn(Input):
    """Keys not sent keep their values; ``null`` clears a mark or a note."""

    scores: Marks | None = Field(None, max_length=MAX_ENTRIES, description="{CODE: points}")
    comments: Marks | None = Field(None, max_length=MAX_ENTRIES, description="{CODE: text}")
    grades: Marks | None = Field(None, max_length=MAX_ENTRIES, description="{CODE: rubric grade label}")
    found: Marks | None = Field(None, max_length=MAX_ENTRIES, description="{CODE: [deduction label, …]}")
    arrived_at: str | None = Field(None, max_length=MAX_TIMESTAMP)
    left_at: str | None = Field(None, max_length=MAX_TIMESTAMP)
    people_met: str | None = Field(None, max_length=rules.MAX_PEOPLE_MET_SENT)
    summary: str | None = Field(None, max_length=rules.MAX_SUMMARY_SENT)
    revision: str | None = Field(
        None, max_length=REVISION_LENGTH, description="the device's id of this state"
    )
    submit: bool = Field(False, description="hand the sheet to the leader (every base leaf scored)")


class AmendIn(Input):
    scores: Marks | None = Field(None, max_length=MAX_ENTRIES)
    comments: Marks | None = Field(None, max_length=MAX_ENTRIES)
    grades: Marks | None = Field(None, max_length=MAX_ENTRIES)
    found: Marks | None = Field(None, max_length=MAX_ENTRIES)
    reason: str = Field(max_length=MAX_REASON * 2)


class ReturnIn(Input):
    note: str = Field("", max_length=MAX_REASON)


class PhotoForm(Input):
    code: str = Field(description="the inspection leaf the photo shows")
    client_id: str | None = Field(
        None, description="the device's UUID for this photo: sent twice, stored once"
    )


class PhotoOut(Output):
    id: int
    received_at: Timestamp
    code: str
    client_id: str | None
    taken_at: Timestamp | None
    latitude: float | None
    longitude: float | None
    width: int
    height: int
    url: str
    thumbnail_url: str


class VisitSheetOut(Output):
    visit_id: int
    inspector_id: int
    inspector: str
    scores: dict[str, float | int]
    grades: dict[str, str]
    found: dict[str, list[str]]
    comments: dict[str, str]
    arrived_at: Timestamp | None
    left_at: Timestamp | None
    people_met: str
    summary: str
    revision: str | None
    submitted: bool
    submitted_at: Timestamp | None
    signed: bool
    photos: list[PhotoOut]


class ResultOut(Output):
    unit_id: int
    name: str
    points: float | None = Field(description="the unit's 实地考察 source from signed sheets (2 decimals)")
    possible: float
    complete: bool
    leaves: dict[str, float | None]


def figure(value: Decimal | None) -> float | int | None:
    return None if value is None else number(value)


def day_text(moment: datetime | date) -> str:
    return moment.isoformat(timespec="minutes") if isinstance(moment, datetime) else moment.isoformat()
