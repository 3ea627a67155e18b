"""The pure rules of the training, the shared Q&A and the delegations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from evalflow.shared.errors import InvalidInput
from evalflow.training import rules as t


def test_default_agenda_has_the_six_topics_of_the_process() -> None:
    assert t.DEFAULT_AGENDA == (
        "创建工作的意义",
        "申报评选流程",
        "听取汇报",
        "审核材料",
        "实地考察",
        "问卷调查",
    )


def test_seat_roles_have_the_three_chinese_labels_in_order() -> None:
    assert [(r.value, r.label) for r in t.SeatRole] == [
        ("reporter", "汇报人"),
        ("cadre", "中层干部代表"),
        ("public", "群众代表"),
    ]


def test_parse_attendance_attended_without_note() -> None:
    assert t.parse_attendance({"status": "attended"}) == (t.AttendanceStatus.ATTENDED, "")


def test_parse_attendance_excused_with_note_strips_it() -> None:
    assert t.parse_attendance({"status": "excused", "note": " 病假 "}) == (t.AttendanceStatus.EXCUSED, "病假")


@pytest.mark.parametrize("note", [None, "", "   "])
def test_parse_attendance_excused_without_note_is_refused(note: object) -> None:
    with pytest.raises(InvalidInput) as exc:
        t.parse_attendance({"status": "excused", "note": note})
    assert list(exc.value.fields) == ["note"]


@pytest.mark.parametrize("status", [None, "", "present", 1])
def test_parse_attendance_unknown_status_is_refused(status: object) -> None:
    with pytest.raises(InvalidInput) as exc:
        t.parse_attendance({"status": status})
    assert "status" in exc.value.fields


def test_parse_attendance_note_not_text_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        t.parse_attendance({"status": "attended", "note": 5})
    assert list(exc.value.fields) == ["note"]


def test_progress_counts_attended_excused_and_missing() -> None:
    result = t.progress(
        [("甲", t.AttendanceStatus.ATTENDED), ("乙", None), ("丙", t.AttendanceStatus.EXCUSED)]
    )
    assert (result.total, result.trained, result.excused, result.missing) == (3, 1, ("丙",), ("乙",))
    assert not result.complete


def test_progress_complete_when_nobody_missing() -> None:
    assert t.progress([("甲", t.AttendanceStatus.EXCUSED)]).complete


def test_parse_agenda_drops_blank_items() -> None:
    assert t.parse_agenda([" 意义 ", "", "流程"]) == ["意义", "流程"]


@pytest.mark.parametrize("agenda", [[], ["", " "], "意义", [1], ["x" * 201], ["x"] * 31])
def test_parse_agenda_invalid_is_refused(agenda: object) -> None:
    with pytest.raises(InvalidInput) as exc:
        t.parse_agenda(agenda)
    assert list(exc.value.fields) == ["agenda"]


def test_checkin_open_until_expiry() -> None:
    now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert t.checkin_open(now + timedelta(seconds=1), now)
    assert not t.checkin_open(now, now)
    assert not t.checkin_open(None, now)


@pytest.mark.parametrize(("value", "expected"), [(None, 30), ("", 30), (1, 1), (480, 480), (" 45 ", 45)])
def test_parse_checkin_minutes_accepts_range(value: object, expected: int) -> None:
    assert t.parse_checkin_minutes(value) == expected


@pytest.mark.parametrize("value", [0, 481, True, "abc", "0", "٣٠", "3.5", 2.5])
def test_parse_checkin_minutes_out_of_range_is_refused(value: object) -> None:
    with pytest.raises(InvalidInput):
        t.parse_checkin_minutes(value)


def test_parse_faq_office_needs_question_and_answer() -> None:
    with pytest.raises(InvalidInput) as exc:
        t.parse_faq({"question": " ", "answer": None}, need_answer=True)
    assert sorted(exc.value.fields) == ["answer", "question"]


def test_parse_faq_unit_question_alone() -> None:
    assert t.parse_faq({"question": " 材料几份? "}, need_answer=False) == ("材料几份?", "")


def test_parse_faq_too_long_question_is_refused() -> None:
    with pytest.raises(InvalidInput):
        t.parse_faq({"question": "问" * 2001}, need_answer=False)


@pytest.mark.parametrize(
    ("answered", "asked_by", "viewer", "office", "visible"),
    [
        (True, None, 7, False, True),
        (True, 8, 7, False, True),
        (False, 8, 7, False, False),
        (False, 7, 7, False, True),
        (False, 8, None, True, True),
        (False, None, 7, False, False),
    ],
)
def test_faq_visible_open_question_only_to_office_and_asker(
    answered: bool, asked_by: int | None, viewer: int | None, office: bool, visible: bool
) -> None:
    assert t.faq_visible(answered, asked_by, viewer_unit=viewer, office=office) is visible


def test_parse_seat_valid() -> None:
    assert t.parse_seat({"role": "cadre", "name": " 王芳 "}) == (t.SeatRole.CADRE, "王芳")


def test_parse_seat_reports_both_fields() -> None:
    with pytest.raises(InvalidInput) as exc:
        t.parse_seat({"role": "boss", "name": ""})
    assert sorted(exc.value.fields) == ["name", "role"]


def test_parse_seat_name_too_long_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        t.parse_seat({"role": "public", "name": "名" * 61})
    assert list(exc.value.fields) == ["name"]
