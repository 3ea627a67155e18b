"""The tree editor's form as rows, read by the same importer as an uploaded workbook.

The editing page posts one table row per item with the workbook's columns (编码, 上级编码, 名称, 分值,
测评方式, 类型, 需佐证, 测评标准, 评分细则) and the settings as fields. :func:`read_form` turns them into the
workbook's rows and runs :class:`.workbook_import.Importer` — so the page, the workbook and (through
``parse_tree``) the API accept exactly the same trees — and collects each problem by row and column,
or by setting, so the page can show it where the user typed (and keep what they typed).
:func:`rows_of_tree` gives the rows of a stored tree for the page to edit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from evalflow.assessment import workbook_text as wt
from evalflow.assessment.rules import Item, Method, Settings, Tree, plain
from evalflow.assessment.workbook_import import Importer
from evalflow.shared.errors import InvalidInput
from evalflow.shared.messages import N_, Message, msg

COLUMNS = tuple(c.key for c in wt.COLUMNS)
MAX_FORM_ROWS = 600  # the tree's 500 items and some blank rows to fill in
CATEGORY_ROWS = 3  # blank category rows offered besides the stored ones
SETTING_FIELDS = ("mode", "bonus_cap", "threshold", "gap_percent", "tie_break")
SETTING_NAMES = {
    "mode": wt.S_MODE,
    "bonus_cap": wt.S_CAP,
    "threshold": wt.S_THRESHOLD,
    "gap_percent": wt.S_GAP,
    "tie_break": wt.S_TIES,
}


@dataclass
class FormErrors:
    """Problems by row (0-based, as posted) and column key, by setting field, and overall."""

    cells: dict[tuple[int, str], list[str | Message]] = field(default_factory=dict)
    settings: dict[str, list[str | Message]] = field(default_factory=dict)
    general: list[Message] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.cells or self.settings or self.general)


class _PageImporter(Importer):
    """The workbook importer, remembering each raw problem's place on the page."""

    def __init__(
        self,
        rows: list[tuple[int, Sequence[object]]],
        settings: list[Sequence[object]],
        setting_fields: list[str],
        errors: FormErrors,
    ) -> None:
        super().__init__(wt.SHEET_ITEMS, [[c.header for c in wt.COLUMNS], *(v for _, v in rows)], settings)
        self.posted = [n for n, _ in rows]  # the page's row of each sheet row (blank rows left out)
        self.setting_fields = setting_fields
        self.errors = errors

    def fail(self, sheet: str, row: int | None, column: int | None, problem: Message) -> None:
        before = len(self.problems)
        super().fail(sheet, row, column, problem)
        if len(self.problems) == before:
            return  # already reported at that cell
        if sheet == wt.SHEET_SETTINGS and row is not None and row - 2 < len(self.setting_fields):
            self.errors.settings.setdefault(self.setting_fields[row - 2], []).append(problem)
        elif sheet == wt.SHEET_ITEMS and row is not None and row >= 2:
            key = COLUMNS[column] if column is not None else "code"
            self.errors.cells.setdefault((self.posted[row - 2], key), []).append(problem)
        else:
            self.errors.general.append(problem)


def form_rows(form: Mapping[str, Sequence[str]]) -> list[dict[str, str]]:
    """The posted rows (``form[key]`` lists one value per row, for every column key)."""
    lists = {key: list(form.get(key, ())) for key in COLUMNS}
    count = max((len(v) for v in lists.values()), default=0)
    if count > MAX_FORM_ROWS:
        raise InvalidInput(msg(N_("条目过多:最多 %(max)d 行。"), max=MAX_FORM_ROWS))
    return [{key: (lists[key][n] if n < len(lists[key]) else "") for key in COLUMNS} for n in range(count)]


def _settings_rows(
    values: Mapping[str, str], categories: Sequence[Mapping[str, str]], errors: FormErrors
) -> tuple[list[Sequence[object]], list[str]]:
    """The settings as the workbook's ``计分设置`` rows, and the page field of each row."""
    rows: list[Sequence[object]] = [["设置项", "值"]]
    fields: list[str] = []
    for name in SETTING_FIELDS:
        rows.append([SETTING_NAMES[name], values.get(name, "")])
        fields.append(name)
    for method in Method:
        rows.append([f"{wt.S_WEIGHT}:{method.value}", values.get(f"weight_{method.value}", "")])
        fields.append(f"weight_{method.value}")
    for n, category in enumerate(categories):
        name = category.get("name", "").strip()
        if name:
            rows.append([f"{wt.S_CAT_THRESHOLD}:{name}", category.get("threshold", "")])
            rows.append([f"{wt.S_CAT_QUOTA}:{name}", category.get("quota", "")])
            fields += [f"category_{n}", f"category_{n}"]
        elif category.get("threshold", "").strip() or category.get("quota", "").strip():
            errors.settings.setdefault(f"category_{n}", []).append(msg(N_("请填写类别名称。")))
    return rows, fields


# Columns that make a row an item; a row with none of them filled in is a blank row left for adding.
CONTENT = ("code", "parent", "title", "points", "method", "criteria", "rubric")


def read_form(
    rows: Sequence[Mapping[str, str]], settings: Mapping[str, str], categories: Sequence[Mapping[str, str]]
) -> Tree | FormErrors:
    """The tree the page describes, or every problem in its place."""
    errors = FormErrors()
    setting_rows, setting_fields = _settings_rows(settings, categories, errors)
    kept = [
        (n, [row.get(key, "") for key in COLUMNS])
        for n, row in enumerate(rows)
        if any(row.get(key, "").strip() for key in CONTENT)
    ]
    importer = _PageImporter(kept, setting_rows, setting_fields, errors)
    try:
        tree = importer.tree()
    except InvalidInput:
        return errors
    return errors if errors else tree


# --- a stored tree as the page's rows and fields -------------------------------------------------------


def _row(item: Item, parent: str, level: int) -> dict[str, str]:
    leaf = item.is_leaf
    return {
        "code": item.code,
        "parent": parent,
        "title": item.title,
        "points": str(plain(item.points)) if leaf else "",
        "method": item.method.value if leaf and item.method else "",
        "kind": item.kind.value if level == 1 else "",
        "evidence": ("1" if item.evidence else "0") if leaf else "0",
        "criteria": item.criteria,
        "rubric": wt.rubric_text(item.rubric) if leaf else "",
    }


def rows_of_tree(tree: Tree | None) -> list[dict[str, str]]:
    if tree is None:
        return []
    out: list[dict[str, str]] = []

    def visit(item: Item, parent: str, level: int) -> None:
        out.append(_row(item, parent, level))
        for child in item.children:
            visit(child, item.code, level + 1)

    for item in tree.items:
        visit(item, "", 1)
    return out


def _number(value: object) -> str:
    return "" if value is None else str(value)


def settings_of(settings: Settings | None) -> dict[str, str]:
    """The settings fields of the page (text, as typed)."""
    settings = settings or Settings()
    values = {
        "mode": settings.mode.value,
        "bonus_cap": _number(settings.bonus_cap),
        "threshold": _number(settings.threshold),
        "gap_percent": _number(settings.gap_percent),
        "tie_break": "、".join(wt.TIE_TEXT[key] for key in settings.tie_break),
    }
    for method, weight in settings.weights:
        values[f"weight_{method.value}"] = _number(weight)
    return values


def categories_of(settings: Settings | None) -> list[dict[str, str]]:
    stored = [
        {"name": name, "threshold": _number(rule.threshold), "quota": _number(rule.quota)}
        for name, rule in (settings.categories if settings else ())
    ]
    return stored + [{"name": "", "threshold": "", "quota": ""} for _ in range(CATEGORY_ROWS)]
