"""Briefing shapes (集中汇报互评): presentations and their order, ballots, live counts, paper entry."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from evalflow.briefing.live import SeatScreen
from evalflow.briefing.rules import (
    MAX_COUNTDOWN,
    MAX_SEED,
    MIN_COUNTDOWN,
    BallotSource,
    PresentationState,
)
from evalflow.shared.api.schemas import Id, Input, Output, Query, text
from evalflow.shared.campaigns.rules import SeatRole
from evalflow.shared.campaigns.scale import MAX_LABEL

MAX_SHEET_ID = 40


class OpenQuery(Query):
    seconds: int | None = Field(
        None,
        ge=MIN_COUNTDOWN,
        le=MAX_COUNTDOWN,
        description="countdown: scoring closes on the server after it",
    )


class OrderIn(Input):
    unit_ids: list[Id] = Field(description="every presenting unit exactly once, first presenter first")


class DrawIn(Input):
    seed: text(MAX_SEED, required=False) = ""  # type: ignore[valid-type]


class BallotIn(Input):
    grade: str = Field(max_length=MAX_LABEL, description="one of the campaign scale's labels")


class SheetQuery(Query):
    seat: Id | None = Field(None, description="only this seat's form")


class PaperEntryIn(Input):
    clerk: Literal[1, 2]
    sheet: text(MAX_SHEET_ID)  # type: ignore[valid-type]
    grades: dict[str, str] = Field(description="unit id → grade label, or '' for a box left blank")


class PresentationOut(Output):
    unit_id: int
    unit_name: str
    position: int
    status: PresentationState
    ballots: int
    expected: int = Field(description="seats of the other units of the campaign")
    opened_at: datetime | None
    closed_at: datetime | None
    closes_at: datetime | None


class BallotOut(Output):
    unit_id: int
    grade: str


class MyBallotOut(Output):
    unit_id: int
    grade: str
    source: BallotSource
    updated_at: datetime


class DrawOut(Output):
    seed: str
    algorithm: str
    unit_ids: list[int]
    order: list[int]
    drawn_at: datetime
    presentations: list[PresentationOut]


class CurrentOut(Output):
    unit_id: int
    unit_name: str
    position: int
    status: PresentationState
    ballots: int
    expected: int
    opened_at: datetime | None
    closes_at: datetime | None


class RoleCountOut(Output):
    role: SeatRole
    ballots: int
    expected: int


class MissingSeatOut(Output):
    seat_id: int
    name: str
    role: SeatRole
    unit_name: str


class LiveOut(Output):
    done: int
    total: int
    current: CurrentOut | None
    by_role: list[RoleCountOut]
    missing: list[MissingSeatOut]


class SeatScreenOut(Output):
    screen: SeatScreen
    unit_id: int | None
    unit_name: str
    position: int | None
    closes_at: datetime | None
    grade: str | None
    done: int
    total: int


class PaperBoxOut(Output):
    seat_id: int
    unit_id: int


class RecordedOut(PaperBoxOut):
    grade: str


class MismatchOut(PaperBoxOut):
    first: str
    second: str


class ConflictOut(PaperBoxOut):
    paper: str
    online: str


class ReconciliationOut(Output):
    recorded: list[RecordedOut]
    mismatches: list[MismatchOut]
    conflicts: list[ConflictOut]
    waiting: list[PaperBoxOut]


class SheetEntryOut(ReconciliationOut):
    seat_id: int
