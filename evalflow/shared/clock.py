""" "Today" and "now" in the office's time zone (``EVALFLOW_TIMEZONE``, default Asia/Shanghai)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def office_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("TIMEZONE") or "Asia/Shanghai")


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """The office's date; tests and demos may pin it with the ``FROZEN_TODAY`` setting."""
    frozen = current_app.config.get("FROZEN_TODAY")
    if frozen:
        return frozen if isinstance(frozen, date) else date.fromisoformat(str(frozen))
    return datetime.now(office_tz()).date()


def local(moment: datetime) -> datetime:
    return moment.astimezone(office_tz())
