"""How the workbook spells things: its sheets and columns, kinds, yes/no, rubrics and settings.

Both directions live here so the export and the import can never disagree: a value written by
:mod:`.workbook`'s export reads back to the same value. Cells that hold text are turned into
``str`` by :func:`cell_text` (numbers typed into a code cell become their usual spelling; dates and
booleans are refused).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from evalflow.assessment.rules import TIE_BONUS, TIE_DEDUCTIONS, Kind, Method, Mode, Rubric, plain
from evalflow.shared.messages import N_, Message, msg

SHEET_ITEMS = "测评体系"
SHEET_SETTINGS = "计分设置"
SHEET_HELP = "填写说明"
MAX_CELL = 2000  # characters in one cell (the longest field, the criteria, allows 500)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int


COLUMNS = (
    Column("code", "编码", 10),
    Column("parent", "上级编码", 10),
    Column("title", "名称", 32),
    Column("points", "分值", 8),
    Column("method", "测评方式", 14),
    Column("kind", "类型", 8),
    Column("evidence", "需佐证", 8),
    Column("criteria", "测评标准", 60),
    Column("rubric", "评分细则", 32),
)
REQUIRED = ("code", "title")

METHOD_NAMES = {
    "材料审核": Method.MATERIALS,
    "实地考察": Method.INSPECTION,
    "问卷调查": Method.SURVEY,
    "征求意见": Method.OPINIONS,
    "征求相关部门意见": Method.OPINIONS,
    "集中汇报互评": Method.BRIEFING,
    "听取汇报": Method.BRIEFING,
    **{m.value: m for m in Method},
}
METHOD_TEXT = {m: m.label for m in Method}  # the labels are the Chinese names above
KIND_NAMES = {
    "基本": Kind.BASE,
    "基本项": Kind.BASE,
    "加分": Kind.BONUS,
    "加分项": Kind.BONUS,
    "特色": Kind.BONUS,
    "扣分": Kind.DEDUCTION,
    "扣分项": Kind.DEDUCTION,
    "负面清单": Kind.DEDUCTION,
    **{k.value: k for k in Kind},
}
KIND_TEXT = {Kind.BASE: "基本", Kind.BONUS: "加分", Kind.DEDUCTION: "扣分"}
YES, NO = "是", "否"
YES_NO = {YES: True, NO: False, "true": True, "false": False, "y": True, "n": False, "1": True, "0": False}
MODE_TEXT = {Mode.POINTS: "按分值计分", Mode.WEIGHTED: "按来源加权"}
MODE_NAMES = {**{v: k.value for k, v in MODE_TEXT.items()}, **{m.value: m.value for m in Mode}}
TIE_TEXT = {**{m.value: m.label for m in Method}, TIE_BONUS: "特色加分", TIE_DEDUCTIONS: "负面清单扣分"}
TIE_NAMES = {**{v: k for k, v in TIE_TEXT.items()}, **{k: k for k in TIE_TEXT}}

# Settings rows: "名称" or "前缀:名称", then the value in column B and a note in column C.
S_MODE, S_CAP, S_THRESHOLD, S_GAP, S_TIES = (
    "计分方式",
    "加分上限",
    "达标分数线",
    "分歧阈值(%)",
    "名次并列时依次比较",
)
S_WEIGHT, S_CAT_THRESHOLD, S_CAT_QUOTA = "权重", "类别达标分数线", "类别名额"
SETTING_KEYS = {
    S_MODE: "mode",
    S_CAP: "bonus_cap",
    S_THRESHOLD: "threshold",
    S_GAP: "gap_percent",
    S_TIES: "tie_break",
}
SPLIT = re.compile(r"[、,,;;\s]+")
ESCAPED = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
ESCAPED_BACK = re.compile(r"_x005[Ff]_(?=x[0-9A-Fa-f]{4}_)")


def escape(text: str) -> str:
    """OOXML reads ``_x0041_`` in a cell as "A"; a literal one is written ``_x005F_x0041_``."""
    return ESCAPED.sub(r"_x005F_\1", text)


def unescape(text: str) -> str:
    return ESCAPED_BACK.sub("_", text)


def cell_text(value: object) -> tuple[str, Message | None]:
    """A cell as text: empty for a blank cell; ``(text, None)`` or ``("", why not)``."""
    if value is None:
        return "", None
    if isinstance(value, bool | dt.date | dt.time | dt.timedelta):
        return "", msg(N_("须填写文字,不要使用日期或逻辑值格式。"))
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, str):
        text = unescape(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    else:
        return "", msg(N_("无法识别该单元格的内容。"))
    if len(text) > MAX_CELL:
        return "", msg(N_("内容过长(%(n)d 字),最多 %(max)d 字。"), n=len(text), max=MAX_CELL)
    return text, None


def number_cell(value: object) -> tuple[object, Message | None]:
    """A number as the parser takes it: numbers as they are, text as text (the parser checks it)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value, None
    text, problem = cell_text(value)
    return (text or None), problem


# --- rubrics: "A=100%;B=75%;C=50%;D=0%" or "扣分:台账不全=0.5;制度缺失=1" ---------------------

DEDUCT_PREFIX = "扣分:"
RUBRIC_HINT = N_("评分细则的写法:A=100%;B=75%;C=50%;D=0%,或 扣分:问题一=1;问题二=0.5。")


def rubric_text(rubric: Rubric | None) -> str:
    if rubric is None:
        return ""
    if rubric.grades:
        return ";".join(f"{g.label}={plain(g.fraction * 100)}%" for g in rubric.grades)
    return DEDUCT_PREFIX + ";".join(f"{s.label}={s.points}" for s in rubric.shortfalls)


def _pairs(text: str) -> list[tuple[str, str]] | None:
    pairs = []
    for part in re.split(r"[;;]", text):
        if not part.strip():
            continue
        label, sep, value = part.replace("=", "=").rpartition("=")
        if not sep:
            return None
        pairs.append((label.strip(), value.strip()))
    return pairs or None


def _fraction(value: str) -> object:
    if not value.endswith(("%", "%")):
        return value
    try:
        return Decimal(value[:-1].strip()) / 100
    except (InvalidOperation, ValueError):
        return value


def read_rubric(text: str) -> tuple[dict[str, object] | None, Message | None]:
    """The rubric's JSON shape from its text; the parser checks the values."""
    if not text:
        return None, None
    body = text.replace(":", ":")
    deductions = body.startswith(DEDUCT_PREFIX)
    pairs = _pairs(body.removeprefix(DEDUCT_PREFIX) if deductions else body)
    if pairs is None:
        return None, msg(RUBRIC_HINT)
    if deductions:
        return {"deductions": [{"label": label, "points": value} for label, value in pairs]}, None
    return {"grades": [{"label": label, "fraction": _fraction(value)} for label, value in pairs]}, None
