"""The bounded .docx reader (intake/wordtext.py): order, numbering, notes, revisions, bounds."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest

from evalflow.intake.rules import outline
from evalflow.intake.word_numbering import format_number
from evalflow.intake.word_package import Limits
from evalflow.intake.wordtext import read_docx, render_table
from evalflow.shared.errors import InvalidInput, TooLarge
from tests.word_docs import CHINESE_OUTLINE, base_docx, build_docx, flood_docx, p, r, table


def lines_of(content: bytes, tmp_path, limits: Limits | None = None) -> list[str]:
    path = tmp_path / "in.docx"
    path.write_bytes(content)
    text = read_docx(path, limits) if limits else read_docx(path)
    return [line for line in text.lines if line]


def test_read_docx_keeps_tables_where_they_stand(tmp_path):
    body = p("前文") + table([["项目", "数量"], ["志愿服务", "12"]]) + p("后文")
    assert lines_of(build_docx(body), tmp_path) == ["前文", "项目     | 数量", "志愿服务 | 12", "后文"]


def test_read_docx_renders_word_numbering_as_the_reader_sees_it(tmp_path):
    body = (
        p("领导重视", num=(1, 0)) + p("组织健全", num=(1, 1)) + p("细节", num=(1, 2)) + p("又一细节", num=(1, 2))
        + p("宣传发动", num=(1, 0)) + p("措施", num=(1, 1))
        + p("甲", num=(2, 0)) + p("乙", num=(2, 1)) + p("丙", num=(2, 1)) + p("丁", num=(2, 0))
        + p("重新编号", num=(3, 0))
    )  # fmt: skip
    assert lines_of(build_docx(body, numbering=CHINESE_OUTLINE), tmp_path) == [
        "一、领导重视", "(一)组织健全", "1.细节", "2.又一细节", "二、宣传发动", "(一)措施",
        "1.甲", "1.1 乙", "1.2 丙", "2.丁", "1.重新编号",
    ]  # fmt: skip


def test_read_docx_numbering_feeds_the_outline(tmp_path):
    body = p("领导重视,健全组织", num=(1, 0)) + p("正文。") + p("广泛宣传", num=(1, 1))
    text = "\n".join(lines_of(build_docx(body, numbering=CHINESE_OUTLINE), tmp_path))
    assert [(h.level, h.number, h.text) for h in outline(text)] == [
        (1, "一", "领导重视,健全组织"),
        (2, "一", "广泛宣传"),
    ]


def test_read_docx_numbering_through_paragraph_styles(tmp_path):
    document = docx.Document()
    document.add_paragraph("第一项", style="List Number")
    document.add_paragraph("第二项", style="List Number")
    document.add_paragraph("要点", style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    assert lines_of(buffer.getvalue(), tmp_path) == ["1.第一项", "2.第二项", "• 要点"]


def test_read_docx_keeps_footnotes_insertions_controls_and_field_results(tmp_path):
    body = (
        '<w:p><w:r><w:t>见注</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r>'
        '<w:ins w:id="5" w:author="a">' + r("插入的字") + "</w:ins>"
        '<w:del w:id="6" w:author="a"><w:r><w:delText>删掉的字</w:delText></w:r></w:del>'
        '<w:moveFrom w:id="7" w:author="a">' + r("移走的字") + "</w:moveFrom></w:p>"
        '<w:sdt><w:sdtPr><w:alias w:val="单位名称"/></w:sdtPr><w:sdtContent>'
        + p("控件里的单位名")
        + "</w:sdtContent></w:sdt>"
        '<w:p><w:r><w:t>第</w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        '<w:r><w:t>3</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t>页,</w:t></w:r>'
        '<w:fldSimple w:instr="DATE">' + r("2026年11月29日") + "</w:fldSimple></w:p>"
        '<w:p><w:r><w:t>再注</w:t></w:r><w:r><w:footnoteReference w:id="2"/></w:r></w:p>'
    )
    lines = lines_of(build_docx(body, footnotes=["脚注一", "脚注二"]), tmp_path)
    assert lines == [
        "见注[1]插入的字",
        "控件里的单位名",
        "第3页,2026年11月29日",
        "再注[2]",
        "注释:",
        "[1] 脚注一",
        "[2] 脚注二",
    ]


def test_read_docx_finds_a_main_part_with_another_name(tmp_path):
    content = build_docx(p("标题") + p("正文"), main_name="word/document2.xml")
    assert "word/document.xml" not in zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert lines_of(content, tmp_path) == ["标题", "正文"]


def test_read_docx_refuses_the_paragraph_flood_quickly(tmp_path):
    content = flood_docx()
    assert len(content) < 200_000
    with pytest.raises(TooLarge) as caught:
        lines_of(content, tmp_path)
    assert "段落数" in str(caught.value.message)


@pytest.mark.parametrize(
    ("limits", "words"),
    [
        (Limits(elements=50), "XML 元素数"),
        (Limits(part_bytes=1000), "解压后过大"),
        (Limits(chars=5), "超过"),
        (Limits(entries=3), "文件数"),
        (Limits(seconds=0.0), "规定时间"),
    ],
)
def test_read_docx_refuses_files_over_each_bound(tmp_path, limits, words):
    with pytest.raises(TooLarge) as caught:
        lines_of(build_docx(p("一段足够长的正文文字") * 20), tmp_path, limits)
    assert words in str(caught.value.message)


@pytest.mark.parametrize(
    "content",
    [
        b"PK\x03\x04 not a zip",
        base_docx().replace(b"word/document.xml", b"word/xxxxxxxx.xml"),
        build_docx("<w:p><w:r><w:t>unclosed</w:r></w:p>"),
    ],
)
def test_read_docx_refuses_unreadable_packages_with_400(tmp_path, content):
    with pytest.raises(InvalidInput) as caught:
        lines_of(content, tmp_path)
    assert "file" in caught.value.fields


def test_read_docx_does_not_expand_entities(tmp_path):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f'<w:document xmlns:w="{"http://schemas.openxmlformats.org/wordprocessingml/2006/main"}"><w:body>'
        "<w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>"
    )
    source = zipfile.ZipFile(io.BytesIO(base_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in source.namelist():
            archive.writestr(name, bomb if name == "word/document.xml" else source.read(name))
    with pytest.raises(InvalidInput):
        lines_of(out.getvalue(), tmp_path)


@pytest.mark.parametrize(
    ("n", "fmt", "expected"),
    [
        (1, "chineseCounting", "一"), (10, "chineseCounting", "十"), (11, "chineseCounting", "十一"),
        (21, "chineseCountingThousand", "二十一"), (105, "chineseCounting", "一百零五"),
        (3, "chineseLegalSimplified", "叁"), (2, "ideographTraditional", "乙"), (3, "decimalEnclosedCircle", "③"),
        (4, "upperRoman", "IV"), (28, "lowerLetter", "bb"), (7, "decimalZero", "07"), (5, "unknownFormat", "5"),
    ],
)  # fmt: skip
def test_format_number_in_word_formats(n, fmt, expected):
    assert format_number(n, fmt) == expected


def test_render_table_pads_narrow_columns_by_display_width():
    assert render_table([["名称", "x"], ["ab", "yy"], ["单"]]) == ["名称 | x", "ab   | yy", "单"]


def test_read_docx_counts_paragraphs_whatever_the_namespace_prefix(tmp_path):
    content = flood_docx(60_000)
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            data = source.read(name)
            if name == "word/document.xml":
                data = (
                    data.replace(b"<w:", b"<x:").replace(b"</w:", b"</x:").replace(b"xmlns:w=", b"xmlns:x=")
                )
            archive.writestr(name, data)
    with pytest.raises(TooLarge) as caught:
        lines_of(out.getvalue(), tmp_path)
    assert "段落数" in str(caught.value.message)


def test_read_docx_leaves_out_a_table_of_contents_and_counts_it(tmp_path):
    document = docx.Document()
    styles = document.styles
    from docx.enum.style import WD_STYLE_TYPE

    toc = styles.add_style("toc 1", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("汇报")
    document.add_paragraph("一、领导重视\t3", style=toc)
    document.add_paragraph("二、宣传发动\t5", style=toc)
    document.add_paragraph("一、领导重视")
    buffer = io.BytesIO()
    document.save(buffer)
    path = tmp_path / "toc.docx"
    path.write_bytes(buffer.getvalue())
    text = read_docx(path)
    assert ([line for line in text.lines if line], text.toc_lines) == (["汇报", "一、领导重视"], 2)


def test_read_docx_time_budget_leaves_out_the_garbage_collectors_pauses(monkeypatch):
    """A full collection of a large process (the test suite's: seconds) ran during a four-paragraph
    file and refused it as too complex in CI. The budget counts the thread's own work only."""
    from evalflow.shared import cpu

    clock = iter(range(0, 10_000, 5))  # every reading of the thread's CPU clock: 5 s later
    monkeypatch.setattr(cpu.time, "thread_time", lambda: float(next(clock)))
    monkeypatch.setattr(cpu._local, "collected", 0.0, raising=False)
    start = cpu.own_seconds()  # 0
    cpu._on_collect("start", {})  # 5
    cpu._on_collect("stop", {})  # 10: a pause of 5 s
    assert cpu.own_seconds() - start == 15 - 5  # read at 15: 15 s passed, 5 of them collecting


def test_cpu_budget_counts_a_real_collection_as_a_pause():
    import gc

    from evalflow.shared import cpu

    assert cpu._on_collect in gc.callbacks
    before = getattr(cpu._local, "collected", 0.0)
    heap = [[i] for i in range(200_000)]  # something for the collector to walk
    gc.collect()
    assert getattr(cpu._local, "collected", 0.0) > before
    del heap


def test_read_docx_budget_is_met_by_a_small_file_whatever_the_collector_did(tmp_path, monkeypatch):
    from evalflow.shared import cpu

    monkeypatch.setattr(cpu._local, "collected", 0.0, raising=False)
    real = cpu.time.thread_time
    pauses = iter(range(1, 10_000))

    def collect_now() -> float:  # each reading follows a "collection" of 10 s in this thread
        cpu._local.collected += 10.0
        return real() + 10.0 * next(pauses)

    monkeypatch.setattr(cpu.time, "thread_time", collect_now)
    assert lines_of(build_docx(p("标题") + p("正文")), tmp_path, Limits(seconds=1.0)) == ["标题", "正文"]
