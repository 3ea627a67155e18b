"""Pure rules of report intake: outline, file sniffing, names, veto window, review moves, diffs."""

from __future__ import annotations

from datetime import date

import pytest

from evalflow.intake import rules
from evalflow.intake.rules import ApplicationStatus, Heading, ReviewDecision
from evalflow.shared.errors import Conflict, InvalidInput
from evalflow.shared.files import rules as file_rules
from evalflow.shared.files.rules import FileKind


def test_outline_finds_level_one_and_two_headings():
    text = (
        "前言一段。\n一、加强宣传思想工作\n1、细节\n(一)突出主题\n二、深化未成年人思想道德建设。后面的句子\n"
    )
    assert rules.outline(text) == [
        Heading(1, "一", "加强宣传思想工作"),
        Heading(2, "一", "突出主题"),
        Heading(1, "二", "深化未成年人思想道德建设"),
    ]


def test_outline_cuts_long_headings():
    heading = rules.outline("十一、" + "很" * 60)[0]
    assert heading.number == "十一"
    assert heading.text == "很" * rules.MAX_HEADING + "…"


def test_outline_empty_without_headings():
    assert rules.outline("没有提纲的正文。\n第二段。") == []


@pytest.mark.parametrize(
    ("head", "names", "expected"),
    [
        (b"%PDF-1.7\n", None, FileKind.PDF),
        (b"\x89PNG\r\n\x1a\n\x00", None, FileKind.PNG),
        (b"\xff\xd8\xff\xe0", None, FileKind.JPEG),
        (b"PK\x03\x04", ["[Content_Types].xml", "word/document.xml"], FileKind.DOCX),
        (b"PK\x03\x04", ["xl/workbook.xml"], None),
        (b"MZ\x90\x00", None, None),
        (b"\x7fELF", None, None),
        (b"", None, None),
    ],
)
def test_sniff_recognises_content_not_names(head, names, expected):
    assert file_rules.sniff(head, names) is expected


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("申报材料.pdf", FileKind.PDF, "申报材料.pdf"),
        ("../../etc/passwd", FileKind.PDF, "passwd.pdf"),
        ("C:\\文件\\照片.PNG", FileKind.PNG, "照片.PNG"),
        ("", FileKind.JPEG, "file.jpg"),
        ("a\x00b.docx", FileKind.DOCX, "ab.docx"),
    ],
)
def test_clean_filename_strips_paths_and_controls(name, kind, expected):
    assert file_rules.clean_filename(name, kind) == expected


def test_clean_filename_limits_length_keeping_extension():
    name = file_rules.clean_filename("长" * 300 + ".pdf", FileKind.PDF)
    assert len(name) <= 200 and name.endswith(".pdf")


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 11, 28), 24, date(2024, 11, 28)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2024, 2, 29), 12, date(2023, 2, 28)),
        (date(2026, 1, 15), 13, date(2024, 12, 15)),
    ],
)
def test_months_before_clamps_to_month_end(day, months, expected):
    assert rules.months_before(day, months) == expected


@pytest.mark.parametrize(
    ("occurred", "expected"),
    [
        (date(2024, 11, 28), True),
        (date(2024, 11, 27), False),
        (date(2026, 11, 28), True),
        (date(2026, 11, 29), False),
    ],
)
def test_veto_applies_inside_lookback_window(occurred, expected):
    assert rules.veto_applies(occurred, date(2026, 11, 28), 24) is expected


def test_clean_veto_reports_every_problem():
    with pytest.raises(InvalidInput) as caught:
        rules.clean_veto("外星人入侵", "2030-01-01", "", rules.DEFAULT_VETO_TYPES, date(2026, 11, 28))
    assert set(caught.value.fields) == {"kind", "occurred_on", "description"}


def test_clean_veto_accepts_configured_type():
    kind = rules.DEFAULT_VETO_TYPES[0]
    assert rules.clean_veto(kind, "2026-01-02", " 说明 ", rules.DEFAULT_VETO_TYPES, date(2026, 11, 28)) == (
        kind,
        date(2026, 1, 2),
        "说明",
    )


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        (ReviewDecision.ACCEPT, ApplicationStatus.ACCEPTED),
        (ReviewDecision.RETURN, ApplicationStatus.RETURNED),
        (ReviewDecision.REJECT, ApplicationStatus.REJECTED),
    ],
)
def test_review_target_of_submitted(decision, expected):
    assert rules.review_target("submitted", decision, "意见") is expected


@pytest.mark.parametrize("status", ["draft", "returned", "accepted", "rejected"])
def test_review_target_refuses_unsubmitted(status):
    with pytest.raises(Conflict):
        rules.review_target(status, ReviewDecision.ACCEPT, "")


@pytest.mark.parametrize("decision", [ReviewDecision.RETURN, ReviewDecision.REJECT])
def test_review_target_requires_comment_to_return_or_reject(decision):
    with pytest.raises(InvalidInput) as caught:
        rules.review_target("submitted", decision, "  ")
    assert "comment" in caught.value.fields


def test_parse_decision_rejects_unknown():
    with pytest.raises(InvalidInput):
        rules.parse_decision("approve")


@pytest.mark.parametrize("status", ["submitted", "accepted", "rejected"])
def test_require_editable_refuses_frozen_states(status):
    with pytest.raises(Conflict) as caught:
        rules.require_editable(status)
    assert caught.value.code == "not_editable"


def test_clean_report_limits_and_normalises():
    assert rules.clean_report(" 标题 ", "一\r\n二\r三 ") == ("标题", "一\n二\n三")
    with pytest.raises(InvalidInput) as caught:
        rules.clean_report("标" * 201, "字" * (rules.MAX_REPORT + 1))
    assert set(caught.value.fields) == {"report_title", "report_text"}


def test_clean_report_refuses_non_text():
    with pytest.raises(InvalidInput):
        rules.clean_report(["x"], 3)


def test_submission_errors_name_empty_fields():
    assert set(rules.submission_errors(" ", "")) == {"report_title", "report_text"}
    assert rules.submission_errors("标题", "正文") == {}


def test_deadline_passed_only_after_the_day():
    assert not rules.deadline_passed(None, date(2026, 1, 1))
    assert not rules.deadline_passed(date(2026, 1, 1), date(2026, 1, 1))
    assert rules.deadline_passed(date(2026, 1, 1), date(2026, 1, 2))


def test_guess_title_takes_short_first_line():
    assert rules.guess_title(["", "乌山社区文明创建工作汇报", "正文……"]) == "乌山社区文明创建工作汇报"
    assert rules.guess_title(["一、加强领导", "正文"]) == ""
    assert rules.guess_title(["这是一段很长的正文。它有好几句话,不是标题。"]) == ""


def test_clean_unit_requires_name_and_valid_phone():
    with pytest.raises(InvalidInput) as caught:
        rules.clean_unit({"name": " ", "contact_phone": "call me"})
    assert set(caught.value.fields) == {"name", "contact_phone"}
    assert rules.clean_unit({"name": " 乌山社区 ", "contact_phone": "0591-8888 8888"})["name"] == "乌山社区"


def test_diff_versions_lists_changes():
    result = rules.diff_versions(("旧标题", "一\n二\n三", ["a.pdf"]), ("新标题", "一\n二改\n三", ["b.png"]))
    assert result.changed
    assert ("-", "二") in result.lines and ("+", "二改") in result.lines
    assert result.attachments_added == ("b.png",) and result.attachments_removed == ("a.pdf",)


def test_diff_versions_unchanged():
    assert not rules.diff_versions(("t", "x", []), ("t", "x", [])).changed
