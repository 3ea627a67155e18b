"""Reading the workbook's ``计分设置`` sheet into the settings part of the tree's JSON shape.

One setting per row: its name in column A, its value in column B (column C is a note). Names are
those :func:`.workbook.settings_rows` writes; ``权重:<方式>``, ``类别达标分数线:<类别>`` and
``类别名额:<类别>`` carry their method or category after a colon. A blank value means "not set".
Values are passed to the parser as they are (it checks them); ``setting_at`` records which row each
setting came from, so the parser's problems can be placed on that row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from evalflow.assessment import workbook_text as wt
from evalflow.shared.messages import N_, Message, msg

Fail = Callable[[str, int | None, int | None, Message], None]


def _value(values: Sequence[object]) -> object:
    raw = values[1] if len(values) > 1 else None
    if isinstance(raw, str):
        return raw.strip() or None
    return raw


def _quota(raw: object) -> object:
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) < 6:
        return int(raw)
    return raw


def _plain(data: dict[str, Any], key: str, raw: object) -> None:
    if key == "mode":
        text = str(raw)
        data[key] = wt.MODE_NAMES.get(text, text)
    elif key == "tie_break":
        data[key] = [wt.TIE_NAMES.get(t, t) for t in wt.SPLIT.split(str(raw)) if t]
    else:
        data[key] = raw


def _keyed(data: dict[str, Any], prefix: str, rest: str, raw: object) -> str | None:
    """A ``前缀:名称`` setting; returns the attribute the parser names it by, None if unknown."""
    if prefix == wt.S_WEIGHT and rest in wt.METHOD_NAMES:
        method = wt.METHOD_NAMES[rest].value
        data.setdefault("weights", {})[method] = raw
        return f"weights.{method}"
    if prefix in (wt.S_CAT_THRESHOLD, wt.S_CAT_QUOTA) and rest:
        rule = data.setdefault("categories", {}).setdefault(rest, {})
        if prefix == wt.S_CAT_QUOTA:
            rule["quota"] = _quota(raw)
        else:
            rule["threshold"] = raw
        return f"categories.{rest}"
    return None


def read_settings_rows(
    rows: list[Sequence[object]], fail: Fail, setting_at: dict[str, int]
) -> dict[str, Any]:
    """The settings' JSON shape from the sheet's rows (row 1 is the header)."""
    data: dict[str, Any] = {}
    seen: dict[str, int] = {}
    for row, values in enumerate(rows[1:], start=2):
        name, problem = wt.cell_text(values[0] if values else None)
        if problem is not None:
            fail(wt.SHEET_SETTINGS, row, 0, problem)
            continue
        raw = _value(values)
        if not name:
            if raw is not None:
                fail(wt.SHEET_SETTINGS, row, 0, msg(N_("请在 A 列填写设置项的名称。")))
            continue
        name = name.replace(":", ":")
        if name in seen:
            fail(
                wt.SHEET_SETTINGS,
                row,
                0,
                msg(N_("设置项“%(name)s”与第 %(row)d 行重复。"), name=name[:40], row=seen[name]),
            )
            continue
        seen[name] = row
        prefix, colon, rest = name.partition(":")
        if name in wt.SETTING_KEYS:
            attr = wt.SETTING_KEYS[name]
            if raw is not None:
                _plain(data, attr, raw)
        elif colon:
            found = (
                _keyed(data, prefix.strip(), rest.strip(), raw) if raw is not None else _known(prefix, rest)
            )
            if found is None:
                fail(wt.SHEET_SETTINGS, row, 0, msg(N_("无法识别的设置项“%(name)s”。"), name=name[:40]))
                continue
            attr = found
        else:
            fail(wt.SHEET_SETTINGS, row, 0, msg(N_("无法识别的设置项“%(name)s”。"), name=name[:40]))
            continue
        setting_at.setdefault(attr, row)
        setting_at.setdefault(attr.split(".")[0], row)
    return data


def _known(prefix: str, rest: str) -> str | None:
    """The attribute of a blank ``前缀:名称`` row (kept for placing problems), None if unknown."""
    prefix, rest = prefix.strip(), rest.strip()
    if prefix == wt.S_WEIGHT and rest in wt.METHOD_NAMES:
        return f"weights.{wt.METHOD_NAMES[rest].value}"
    if prefix in (wt.S_CAT_THRESHOLD, wt.S_CAT_QUOTA) and rest:
        return f"categories.{rest}"
    return None
