"""Limits of a campaign's own settings, read by the service, the forms and the API schemas."""

from __future__ import annotations

MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MIN_NOTICE_DAYS = 1
MAX_NOTICE_DAYS = 60
DEFAULT_NOTICE_DAYS = 5
MAX_REASON = 2000
