"""Chinese working days (工作日) on the official calendar, for the notice period and reply deadlines.

The contract: ``ends_on`` is the last of *n* working days counted from ``starts_on`` (itself included
when it is a working day). Weekends and statutory holidays do not count; make-up working days (调休,
a Saturday or Sunday declared a working day) do.

The official calendar comes from the maintained ``chinese-calendar`` package, which knows the State
Council's holiday arrangements up to the last year it was released for. The office keeps a table of
extra days (:class:`ExtraDays`: date → working day or not) that overrides the library and covers the
years it does not know yet. A year is *known* when the library covers it or the office has entered at
least one day of it; for an unknown year ordinary weekdays are counted, and the result says so
(:attr:`Period.beyond_known`), so the office can be warned before it publishes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

import chinese_calendar

from evalflow.shared import bounds
from evalflow.shared.errors import InvalidInput
from evalflow.shared.messages import N_, msg

# The years the installed library knows (it raises NotImplementedError outside them).
LIBRARY_FIRST_YEAR = min(chinese_calendar.holidays).year
LIBRARY_LAST_YEAR = max(max(chinese_calendar.holidays), max(chinese_calendar.workdays)).year
MAX_WORKING_DAYS = 366  # a sanity bound on any count asked of this module
MAX_NOTE = 100

ExtraDays = Mapping[date, bool]
NO_EXTRA_DAYS: ExtraDays = MappingProxyType({})


def library_knows(year: int) -> bool:
    return LIBRARY_FIRST_YEAR <= year <= LIBRARY_LAST_YEAR


def known_years(extra: ExtraDays = NO_EXTRA_DAYS) -> frozenset[int]:
    """Years outside the library's range that the office's table covers."""
    return frozenset(day.year for day in extra if not library_knows(day.year))


def year_known(year: int, extra: ExtraDays = NO_EXTRA_DAYS) -> bool:
    return library_knows(year) or year in known_years(extra)


def is_workday(day: date, extra: ExtraDays = NO_EXTRA_DAYS) -> bool:
    """Whether *day* is a working day: the office's table first, then the library, then Mon–Fri."""
    if day in extra:
        return bool(extra[day])
    if library_knows(day.year):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


@dataclass(frozen=True)
class Period:
    starts_on: date
    ends_on: date
    working_days: int
    unknown_years: tuple[int, ...]  # years inside the period that neither library nor office know

    @property
    def beyond_known(self) -> bool:
        """True when the period runs past the known calendar (its end may move once it is known)."""
        return bool(self.unknown_years)


def _check_count(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_WORKING_DAYS:
        raise InvalidInput(msg(N_("工作日数须为 1 到 %(max)d 之间的整数。"), max=MAX_WORKING_DAYS))


def working_period(starts_on: date, n: int, extra: ExtraDays = NO_EXTRA_DAYS) -> Period:
    """The period of *n* working days counted from *starts_on* (included when it is a working day).

    Input is checked against ``bounds.FIRST_DAY``..``LAST_DAY`` where it comes in; a day already
    stored is counted as it is, and one too near 9999-12-31 to count on from is refused with the
    bounds (never an ``OverflowError``)."""
    _check_count(n)
    day, counted, unknown = starts_on, 0, set()
    while True:
        if not year_known(day.year, extra):
            unknown.add(day.year)
        if is_workday(day, extra):
            counted += 1
            if counted == n:
                return Period(starts_on, day, n, tuple(sorted(unknown)))
        if day == date.max:
            raise InvalidInput(bounds.day_range())
        day += timedelta(days=1)


def deadline_after(received_on: date, n: int, extra: ExtraDays = NO_EXTRA_DAYS) -> Period:
    """A reply deadline: the *n*-th working day after *received_on* (the day itself not counted)."""
    return working_period(received_on + timedelta(days=1), n, extra)


def status_on(starts_on: date, ends_on: date, today: date) -> str:
    """``scheduled`` before the first day, ``open`` from the first through the last, ``closed`` after."""
    if today < starts_on:
        return "scheduled"
    if today <= ends_on:
        return "open"
    return "closed"


def clean_extra_day(day: object, is_workday_value: object, note: object) -> tuple[date, bool, str]:
    """Validate one row of the office's table (a date, working day or holiday, a short note)."""
    errors: dict[str, list] = {}
    parsed: date | None = None
    if isinstance(day, date):
        parsed = day
    else:
        try:
            parsed = date.fromisoformat(str(day or "").strip())
        except ValueError:
            errors["day"] = [msg(N_("请填写有效的日期(YYYY-MM-DD)。"))]
    if parsed is not None and not bounds.day_in_range(parsed):
        errors["day"] = [bounds.day_range()]
    text = str(note or "").strip()
    if len(text) > MAX_NOTE:
        errors["note"] = [msg(N_("说明最多 %(max)d 个字。"), max=MAX_NOTE)]
    if errors or parsed is None:
        raise InvalidInput(fields=errors)
    flag = (
        is_workday_value
        if isinstance(is_workday_value, bool)
        else str(is_workday_value) in {"1", "true", "on", "workday"}
    )
    return parsed, flag, text
