"""The one text rule on one-line texts (names, titles, labels): no line break of any kind, no tab —
in the API, the HTML forms and the unit list import alike (evalflow.shared.text)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalflow.intake.rules import clean_unit
from evalflow.shared.errors import InvalidInput
from evalflow.shared.text import text_problem

ONE_LINE = "须写在一行内:不能包含换行符、制表符或 Unicode 行/段分隔符(此处含 %s)。"


@pytest.mark.parametrize(
    ("value", "shown"),
    [("甲\u2028社区", "U+2028"), ("甲\u2029", "U+2029"), ("甲\n乙", "换行符 LF"), ("甲\r乙", "回车符 CR"),
     ("甲\r\n乙", "回车符 CR"), ("甲\t乙", "制表符 TAB")],
)  # fmt: skip
def test_text_problem_single_line_refuses_line_breaks_and_names_them(value, shown):
    problem = text_problem(value, required=True, single_line=True)
    assert problem is not None and problem.render() == ONE_LINE % shown
    assert text_problem(value, required=True) is None  # a text of several lines may hold them


@pytest.mark.parametrize(
    "value", ["甲\x85乙", "甲\x0b乙", "甲\x0c乙", "甲\x1c乙", "甲\x1e乙", "甲\x00乙", "\ud800甲"]
)
def test_text_problem_other_line_ends_are_refused_in_every_text(value):
    for single_line in (False, True):
        problem = text_problem(value, required=True, single_line=single_line)
        assert problem is not None and problem.render().startswith("含有无法保存的字符")


@given(st.text(min_size=1))
def test_property_single_line_text_accepted_never_splits(value):
    if text_problem(value, required=True, single_line=True) is None:
        assert len(value.splitlines()) == 1 and "\t" not in value


def test_clean_unit_refuses_line_breaks_in_every_field_of_an_imported_row():
    with pytest.raises(InvalidInput) as caught:
        clean_unit(
            {"name": "甲\u2028社区", "category": "社\t区", "contact_name": "王\n五", "contact_phone": ""}
        )
    fields = {k: [m.render() for m in v] for k, v in caught.value.fields.items()}
    assert fields == {
        "name": [ONE_LINE % "U+2028"],
        "category": [ONE_LINE % "制表符 TAB"],
        "contact_name": [ONE_LINE % "换行符 LF"],
    }
