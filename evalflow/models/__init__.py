"""Typed, thin ORM models. Constraints mirror the domain's rules; logic lives in services."""

from .accounts import ApiToken, User
from .briefing import (
    Attendance,
    AttendanceStatus,
    Ballot,
    FaqEntry,
    Presentation,
    PresentationStatus,
    Seat,
    SeatRole,
    Training,
)
from .campaign import AuditEntry, Campaign
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

__all__ = [
    "ApiToken",
    "Application",
    "ApplicationStatus",
    "ApplicationVersion",
    "Attendance",
    "AttendanceStatus",
    "AuditEntry",
    "Ballot",
    "Campaign",
    "FaqEntry",
    "Notice",
    "NoticeUnit",
    "Objection",
    "ObjectionStatus",
    "Presentation",
    "PresentationStatus",
    "Seat",
    "SeatRole",
    "StoredFile",
    "Training",
    "Unit",
    "User",
    "VetoIncident",
    "CalendarDay",
    "ObjectionFile",
    "ObjectionFileRole",
    "ObjectorKind",
]
