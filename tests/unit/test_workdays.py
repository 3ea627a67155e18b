"""Chinese working days: the contract's examples, the holidays, the office's table, and properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalflow.shared.errors import InvalidInput
from evalflow.shared.workdays import (
    LIBRARY_LAST_YEAR,
    MAX_WORKING_DAYS,
    clean_extra_day,
    deadline_after,
    is_workday,
    status_on,
    working_period,
    year_known,
)


def test_working_period_contract_example_ends_on_friday():
    period = working_period(date(2022, 10, 31), 5)
    assert period.ends_on == date(2022, 11, 4)
    assert not period.beyond_known


def test_working_period_over_national_day_counts_makeup_saturday():
    # 2026-09-29 Tue, 09-30 Wed, 10-01..10-07 holiday, 10-08 Thu, 10-09 Fri, 10-10 Sat (调休 working day)
    assert working_period(date(2026, 9, 29), 5).ends_on == date(2026, 10, 10)
    assert is_workday(date(2026, 10, 10)) is True


def test_working_period_over_spring_festival_skips_holiday():
    # 2024: Spring Festival holiday 02-10..02-17; 02-04 (Sun) and 02-18 (Sun) are make-up working days.
    # Counted: 02-07, 02-08, 02-09, 02-18 (Sunday make-up day), 02-19.
    assert working_period(date(2024, 2, 7), 5).ends_on == date(2024, 2, 19)
    assert working_period(date(2024, 2, 7), 4).ends_on == date(2024, 2, 18)


def test_working_period_starts_on_holiday_not_counted():
    assert working_period(date(2026, 10, 1), 1).ends_on == date(2026, 10, 8)


def test_working_period_unknown_year_uses_weekdays_and_warns():
    period = working_period(date(2027, 1, 4), 5)
    assert period.ends_on == date(2027, 1, 8)
    assert period.beyond_known and period.unknown_years == (2027,)


def test_working_period_unknown_year_uses_office_table():
    # The office enters a 2027 holiday (Mon–Wed) and a make-up Saturday.
    extra = {
        date(2027, 10, 4): False,
        date(2027, 10, 5): False,
        date(2027, 10, 6): False,
        date(2027, 10, 9): True,
    }
    period = working_period(date(2027, 10, 1), 5, extra)  # Fri 10-01 counted, then 10-07, 10-08, 10-09, 10-11
    assert period.ends_on == date(2027, 10, 11)
    assert not period.beyond_known
    assert year_known(2027, extra)


def test_working_period_crossing_into_unknown_year_flags_it():
    period = working_period(date(LIBRARY_LAST_YEAR, 12, 28), 10)
    assert period.unknown_years == (LIBRARY_LAST_YEAR + 1,)


def test_office_table_overrides_library():
    assert working_period(date(2026, 10, 10), 1, {date(2026, 10, 10): False}).ends_on == date(2026, 10, 12)


def test_deadline_after_excludes_receipt_day():
    assert deadline_after(date(2022, 10, 31), 5).ends_on == date(2022, 11, 7)


@pytest.mark.parametrize("n", [0, -1, 367, True, "5"])
def test_working_period_invalid_count_refused(n):
    with pytest.raises(InvalidInput):
        working_period(date(2024, 1, 1), n)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2024, 1, 1), "scheduled"),
        (date(2024, 1, 2), "open"),
        (date(2024, 1, 5), "open"),
        (date(2024, 1, 6), "closed"),
    ],
)
def test_status_on_boundaries(today, expected):
    assert status_on(date(2024, 1, 2), date(2024, 1, 5), today) == expected


def test_clean_extra_day_parses_and_refuses():
    assert clean_extra_day("2027-02-10", "1", " 春节 ") == (date(2027, 2, 10), True, "春节")
    with pytest.raises(InvalidInput) as exc:
        clean_extra_day("2027-02-30", False, "")
    assert "day" in exc.value.fields


DAYS = st.dates(min_value=date(2005, 1, 1), max_value=date(2026, 6, 30))


@given(start=DAYS, n=st.integers(min_value=1, max_value=40))
def test_period_has_exactly_n_working_days_and_ends_on_one(start, n):
    period = working_period(start, n)
    span = [start + timedelta(days=i) for i in range((period.ends_on - start).days + 1)]
    assert sum(is_workday(d) for d in span) == n
    assert is_workday(period.ends_on)


@given(start=DAYS, n=st.integers(min_value=1, max_value=30))
def test_period_grows_with_n(start, n):
    assert working_period(start, n + 1).ends_on > working_period(start, n).ends_on


@given(start=DAYS, n=st.integers(min_value=1, max_value=30))
def test_period_never_shorter_than_calendar_days(start, n):
    assert (working_period(start, n).ends_on - start).days >= n - 1


@pytest.mark.parametrize("start", [date(9999, 12, 31), date(9999, 12, 29)])
def test_working_period_too_near_the_last_date_is_refused_not_an_overflow(start):
    with pytest.raises(InvalidInput) as exc:
        working_period(start, 5)
    assert exc.value.message.render() == "日期须在 2000-01-01 到 2100-12-31 之间。"


def test_working_period_of_a_day_stored_before_the_bounds_is_still_counted():
    assert working_period(date(2101, 1, 3), 5).ends_on == date(2101, 1, 7)
    assert working_period(date(1, 1, 1), 1).ends_on == date(1, 1, 1)


def test_working_period_from_the_last_day_an_office_means_runs_into_the_next_year():
    period = working_period(date(2100, 12, 31), MAX_WORKING_DAYS)
    assert period.ends_on.year == 2102 and period.beyond_known


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", date(9999, 12, 31)])
def test_clean_extra_day_outside_the_bounds_is_refused_on_the_day(day):
    with pytest.raises(InvalidInput) as exc:
        clean_extra_day(day, "1", "")
    assert [m.render() for m in exc.value.fields["day"]] == ["日期须在 2000-01-01 到 2100-12-31 之间。"]
