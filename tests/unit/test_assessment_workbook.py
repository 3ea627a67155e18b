"""The tree's XLSX workbook: template, export → import round trip, errors naming sheet/row/column,
and hostile files refused before they can cost memory or time."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from openpyxl import load_workbook

from evalflow.assessment import workbook_text as wt
from evalflow.assessment import xlsx_guard
from evalflow.assessment.defaults import CATEGORIES, default_tree
from evalflow.assessment.parse import parse_tree
from evalflow.assessment.workbook import MAX_ROWS, export_tree, read_tree, template
from evalflow.shared.errors import DomainError, InvalidInput, TooLarge, UnsupportedType
from tests.assessment_trees import small_data, tree_data

SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def problems(content: bytes) -> list[str]:
    with pytest.raises(InvalidInput) as info:
        read_tree(content)
    return [str(m) for m in info.value.reasons]


def edited(tree_body: dict, **cells: object) -> bytes:
    """The export of *tree_body* with cells changed through openpyxl (``D3=...``, ``设置_B2=...``)."""
    book = load_workbook(io.BytesIO(export_tree(parse_tree(tree_body))))
    for ref, value in cells.items():
        sheet = book[wt.SHEET_SETTINGS] if ref.startswith("S_") else book[wt.SHEET_ITEMS]
        sheet[ref.removeprefix("S_")] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_parts(content: bytes, parts: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """*content* with some parts replaced or added."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as target:
        for info in source.infolist():
            if info.filename not in parts:
                target.writestr(info.filename, source.read(info.filename))
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


def sheet_xml(content: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()


def with_cell(content: bytes, ref: str, cell: str, extra: dict[str, bytes] | None = None) -> bytes:
    """Replace cell *ref* of the items sheet by the raw XML *cell*."""
    xml, n = re.subn(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', cell, sheet_xml(content), count=1)
    assert n == 1
    return with_parts(content, {"xl/worksheets/sheet1.xml": xml.encode(), **(extra or {})})


def with_shared_strings(content: bytes, strings: list[str] | bytes, ref: str = "C3") -> bytes:
    """Add a shared-string table and point *ref* at its first string."""
    body = (
        strings if isinstance(strings, bytes) else "".join(f"<si><t>{s}</t></si>" for s in strings).encode()
    )
    table = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + body + b"</sst>"
    types = zipfile.ZipFile(io.BytesIO(content)).read("[Content_Types].xml").decode()
    types = types.replace(
        "</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST}"/></Types>'
    )
    extra = {"xl/sharedStrings.xml": table, "[Content_Types].xml": types.encode()}
    return with_cell(content, ref, f'<c r="{ref}" t="s"><v>0</v></c>', extra)


SMALL = small_data()


@pytest.mark.parametrize("category", CATEGORIES)
def test_workbook_default_trees_round_trip(category):
    tree = default_tree(category)
    assert read_tree(export_tree(tree)) == tree


def test_workbook_small_tree_round_trip_with_settings():
    tree = parse_tree(
        small_data(mode="weighted", weights={"materials": 40, "inspection": 20, "briefing": 20, "survey": 20},
                   threshold=30, tie_break=["survey", "bonus"], gap_percent="12.5",
                   categories={"社区": {"threshold": 20, "quota": 3}, "企业": {"quota": 1}})
    )  # fmt: skip
    assert read_tree(export_tree(tree)) == tree


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree_data())
def test_property_workbook_export_import_round_trip(data):
    tree = parse_tree(data)
    assert read_tree(export_tree(tree)) == tree


def test_workbook_round_trip_keeps_newlines_and_tabs():
    body = small_data()
    body["items"][0]["criteria"] = "第一条\r\n第二条\r第三条\t(附表)"
    tree = parse_tree(body)
    assert tree.items[0].criteria == "第一条\n第二条\n第三条\t(附表)"
    assert read_tree(export_tree(tree)) == tree


def test_workbook_text_that_looks_like_a_formula_stays_text():
    body = small_data()
    body["items"][0]["title"] = "=SUM(A1:A3)"
    body["items"][1]["title"] = "#N/A"
    body["items"][2]["title"] = "_x0041_"
    content = export_tree(parse_tree(body))
    xml = sheet_xml(content)
    assert "<f>" not in xml and 't="e"' not in xml
    assert '<c r="C2" s="' in xml and "<t>=SUM(A1:A3)</t>" in xml and "<t>_x005F_x0041_</t>" in xml
    cell = load_workbook(io.BytesIO(content))[wt.SHEET_ITEMS]["C2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("=SUM(A1:A3)", "s", True)
    tree = read_tree(content)
    assert [i.title for i in tree.items[:3]] == ["=SUM(A1:A3)", "#N/A", "_x0041_"]


def test_workbook_template_has_headers_lists_and_settings():
    book = load_workbook(io.BytesIO(template()))
    assert book.sheetnames == [wt.SHEET_ITEMS, wt.SHEET_SETTINGS, wt.SHEET_HELP]
    items = book[wt.SHEET_ITEMS]
    assert [c.value for c in items[1]] == [c.header for c in wt.COLUMNS]
    lists = {str(v.sqref): v.formula1 for v in items.data_validations.dataValidation}
    assert lists["E2:E1000"] == '"材料审核,实地考察,问卷调查,征求意见,集中汇报互评"'
    assert lists["F2:F1000"] == '"基本,加分,扣分"' and lists["G2:G1000"] == '"是,否"'
    assert [r[0].value for r in book[wt.SHEET_SETTINGS].iter_rows(min_row=2, max_row=6)] == [
        "计分方式", "加分上限", "达标分数线", "分歧阈值(%)", "名次并列时依次比较",
    ]  # fmt: skip
    assert problems(template()) == ["工作表“测评体系”:没有条目:请从第 2 行起每行填写一个条目。"]


def test_workbook_errors_name_sheet_row_and_column():
    content = edited(
        SMALL, D3="abc", E4="打分", F5="特别", B6="ZZ", A10="A1", I3="A-100%", C8=None, G3="也许", S_B2="按来源加权", S_B7=60,
    )  # fmt: skip
    assert problems(content) == [
        "工作表“测评体系”第 3 行 D 列:分值须为大于 0、不大于 100 的数,最多两位小数。",
        "工作表“测评体系”第 3 行 G 列:需佐证须填“是”或“否”。",
        "工作表“测评体系”第 3 行 I 列:评分细则的写法:A=100%;B=75%;C=50%;D=0%,或 扣分:问题一=1;问题二=0.5。",
        "工作表“测评体系”第 4 行 E 列:测评方式须为材料审核、实地考察、问卷调查、征求意见或集中汇报互评。",
        "工作表“测评体系”第 5 行 F 列:类型须为“基本”“加分”或“扣分”。",
        "工作表“测评体系”第 6 行 B 列:上级编码“ZZ”不存在。",
        "工作表“测评体系”第 8 行 C 列:请填写此项。",
        "工作表“测评体系”第 10 行 A 列:编码“A1”与第 3 行重复。",
        "工作表“计分设置”第 7 行 B 列:各来源的权重之和须为 100,现为 60。",
    ]


def test_workbook_error_fields_are_keyed_by_cell():
    with pytest.raises(InvalidInput) as info:
        read_tree(edited(SMALL, D3=0, S_B3="x"))
    assert {k: [str(m) for m in v] for k, v in info.value.fields.items()} == {
        "测评体系!D3": ["工作表“测评体系”第 3 行 D 列:分值须为大于 0、不大于 100 的数,最多两位小数。"],
        "计分设置!B3": ["工作表“计分设置”第 3 行 B 列:加分上限须为 0 到 1000 之间的数,最多两位小数。"],
    }
    assert str(info.value.message) == "工作簿有 2 处错误,请修改后重新上传。"


def test_workbook_parent_sum_cycle_and_settings_name_errors():
    content = edited(SMALL, D2=11, B2="A1", S_A20="权重:速度", S_B20=5, S_A21="加分上限", S_B21=3)
    assert problems(content) == [
        "工作表“测评体系”第 2 行 B 列:上级编码形成循环,该条目无法归入任何一级项目。",
        "工作表“测评体系”第 3 行 B 列:上级编码形成循环,该条目无法归入任何一级项目。",
        "工作表“计分设置”第 20 行 A 列:无法识别的设置项“权重:速度”。",
        "工作表“计分设置”第 21 行 A 列:设置项“加分上限”与第 3 行重复。",
    ]
    assert problems(edited(SMALL, D2=11)) == [
        "工作表“测评体系”第 2 行 D 列:上级条目的分值须等于下级分值之和(10)。"
    ]


def test_workbook_missing_header_and_dates():
    assert problems(edited(SMALL, A1="号码")) == ["工作表“测评体系”第 1 行:第 1 行须有列标题“编码”。"]
    import datetime

    assert problems(edited(SMALL, C3=datetime.datetime(2024, 1, 1))) == [
        "工作表“测评体系”第 3 行 C 列:须填写文字,不要使用日期或逻辑值格式。"
    ]


def test_workbook_columns_found_by_header_and_numbers_as_codes():
    book = load_workbook(io.BytesIO(export_tree(parse_tree(small_data()))))
    sheet = book[wt.SHEET_ITEMS]
    sheet.move_range("A1:I20", cols=2)  # columns C…K, with a note column in front
    sheet["A1"] = "备注"
    sheet["C5"] = 7  # the code "B" becomes the number 7
    out = io.BytesIO()
    book.save(out)
    tree = read_tree(out.getvalue())
    assert [i.code for i in tree.items] == ["A", "7", "C", "T", "F"]


def test_workbook_rubric_text_round_trip():
    rubric = {
        "grades": [
            {"label": "A", "fraction": 1},
            {"label": "B", "fraction": "0.3333"},
            {"label": "C", "fraction": 0},
        ]
    }
    body = small_data()
    body["items"][0]["children"][0]["rubric"] = rubric
    body["items"][0]["children"][1]["rubric"] = {"deductions": [{"label": "台账不全", "points": "0.5"}]}
    content = export_tree(parse_tree(body))
    sheet = load_workbook(io.BytesIO(content))[wt.SHEET_ITEMS]
    assert (sheet["I3"].value, sheet["I4"].value) == ("A=100%;B=33.33%;C=0%", "扣分:台账不全=0.5")
    assert read_tree(content) == parse_tree(body)


def test_workbook_formula_cell_counts_its_cached_value_or_is_blank():
    content = export_tree(parse_tree(SMALL))
    cached = with_cell(content, "D3", '<c r="D3"><f>2*3</f><v>6</v></c>')
    assert read_tree(cached) == parse_tree(SMALL)
    never_calculated = with_cell(content, "D3", '<c r="D3"><f>2*3</f></c>')
    assert problems(never_calculated) == ["工作表“测评体系”第 3 行 D 列:末级条目须填写分值。"]


# --- hostile files --------------------------------------------------------------------------------


def test_workbook_not_a_zip_is_415():
    with pytest.raises(UnsupportedType) as info:
        read_tree(b"code,title\nA,x\n")
    assert str(info.value.message) == "只接受 Excel 工作簿(.xlsx)文件。"


def test_workbook_encrypted_xlsx_is_415_with_a_hint():
    encrypted = xlsx_guard.OLE_MAGIC + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le")
    with pytest.raises(UnsupportedType) as info:
        read_tree(encrypted)
    assert "取消密码" in str(info.value.message)


def test_workbook_encrypted_zip_entry_is_refused():
    content = bytearray(export_tree(parse_tree(SMALL)))
    central = content.rfind(b"PK\x01\x02")  # the last central directory entry: set its "encrypted" flag
    content[central + 8] |= 0x1
    with pytest.raises(UnsupportedType):
        read_tree(bytes(content))


def test_workbook_truncated_file_is_400():
    content = export_tree(parse_tree(SMALL))
    for size in (len(content) // 2, len(content) - 30):
        with pytest.raises(InvalidInput) as info:
            read_tree(content[:size])
        assert "文件已损坏或不完整" in str(info.value.message)


def test_workbook_too_large_upload_is_413():
    with pytest.raises(TooLarge):
        read_tree(b"PK\x03\x04" + b"\x00" * xlsx_guard.MAX_FILE_BYTES)


def test_workbook_huge_dimensions_refused_before_reading_rows():
    content = export_tree(parse_tree(SMALL))
    xml = re.sub(r'<dimension ref="[^"]+"/>', '<dimension ref="A1:XFD1048576"/>', sheet_xml(content))
    with pytest.raises(InvalidInput) as info:
        read_tree(with_parts(content, {"xl/worksheets/sheet1.xml": xml.encode()}))
    assert str(info.value.message) == "工作表“测评体系”过大(1048576 行 × 16384 列),最多 1000 行、40 列。"


def test_workbook_far_away_cell_without_dimension_is_not_read():
    content = export_tree(parse_tree(SMALL))
    xml = re.sub(r'<dimension ref="[^"]+"/>', "", sheet_xml(content))
    xml = xml.replace(
        "</sheetData>",
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
    )
    assert read_tree(with_parts(content, {"xl/worksheets/sheet1.xml": xml.encode()})) == parse_tree(SMALL)


def test_workbook_too_many_rows_refused():
    body = {
        "items": [
            {"code": f"X{n}", "title": "x", "points": 1, "method": "materials"} for n in range(MAX_ROWS + 5)
        ]
    }
    with pytest.raises(DomainError):
        parse_tree(body)  # the tree itself is over the item limit
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>X{n}</t></is></c></row>'
        for n in range(2, MAX_ROWS + 3)
    )
    content = export_tree(parse_tree(SMALL))
    xml = re.sub(r'<dimension ref="[^"]+"/>', f'<dimension ref="A1:I{MAX_ROWS + 2}"/>', sheet_xml(content))
    xml = re.sub(r"<sheetData>.*</sheetData>", f"<sheetData>{rows}</sheetData>", xml)
    with pytest.raises(InvalidInput) as info:
        read_tree(with_parts(content, {"xl/worksheets/sheet1.xml": xml.encode()}))
    assert "最多 1000 行" in str(info.value.message)


def test_workbook_ten_megabyte_shared_string_refused_before_openpyxl():
    content = with_shared_strings(export_tree(parse_tree(SMALL)), ["字" * (10 * 1024 * 1024 // 3 + 1)])
    assert len(content) < xlsx_guard.MAX_FILE_BYTES  # it compresses well: the uncompressed size decides
    with pytest.raises(TooLarge):
        read_tree(content)


def test_workbook_long_shared_string_under_the_caps_is_a_cell_error():
    content = with_shared_strings(export_tree(parse_tree(SMALL)), ["长" * 300_000])
    assert problems(content) == ["工作表“测评体系”第 3 行 C 列:内容过长(300000 字),最多 2000 字。"]


def test_workbook_shared_string_title_is_read():
    content = with_shared_strings(export_tree(parse_tree(SMALL)), ["新的名称"])
    assert read_tree(content).find("A1").title == "新的名称"


@pytest.mark.parametrize(
    "text",
    [b"\xed\xa0\x80", b"&#xD800;", b"&#0;", b"\x00", b"&#1;", b"\xff\xfe"],
    ids=["surrogate-bytes", "surrogate-ref", "nul-ref", "nul-byte", "control-ref", "invalid-utf8"],
)
def test_workbook_lone_surrogates_and_nul_bytes_are_unreadable(text):
    content = export_tree(parse_tree(SMALL))
    cell = b'<c r="C3" t="inlineStr"><is><t>' + text + b"</t></is></c>"
    xml, n = re.subn(rb'<c r="C3"[^>]*?>.*?</c>', cell, sheet_xml(content).encode(), count=1)
    assert n == 1
    with pytest.raises(InvalidInput) as info:
        read_tree(with_parts(content, {"xl/worksheets/sheet1.xml": xml}))
    assert "无法读取该文件" in str(info.value.message)


def test_workbook_nul_escape_in_text_is_kept_as_plain_text():
    content = with_shared_strings(export_tree(parse_tree(SMALL)), ["名称_x0000_"])
    assert read_tree(content).find("A1").title == "名称_x0000_"


@pytest.mark.parametrize(
    "xml",
    [
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><sst>&lol2;</sst>',
        '<?xml version="1.0" encoding="UTF-16"?><sst/>'.encode("utf-16"),
        b'<?xml version="1.0" encoding="ISO-8859-1"?><sst/>',
    ],
    ids=["entities", "utf-16", "latin-1"],
)
def test_workbook_xml_declarations_and_other_encodings_refused(xml):
    content = with_parts(export_tree(parse_tree(SMALL)), {"xl/sharedStrings.xml": xml})
    with pytest.raises(InvalidInput):
        read_tree(content)


def test_workbook_too_many_entries_refused():
    content = with_parts(export_tree(parse_tree(SMALL)), {f"xl/media/x{n}.bin": b"x" for n in range(120)})
    with pytest.raises(TooLarge):
        read_tree(content)


def test_workbook_zip_that_is_not_a_workbook_is_400():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(InvalidInput) as info:
        read_tree(out.getvalue())
    assert "无法读取该文件" in str(info.value.message)


def test_workbook_a_flood_of_tiny_shared_strings_refused_before_openpyxl():
    content = with_shared_strings(export_tree(parse_tree(SMALL)), [f"s{n}" for n in range(60_000)])
    assert len(content) < xlsx_guard.MAX_FILE_BYTES
    with pytest.raises(TooLarge):
        read_tree(content)
