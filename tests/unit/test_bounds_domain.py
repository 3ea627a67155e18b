"""The bounds of an id and a day (shared/bounds.py): ASCII digits only, within the id columns' range."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from evalflow.briefing.rules import parse_countdown
from evalflow.shared import bounds
from evalflow.shared.errors import InvalidInput
from evalflow.tally.bias import Thresholds, parse_thresholds
from evalflow.training.rules import parse_checkin_minutes


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1),
        (2**31 - 1, 2**31 - 1),
        ("42", 42),
        (" 42 ", 42),
        ("0042", 42),
        ("2147483647", 2**31 - 1),
        (0, None),
        (-1, None),
        (2**31, None),
        (2**63, None),
        ("2147483648", None),
        ("9223372036854775808", None),
        ("9" * 5000, None),
        ("0" * 20 + "7", 7),
        ("²", None),
        ("٣", None),
        ("３", None),
        ("1_000", None),
        ("+5", None),
        ("-5", None),
        ("1.0", None),
        ("", None),
        (True, None),
        (1.0, None),
        (None, None),
        ([1], None),
    ],
)
def test_parse_id_takes_ascii_digits_in_range_only(value, expected):
    assert bounds.parse_id(value) == expected


@pytest.mark.parametrize(
    ("day", "inside"),
    [
        (date(2000, 1, 1), True),
        (date(2100, 12, 31), True),
        (date(1999, 12, 31), False),
        (date(2101, 1, 1), False),
        (date(1, 1, 1), False),
        (date(9999, 12, 31), False),
        (datetime(9999, 12, 31, 23, 59), False),
        (datetime(2026, 12, 3, 9, 30), True),
    ],
)
def test_day_in_range_is_the_office_s_years(day, inside):
    assert bounds.day_in_range(day) is inside
    assert (bounds.day_problem(day) is None) is inside


def test_bounds_messages_name_the_limits():
    assert bounds.id_range().render() == "编号须为 1 到 2147483647 之间的整数。"
    assert bounds.day_range().render() == "日期须在 2000-01-01 到 2100-12-31 之间。"


@pytest.mark.parametrize("raw", ["²", "9" * 5000, "٣", "1e3"])
def test_small_number_rules_refuse_digits_int_cannot_read(raw):
    with pytest.raises(InvalidInput):
        parse_checkin_minutes(raw)
    with pytest.raises(InvalidInput):
        parse_thresholds({"flat_min_ballots": raw}, Thresholds())
    with pytest.raises(InvalidInput):
        parse_countdown(raw)
