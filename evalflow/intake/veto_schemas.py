"""一票否决 (veto) shapes: an incident, its withdrawal, and the campaign's list with the settings."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from evalflow.intake.rules import MAX_VETO_DESCRIPTION, MAX_VETO_KIND, MAX_WITHDRAWAL_REASON
from evalflow.shared.api.file_schemas import FileOut
from evalflow.shared.api.schemas import Day, Input, Output, Timestamp, text


class VetoIn(Input):
    """As JSON, or as multipart form fields with an optional ``evidence`` file."""

    kind: str = Field(max_length=MAX_VETO_KIND, description="one of the configured VETO_TYPES")
    occurred_on: Day = Field(description="YYYY-MM-DD, not after today")
    description: text(MAX_VETO_DESCRIPTION)  # type: ignore[valid-type]


class WithdrawIn(Input):
    reason: text(MAX_WITHDRAWAL_REASON)  # type: ignore[valid-type]


class IncidentOut(Output):
    id: int
    unit_id: int
    unit_name: str
    kind: str
    occurred_on: date
    description: str
    applies: bool = Field(description="within the look-back window and not withdrawn")
    evidence: FileOut | None
    withdrawn_at: Timestamp | None
    withdrawal_reason: str


class VetoListOut(Output):
    types: list[str]
    lookback_months: int
    incidents: list[IncidentOut]
