"""The bounds of what a request may name: an id, a day, a moment — and how much JSON it may send.

Every id column is an ``INTEGER`` (32 bits on PostgreSQL), so an id is a whole number from 1 to
``MAX_ID``; a larger one names nothing, and must never reach the database (SQLite cannot bind a
number past 2**63, PostgreSQL refuses one past its column type: both a 500). A day an office could
mean lies in ``FIRST_DAY``..``LAST_DAY``: the date arithmetic of the notice period, reply deadlines
and time zones then never leaves what ``datetime`` can hold (year 1 moved to UTC, or 9999-12-31 plus
a few working days, overflow).

The API's types (``shared.api.schemas.Id``, ``Day``), the HTML forms' fields (``web.forms``), the URL
converter (``converters.py``) and the services' own parsing of loose values all use these.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from evalflow.shared.messages import N_, Message, msg

MIN_ID = 1
MAX_ID = 2**31 - 1
MAX_ID_DIGITS = len(str(MAX_ID))

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)

# The most bytes of JSON body an API route reads unless it says less (``route(max_body=…)``): far above
# any legitimate request (a 1,000-entry assessment sheet with its reasons), far below the upload
# limit, so a crafted body is refused (413) before it is parsed instead of holding a worker while
# pydantic walks it.
JSON_BODY_LIMIT = 2 * 1024 * 1024

ID_RANGE = N_("编号须为 %(min)s 到 %(max)s 之间的整数。")
DAY_RANGE = N_("日期须在 %(first)s 到 %(last)s 之间。")

_ASCII_DIGITS = re.compile(r"[0-9]+")


def id_range() -> Message:
    return msg(ID_RANGE, min=str(MIN_ID), max=str(MAX_ID))


def day_range() -> Message:
    return msg(DAY_RANGE, first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat())


def id_in_range(value: int) -> bool:
    return MIN_ID <= value <= MAX_ID


def parse_id(value: object) -> int | None:
    """*value* as an id: an int in range, or text of ASCII digits only (``str.isdigit`` also takes
    "²" and "٣") whose number is in range; ``None`` for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if id_in_range(value) else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _ASCII_DIGITS.fullmatch(text) or len(text.lstrip("0")) > MAX_ID_DIGITS:
        return None
    number = int(text)
    return number if id_in_range(number) else None


def is_ascii_number(text: str) -> bool:
    """Whether *text* is written with the digits 0-9 only (at least one)."""
    return bool(_ASCII_DIGITS.fullmatch(text))


def day_in_range(day: date) -> bool:
    """Whether *day* (a date, or the date of a moment as written) is one an office could mean."""
    value = day.date() if isinstance(day, datetime) else day
    return FIRST_DAY <= value <= LAST_DAY


def day_problem(day: date) -> Message | None:
    return None if day_in_range(day) else day_range()
