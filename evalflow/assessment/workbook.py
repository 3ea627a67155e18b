"""The indicator tree as an XLSX workbook: the office's template, the export, and a bounded import.

The workbook has three sheets:

- ``测评体系``: a header row, then one row per item in tree order — 编码, 上级编码 (blank for a level-1
  item), 名称, 分值 (a parent's is its children's sum, checked when given), 测评方式, 类型 (基本 / 加分 /
  扣分), 需佐证 (是 / 否), 测评标准, 评分细则 (``A=100%;B=75%;C=50%;D=0%`` or
  ``扣分:问题一=1;问题二=0.5``). Columns are found by their header, so they may be reordered, and
  other columns are ignored. Drop-down lists offer the methods, the kinds and 是/否;
- ``计分设置``: one setting per row (计分方式, 加分上限, 达标分数线, 分歧阈值(%), 名次并列时依次比较,
  ``权重:材料审核`` …, ``类别达标分数线:社区``, ``类别名额:社区``); absent means the defaults;
- ``填写说明``: how to fill it in (ignored on import).

Text cells are written as strings, never formulas: a title starting with ``=`` stays text (openpyxl
would store it as a formula, so the cell's type is set back to string, and Excel's quote-prefix
style keeps it text when edited — no apostrophe shows). The import (:func:`read_tree`) first passes
:func:`.xlsx_guard.check_package`, then reads with openpyxl in read-only mode with cached values
(a formula cell counts as the value Excel last showed; one never calculated reads as blank), at most
:data:`MAX_ROWS` rows and :data:`MAX_COLUMNS` columns, each cell at most
:data:`~.workbook_text.MAX_CELL` characters. Every problem names its sheet, row and column; the
export of a tree reads back to the same tree.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from evalflow.assessment import workbook_text as wt
from evalflow.assessment.rules import Item, Settings, Tree, number
from evalflow.assessment.workbook_import import Importer, rows_of
from evalflow.assessment.xlsx_guard import check_package, unreadable
from evalflow.shared.errors import DomainError

MAX_ROWS = 1000
MAX_COLUMNS = 40
FORMULA_START = ("=", "+", "-", "@")
HELP = (
    "测评体系工作簿填写说明",
    "1. 在“测评体系”工作表中每行填写一个条目;一级项目的“上级编码”留空,二、三级条目填写其上级条目的编码。",
    "2. 编码由字母、数字、点、连字符或下划线组成(最多 16 位),不可重复,例如 1、1.1、1.1.1、T1。",
    "3. 末级条目须填写分值(大于 0、不大于 100,最多两位小数)和测评方式;上级条目的分值可留空,填写时须等于下级之和。",
    "4. 测评方式:材料审核、实地考察、问卷调查、征求意见、集中汇报互评。",
    "5. 类型:基本、加分(特色项目)、扣分(负面清单)。加分项、扣分项在一级项目上设定,下级随上级。",
    "6. 测评标准最多 500 字。评分细则可写档次,如 A=100%;B=75%;C=50%;D=0%,或写扣分项,如 扣分:台账不全=0.5;制度缺失=1。",
    "7. “计分设置”工作表:计分方式为按分值计分或按来源加权;按来源加权时各测评方式的权重合计须为 100。",
    "8. 名次并列时依次比较:可填写测评方式名称、特色加分、负面清单扣分,用顿号分隔。",
    "9. 上传时如有错误,系统会列出每一处错误所在的工作表、行和列。",
)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def put_text(cell: object, text: str) -> None:
    """Write *text* as a string cell (never a formula or an error value), quote-prefixed when it
    starts like a formula so Excel keeps it text after an edit."""
    if not text:
        return
    cell.value = wt.escape(text)  # type: ignore[attr-defined]
    cell.data_type = "s"  # type: ignore[attr-defined]
    if text.startswith(FORMULA_START):
        cell.quotePrefix = True  # type: ignore[attr-defined]


def _item_cells(item: Item, parent: str) -> dict[str, object]:
    leaf = item.is_leaf
    return {
        "code": item.code,
        "parent": parent,
        "title": item.title,
        "points": number(item.points),
        "method": wt.METHOD_TEXT[item.method] if leaf and item.method else "",
        "kind": wt.KIND_TEXT[item.kind],
        "evidence": (wt.YES if item.evidence else wt.NO) if leaf else "",
        "criteria": item.criteria,
        "rubric": wt.rubric_text(item.rubric),
    }


def _rows(tree: Tree) -> list[tuple[Item, str]]:
    out: list[tuple[Item, str]] = []

    def visit(item: Item, parent: str) -> None:
        out.append((item, parent))
        for child in item.children:
            visit(child, item.code)

    for item in tree.items:
        visit(item, "")
    return out


def _items_sheet(sheet: object, tree: Tree | None) -> None:
    for n, column in enumerate(wt.COLUMNS, start=1):
        cell = sheet.cell(1, n)  # type: ignore[attr-defined]
        put_text(cell, column.header)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        letter = get_column_letter(n)
        sheet.column_dimensions[letter].width = column.width  # type: ignore[attr-defined]
        if column.key in ("code", "parent"):
            sheet.column_dimensions[letter].number_format = "@"  # type: ignore[attr-defined]
    sheet.freeze_panes = "A2"  # type: ignore[attr-defined]
    for row, (item, parent) in enumerate(_rows(tree) if tree else [], start=2):
        for n, column in enumerate(wt.COLUMNS, start=1):
            value = _item_cells(item, parent)[column.key]
            cell = sheet.cell(row, n)  # type: ignore[attr-defined]
            if isinstance(value, str):
                put_text(cell, value)
            else:
                cell.value = value
            if column.key == "criteria":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    _validations(sheet)


def _validations(sheet: object) -> None:
    lists = {
        "method": [m for m in wt.METHOD_TEXT.values()],
        "kind": list(wt.KIND_TEXT.values()),
        "evidence": [wt.YES, wt.NO],
    }
    for n, column in enumerate(wt.COLUMNS, start=1):
        if column.key not in lists:
            continue
        letter = get_column_letter(n)
        check = DataValidation(
            type="list", formula1='"' + ",".join(lists[column.key]) + '"', allow_blank=True
        )
        check.error, check.errorTitle, check.showErrorMessage = "请从下拉列表中选择。", column.header, True
        sheet.add_data_validation(check)  # type: ignore[attr-defined]
        check.add(f"{letter}2:{letter}{MAX_ROWS}")


def settings_rows(settings: Settings) -> list[tuple[str, object, str]]:
    """The settings sheet's rows: (name, value, note)."""
    weights = dict(settings.weights)
    rows: list[tuple[str, object, str]] = [
        (wt.S_MODE, wt.MODE_TEXT[settings.mode], "按分值计分 或 按来源加权"),
        (
            wt.S_CAP,
            None if settings.bonus_cap is None else number(settings.bonus_cap),
            "特色加分最多计入的分数,留空为不设上限",
        ),
        (
            wt.S_THRESHOLD,
            None if settings.threshold is None else number(settings.threshold),
            "总分达到此分数方可入选,留空为不设",
        ),
        (
            wt.S_GAP,
            number(settings.gap_percent),
            "两位评审对同一条目的评分相差超过该条目分值的此百分比时,需第三位评审或文明办裁定",
        ),
        (
            wt.S_TIES,
            "、".join(wt.TIE_TEXT[k] for k in settings.tie_break),
            "用顿号分隔,如:材料审核、特色加分",
        ),
    ]
    for method, label in wt.METHOD_TEXT.items():
        weight = weights.get(method)
        rows.append(
            (
                f"{wt.S_WEIGHT}:{label}",
                None if weight is None else number(weight),
                "按来源加权时填写,合计 100",
            )
        )
    for name, rule in settings.categories:
        if rule.threshold is not None:
            rows.append((f"{wt.S_CAT_THRESHOLD}:{name}", number(rule.threshold), "该类别单位的达标分数线"))
        if rule.quota is not None:
            rows.append((f"{wt.S_CAT_QUOTA}:{name}", rule.quota, "该类别的名额"))
    return rows


def _settings_sheet(sheet: object, settings: Settings) -> None:
    for n, header in enumerate(("设置项", "值", "说明"), start=1):
        cell = sheet.cell(1, n)  # type: ignore[attr-defined]
        put_text(cell, header)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    for row, (name, value, note) in enumerate(settings_rows(settings), start=2):
        put_text(sheet.cell(row, 1), name)  # type: ignore[attr-defined]
        if isinstance(value, str):
            put_text(sheet.cell(row, 2), value)  # type: ignore[attr-defined]
        else:
            sheet.cell(row, 2).value = value  # type: ignore[attr-defined]
        put_text(sheet.cell(row, 3), note)  # type: ignore[attr-defined]
    for letter, width in (("A", 24), ("B", 24), ("C", 70)):
        sheet.column_dimensions[letter].width = width  # type: ignore[attr-defined]


def export_tree(tree: Tree | None) -> bytes:
    """The workbook of *tree* (or, for None, the empty template with default settings)."""
    book = Workbook()
    sheet = book.active
    sheet.title = wt.SHEET_ITEMS
    _items_sheet(sheet, tree)
    _settings_sheet(book.create_sheet(wt.SHEET_SETTINGS), tree.settings if tree else Settings())
    help_sheet = book.create_sheet(wt.SHEET_HELP)
    for row, line in enumerate(HELP, start=1):
        put_text(help_sheet.cell(row, 1), line)
    help_sheet.column_dimensions["A"].width = 120
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template() -> bytes:
    """The empty workbook the office downloads and fills in."""
    return export_tree(None)


def _load(content: bytes) -> tuple[str, list[Sequence[object]], list[Sequence[object]]]:
    """The items sheet's name and rows, and the settings sheet's rows (bounded; see rows_of)."""
    with warnings.catch_warnings():
        # openpyxl warns about parts it drops (extensions, odd dates); they do not matter here. The
        # filter is process-wide for the moment of the read, like every catch_warnings.
        warnings.simplefilter("ignore")
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:  # a third-party parser on untrusted input: any failure means "unreadable"
            raise unreadable() from None
        try:
            names = book.sheetnames
            name = wt.SHEET_ITEMS if wt.SHEET_ITEMS in names else names[0]
            items = rows_of(book[name], name, MAX_ROWS, MAX_COLUMNS)
            settings: list[Sequence[object]] = []
            if wt.SHEET_SETTINGS in names and name != wt.SHEET_SETTINGS:
                settings = rows_of(book[wt.SHEET_SETTINGS], wt.SHEET_SETTINGS, MAX_ROWS, MAX_COLUMNS)
        except DomainError:
            raise
        except Exception:
            raise unreadable() from None
        finally:
            book.close()
    return name, items, settings


def read_tree(content: bytes) -> Tree:
    """The tree in an uploaded workbook, or :class:`InvalidInput` with every problem located
    (``TooLarge``/``UnsupportedType`` for a file refused before it is read)."""
    check_package(content)
    name, items, settings = _load(content)
    return Importer(name, items, settings).tree()
