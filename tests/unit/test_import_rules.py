"""Pure rules added for issue 8: the imported title, .doc/.odt hints, DOCX sniffing, file names."""

from __future__ import annotations

import pytest

from evalflow.intake import rules
from evalflow.intake.rules import TitleAction
from evalflow.shared.files import rules as file_rules
from evalflow.shared.files.rules import FileKind


@pytest.mark.parametrize(
    ("lines", "current", "title", "body", "action"),
    [
        (["乌山社区汇报", "正文"], "", "乌山社区汇报", ["正文"], TitleAction.USED),
        (["乌山社区汇报", "正文"], "乌山社区汇报", "乌山社区汇报", ["正文"], TitleAction.DUPLICATE),
        (["乌山社区汇报", "正文"], "已有标题", "已有标题", ["乌山社区汇报", "正文"], TitleAction.KEPT),
        (["只有一行的文件。"], "", "", ["只有一行的文件。"], TitleAction.NONE),
        (["只有一行"], "已有标题", "已有标题", ["只有一行"], TitleAction.KEPT),
        (["一、第一行就是提纲", "正文"], "", "", ["一、第一行就是提纲", "正文"], TitleAction.NONE),
    ],
)
def test_split_title_never_drops_a_line(lines, current, title, body, action):
    split = rules.split_title(lines, current)
    assert (split.title, split.body, split.action) == (title, body, action)
    assert str(split.notice(lines[0])) == rules.TITLE_NOTICES[action] % {"title": title, "line": lines[0]}


def test_split_title_notice_names_the_kept_title_and_first_line():
    notice = rules.split_title(["文档标题", "正文"], "原标题").notice("文档标题")
    assert str(notice) == "保留了原有标题“原标题”;文档第一行“文档标题”放在正文开头。"


@pytest.mark.parametrize(
    ("head", "names", "expected"),
    [
        (b"PK\x03\x04", ["[Content_Types].xml", "_rels/.rels", "word/document2.xml"], FileKind.DOCX),
        (b"PK\x03\x04", ["word/media/image1.png"], None),
        (b"PK\x03\x04", ["[Content_Types].xml", "xl/workbook.xml"], None),
    ],
)
def test_sniff_accepts_word_packages_whatever_the_main_part_name(head, names, expected):
    assert file_rules.sniff(head, names) is expected


@pytest.mark.parametrize(
    ("head", "names", "words"),
    [
        (file_rules.OLE_MAGIC + b"\x00" * 8, None, ".doc"),
        (b"PK\x03\x04", ["mimetype", "content.xml", "META-INF/manifest.xml"], ".odt"),
    ],
)
def test_office_hint_tells_to_save_as_docx(head, names, words):
    hint = str(file_rules.office_hint(head, names))
    assert words in hint and "另存为” .docx" in hint


def test_office_hint_is_none_for_other_files():
    assert file_rules.office_hint(b"%PDF-1.4", None) is None


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("报告.exe", FileKind.PDF, "报告.pdf"),
        ("x.html", FileKind.PDF, "x.pdf"),
        ("照片.JPEG", FileKind.JPEG, "照片.JPEG"),
        ("照片.png", FileKind.JPEG, "照片.jpg"),
        ("第1.2节说明", FileKind.PDF, "第1.2节说明.pdf"),
        ("材料.pdf.exe", FileKind.DOCX, "材料.pdf.docx"),
    ],
)
def test_clean_filename_extension_follows_detected_type(name, kind, expected):
    assert file_rules.clean_filename(name, kind) == expected
