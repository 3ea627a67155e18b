"""Typed, thin ORM models. Constraints mirror the domain's rules; logic lives in services."""

from .accounts import ApiToken, User
from .briefing import (
    Ballot,
    BriefingDraw,
    PaperEntry,
    Presentation,
    PresentationStatus,
    Seat,
    SeatRole,
)
from .campaign import AuditChainHead, AuditEntry, Campaign
from .intake import Application, ApplicationStatus, ApplicationVersion, StoredFile, Unit, VetoIncident
from .notice import (
    CalendarDay,
    Notice,
    NoticeUnit,
    Objection,
    ObjectionFile,
    ObjectionFileRole,
    ObjectionStatus,
    ObjectorKind,
)
from .tally import ProposalRule, ProposedEntry, ProposedList, TallySeal, TallySettings
from .training import Attendance, AttendanceStatus, FaqEntry, Training

__all__ = [
    "ApiToken",
    "Application",
    "ApplicationStatus",
    "ApplicationVersion",
    "AuditChainHead",
    "Attendance",
    "AttendanceStatus",
    "AuditEntry",
    "Ballot",
    "BriefingDraw",
    "Campaign",
    "FaqEntry",
    "Notice",
    "NoticeUnit",
    "Objection",
    "ObjectionStatus",
    "PaperEntry",
    "Presentation",
    "PresentationStatus",
    "Seat",
    "SeatRole",
    "StoredFile",
    "Training",
    "Unit",
    "User",
    "VetoIncident",
    "ProposalRule",
    "ProposedEntry",
    "ProposedList",
    "TallySeal",
    "TallySettings",
    "CalendarDay",
    "ObjectionFile",
    "ObjectionFileRole",
    "ObjectorKind",
]
