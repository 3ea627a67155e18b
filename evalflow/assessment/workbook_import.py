"""Reading the rows of an uploaded workbook into a tree, every problem named by sheet, row and column.

:func:`rows_of` reads a sheet within bounds: a sheet whose recorded size exceeds them is refused
before any row is read, and rows are read with explicit limits (openpyxl would otherwise pad every
row to the recorded width and fill every gap up to a huge row number). :class:`Importer` turns the
rows into the API's JSON shape — items linked by 上级编码, settings by name — and runs
:func:`.parse.check_tree`; each of its problems, keyed by code or path and attribute, is mapped back
to the cell it came from. Cell problems found while reading (a date where text belongs, an unknown
类型, a rubric that does not follow the pattern) are reported too, each once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl.utils import get_column_letter

from evalflow.assessment import workbook_text as wt
from evalflow.assessment.parse import check_tree
from evalflow.assessment.rules import Kind, Tree
from evalflow.assessment.workbook_settings import read_settings_rows
from evalflow.shared.errors import InvalidInput
from evalflow.shared.messages import N_, Message, msg

ATTR_COLUMN = {
    "code": "code",
    "title": "title",
    "criteria": "criteria",
    "points": "points",
    "method": "method",
    "kind": "kind",
    "bonus": "kind",
    "deduction": "kind",
    "evidence": "evidence",
    "rubric": "rubric",
}
SETTING_NAMES = frozenset(
    {"mode", "weights", "bonus_cap", "threshold", "tie_break", "gap_percent", "categories"}
)


def rows_of(sheet: Any, name: str, max_rows: int, max_columns: int) -> list[Sequence[object]]:
    """The values of a sheet's first rows (row 1 first), refusing a sheet beyond the bounds."""
    rows, columns = sheet.max_row or 0, sheet.max_column or 0
    if rows > max_rows or columns > max_columns:
        raise InvalidInput(
            msg(
                N_(
                    "工作表“%(sheet)s”过大(%(rows)d 行 × %(cols)d 列),最多 %(max_rows)d 行、%(max_cols)d 列。"
                ),
                sheet=name,
                rows=rows,
                cols=columns,
                max_rows=max_rows,
                max_cols=max_columns,
            )  # fmt: skip
        )
    out = list(sheet.iter_rows(min_row=1, max_row=max_rows, max_col=max_columns, values_only=True))
    while out and all(v is None or v == "" for v in out[-1]):
        out.pop()
    return out


class Importer:
    """Rows → JSON-like tree data → :func:`check_tree`; problems collected with their cell."""

    def __init__(self, sheet: str, rows: list[Sequence[object]], settings: list[Sequence[object]]) -> None:
        self.sheet, self.rows, self.settings_rows = sheet, rows, settings
        self.columns: dict[str, int] = {}
        self.problems: list[tuple[tuple[int, int, int], str, Message]] = []
        self.marked: set[tuple[str, int, int | None]] = set()
        self.by_code: dict[str, int] = {}
        self.by_path: dict[str, int] = {}
        self.setting_at: dict[str, int] = {}

    # -- reporting ------------------------------------------------------------------------

    def fail(self, sheet: str, row: int | None, column: int | None, problem: Message) -> None:
        """Record *problem* at a cell (0-based *column*), a row, or a whole sheet; once per cell."""
        if (sheet, row or 0, column) in self.marked and row is not None:
            return
        self.marked.add((sheet, row or 0, column))
        place = (0 if sheet == self.sheet else 1, row or 0, -1 if column is None else column)
        if row is None:
            ref, text = sheet, msg(N_("工作表“%(sheet)s”:%(problem)s"), sheet=sheet, problem=problem)
        elif column is None:
            ref = f"{sheet}!{row}"
            text = msg(
                N_("工作表“%(sheet)s”第 %(row)d 行:%(problem)s"), sheet=sheet, row=row, problem=problem
            )
        else:
            letter = get_column_letter(column + 1)
            ref = f"{sheet}!{letter}{row}"
            text = msg(
                N_("工作表“%(sheet)s”第 %(row)d 行 %(col)s 列:%(problem)s"),
                sheet=sheet, row=row, col=letter, problem=problem,
            )  # fmt: skip
        self.problems.append((place, ref, text))

    def fail_cell(self, row: int, key: str | None, problem: Message) -> None:
        self.fail(self.sheet, row, self.columns.get(key) if key else None, problem)

    # -- the items sheet --------------------------------------------------------------------

    def _header(self) -> bool:
        header = self.rows[0] if self.rows else ()
        known = {c.header: c.key for c in wt.COLUMNS}
        for index, value in enumerate(header):
            text, _ = wt.cell_text(value)
            key = known.get(text)
            if key and key in self.columns:
                self.fail(self.sheet, 1, index, msg(N_("列标题“%(name)s”重复。"), name=text))
            elif key:
                self.columns[key] = index
        missing = [c.header for c in wt.COLUMNS if c.key in wt.REQUIRED and c.key not in self.columns]
        if missing:
            self.fail(
                self.sheet, 1, None, msg(N_("第 1 行须有列标题“%(names)s”。"), names="”“".join(missing))
            )
        return not missing

    def _cell(self, values: Sequence[object], key: str) -> object:
        index = self.columns.get(key)
        return values[index] if index is not None and index < len(values) else None

    def _text(self, row: int, values: Sequence[object], key: str) -> str:
        text, problem = wt.cell_text(self._cell(values, key))
        if problem is not None:
            self.fail_cell(row, key, problem)
        return text

    def _node(self, row: int, values: Sequence[object]) -> dict[str, Any]:
        node: dict[str, Any] = {
            "code": self._text(row, values, "code"),
            "title": self._text(row, values, "title"),
        }
        node["criteria"] = self._text(row, values, "criteria")
        points, problem = wt.number_cell(self._cell(values, "points"))
        if problem is not None:
            self.fail_cell(row, "points", problem)
        node["points"] = points
        method = self._text(row, values, "method")
        node["method"] = wt.METHOD_NAMES.get(method, method) if method else None
        kind = self._text(row, values, "kind")
        if kind and kind not in wt.KIND_NAMES:
            self.fail_cell(row, "kind", msg(N_("类型须为“基本”“加分”或“扣分”。")))
        elif kind:
            node["bonus"] = wt.KIND_NAMES[kind] is Kind.BONUS
            node["deduction"] = wt.KIND_NAMES[kind] is Kind.DEDUCTION
        evidence = self._text(row, values, "evidence")
        if evidence and evidence.lower() not in wt.YES_NO:
            self.fail_cell(row, "evidence", msg(N_("需佐证须填“是”或“否”。")))
        elif evidence:
            node["evidence"] = wt.YES_NO[evidence.lower()]
        rubric, problem = wt.read_rubric(self._text(row, values, "rubric"))
        if problem is not None:
            self.fail_cell(row, "rubric", problem)
        node["rubric"] = rubric
        return node

    def _link(self, entries: list[tuple[int, dict[str, Any], str]]) -> list[dict[str, Any]]:
        """Items under their 上级编码, in row order; unknown parents, duplicates and cycles reported."""
        index: dict[str, tuple[int, dict[str, Any]]] = {}
        kept = []
        for row, node, parent in entries:
            key = node["code"].casefold()
            if key and key in index:
                first = index[key][0]
                self.fail_cell(
                    row, "code", msg(N_("编码“%(code)s”与第 %(row)d 行重复。"), code=node["code"], row=first)
                )
                continue
            if key:
                index[key] = (row, node)
                self.by_code[node["code"]] = row
            kept.append((row, node, parent))
        roots, rows_of_node, unlinked = [], {id(node): row for row, node, _ in kept}, set()
        for row, node, parent in kept:
            target = index.get(parent.casefold()) if parent else None
            if not parent:
                roots.append(node)
            elif target is None:
                self.fail_cell(row, "parent", msg(N_("上级编码“%(code)s”不存在。"), code=parent))
                unlinked.add(row)
            elif target[1] is node:
                self.fail_cell(row, "parent", msg(N_("上级编码不能是条目自身的编码。")))
                unlinked.add(row)
            else:
                target[1].setdefault("children", []).append(node)
                node["__parent"] = parent.casefold()
        reached = self._paths(roots, rows_of_node)
        for row, node, _ in kept:
            if id(node) not in reached and self._in_cycle(node, index, rows_of_node, unlinked):
                self.fail_cell(row, "parent", msg(N_("上级编码形成循环,该条目无法归入任何一级项目。")))
        return roots

    @staticmethod
    def _in_cycle(
        node: dict[str, Any],
        index: dict[str, tuple[int, dict[str, Any]]],
        rows: dict[int, int],
        unlinked: set[int],
    ) -> bool:
        """Whether following 上级编码 from *node* comes back to it (rather than ending at a row whose
        上级编码 was already reported)."""
        current = node
        for _ in range(len(rows) + 1):
            if rows[id(current)] in unlinked:
                return False
            parent = current.get("__parent")
            if parent is None:
                return False
            current = index[parent][1]
            if current is node:
                return True
        return False

    def _paths(self, roots: list[dict[str, Any]], rows: dict[int, int]) -> set[int]:
        """Record each item's path (as the parser names it) → row; return the ids reached."""
        reached: set[int] = set()
        stack = [(node, f"items[{n}]") for n, node in enumerate(roots)]
        while stack:
            node, path = stack.pop()
            if id(node) in reached:
                continue
            reached.add(id(node))
            self.by_path[path] = rows[id(node)]
            for n, child in enumerate(node.get("children", [])):
                stack.append((child, f"{path}.children[{n}]"))
        return reached

    def items(self) -> list[dict[str, Any]] | None:
        if not self._header():
            return None
        entries = []
        for row, values in enumerate(self.rows[1:], start=2):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            node = self._node(row, values)
            entries.append((row, node, self._text(row, values, "parent")))
        if not entries:
            self.fail(self.sheet, None, None, msg(N_("没有条目:请从第 2 行起每行填写一个条目。")))
            return None
        return self._link(entries)

    # -- the settings sheet and the parser's problems ---------------------------------------------

    def tree(self) -> Tree:
        items = self.items()
        data: dict[str, Any] = read_settings_rows(self.settings_rows, self.fail, self.setting_at)
        if items is not None:
            data["items"] = items
            tree, problems = check_tree(data)
            for problem in problems:
                self._place(problem.key, problem.attr, problem.message)
            if tree is not None and not self.problems:
                return tree
        found = sorted(self.problems, key=lambda p: p[0])
        fields: dict[str, list[Message]] = {}
        for _, ref, text in found:
            fields.setdefault(ref, []).append(text)
        raise InvalidInput(
            msg(N_("工作簿有 %(n)d 处错误,请修改后重新上传。"), n=len(found)),
            fields=fields,
            reasons=[text for _, _, text in found],
        )

    def _place(self, key: str, attr: str, problem: Message) -> None:
        if key in SETTING_NAMES:
            row = self.setting_at.get(attr) or self.setting_at.get(key)
            self.fail(wt.SHEET_SETTINGS, row, 1 if row else None, problem)
        elif key == "items":
            self.fail(self.sheet, None, None, problem)
        else:
            row = self.by_code.get(key) or self.by_path.get(key)
            self.fail_cell(row, ATTR_COLUMN.get(attr), problem) if row else self.fail(
                self.sheet, None, None, problem
            )
