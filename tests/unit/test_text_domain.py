"""The one rule for user text (evalflow.shared.text), shared by the HTML forms and the API."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalflow.shared.messages import Message
from evalflow.shared.text import has_visible_text, text_problem

BAD = "含有无法保存的字符(如空字符、控制字符或不完整的 Unicode 字符),请删除后重试。"
INVISIBLE = "不能只包含空白或不可见的字符,请填写可见的文字。"


@pytest.mark.parametrize(
    ("value", "required", "expected"),
    [
        ("文明单位", True, None),
        ("a\tb\r\nc", True, None),
        ("", False, None),
        ("   ", False, None),
        ("", True, "请填写此项。"),
        ("   ", True, INVISIBLE),
        ("\u3000", True, INVISIBLE),
        ("\ufeff", False, INVISIBLE),
        ("\ufeff", True, INVISIBLE),
        ("\u200b\u200d\u2060\u202e", True, INVISIBLE),
        ("\u3164\u2800", True, INVISIBLE),
        ("\u0301", True, INVISIBLE),
        ("a\x00b", False, BAD),
        ("\x00", True, BAD),
        ("x\x1b[0m", True, BAD),
        ("x\x85", True, BAD),
        ("\ud800", True, BAD),
        ("ok\udfff", True, BAD),
        ("\uffff", True, BAD),
        ("\ufeff标题", True, None),
        ("😀", True, None),
    ],
)
def test_text_problem_table(value, required, expected):
    problem = text_problem(value, required=required)
    assert (problem.render() if problem else None) == expected
    assert problem is None or isinstance(problem, Message)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1))
def test_text_with_a_letter_is_accepted(value):
    assert text_problem(value + "字", required=True) is None


@given(st.text())
def test_text_accepted_is_storable_and_visible_when_required(value):
    if text_problem(value, required=True) is None:
        assert has_visible_text(value)
        assert "\x00" not in value
        value.encode("utf-8")  # no lone surrogate: every encoder can write it
