"""Campaign shapes: the scale (评定表), the campaign, its edit and its phase transitions."""

from __future__ import annotations

from pydantic import Field

from evalflow.shared.api.schemas import Input, Output, Timestamp, line, text
from evalflow.shared.campaigns.rules import (
    DEFAULT_NOTICE_DAYS,
    MAX_DESCRIPTION,
    MAX_NOTICE_DAYS,
    MAX_REASON,
    MAX_TITLE,
    MIN_NOTICE_DAYS,
)
from evalflow.shared.campaigns.scale import MAX_CRITERIA, MAX_GRADES, MAX_LABEL, MAX_POINTS
from evalflow.shared.phases import MAX_PHASE_NAME, Phase


class GradeIn(Input):
    label: line(MAX_LABEL)  # type: ignore[valid-type]
    points: int | float = Field(ge=0, le=MAX_POINTS)
    criteria: text(MAX_CRITERIA, required=False) = ""  # type: ignore[valid-type]


class CampaignCreate(Input):
    title: line(MAX_TITLE)  # type: ignore[valid-type]
    description: text(MAX_DESCRIPTION, required=False) = ""  # type: ignore[valid-type]
    notice_working_days: int = Field(DEFAULT_NOTICE_DAYS, ge=MIN_NOTICE_DAYS, le=MAX_NOTICE_DAYS)
    scale: list[GradeIn] | None = Field(None, max_length=MAX_GRADES)


class CampaignPatch(Input):
    """Only the keys sent are changed; ``scale`` and ``notice_working_days`` only in draft."""

    title: line(MAX_TITLE) | None = None  # type: ignore[valid-type]
    description: text(MAX_DESCRIPTION, required=False) | None = None  # type: ignore[valid-type]
    notice_working_days: int | None = Field(None, ge=MIN_NOTICE_DAYS, le=MAX_NOTICE_DAYS)
    scale: list[GradeIn] | None = Field(None, max_length=MAX_GRADES)


class TransitionIn(Input):
    """``to`` names a phase; a name that is no phase is a 409 ``invalid_transition`` (contract)."""

    to: str = Field(
        max_length=MAX_PHASE_NAME,
        description="draft | intake | training | briefing | review | notice | final",
    )
    reason: text(MAX_REASON, required=False) = ""  # type: ignore[valid-type]


class GradeOut(Output):
    label: str
    points: int | float
    criteria: str


class TransitionOut(Output):
    to: Phase
    allowed: bool
    reasons: list[str]


class CampaignOut(Output):
    id: int
    title: str
    description: str
    phase: Phase
    phase_label: str
    notice_working_days: int
    scale: list[GradeOut]
    transitions: list[TransitionOut]
    created_at: Timestamp
    updated_at: Timestamp
