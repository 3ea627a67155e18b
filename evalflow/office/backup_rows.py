"""Rows of a campaign backup as JSON and back, every value checked against its column before anything
is written (docs/backup.md, "Checks on import"), and the one rule for uploaded files: every column
made by ``shared.types.stored_name_column`` names a file that travels with its row.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from evalflow.extensions import db
from evalflow.shared.errors import DomainError
from evalflow.shared.files.store import is_stored_name
from evalflow.shared.messages import N_, Message, msg
from evalflow.shared.types import STORED_FILE

Key = tuple[Any, ...]
INT_BITS = {sa.SmallInteger: 16, sa.BigInteger: 64}


class BadRow(ValueError):
    """A row of the archive that cannot be restored; ``message`` says which and why."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.render())
        self.message = message


def pk(table: sa.Table, row: Mapping[str, Any]) -> Key:
    return tuple(row[c.key] for c in table.primary_key.columns)


def base_type(column: sa.Column[Any]) -> sa.types.TypeEngine[Any]:
    kind = column.type
    while isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    return kind


def dump(value: Any) -> Any:
    """A column value as JSON (timestamps in ISO 8601 UTC, enums by value, bytes in base64)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, enum.Enum):
        return value.value
    return value


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=1).encode("utf-8")


def _need(value: Any, *kinds: type) -> Any:
    if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
        raise ValueError(value)
    return value


def _integer(kind: sa.Integer, value: Any) -> int:
    bits = next((b for k, b in INT_BITS.items() if isinstance(kind, k)), 32)
    if not -(2 ** (bits - 1)) <= _need(value, int) < 2 ** (bits - 1):
        raise ValueError(value)
    return value


def _string(kind: sa.String, value: Any) -> str:
    if "\x00" in _need(value, str) or (kind.length is not None and len(value) > kind.length):
        raise ValueError(value)
    return value


def _timestamp(kind: sa.DateTime, value: Any) -> datetime:
    parsed = datetime.fromisoformat(_need(value, str))
    if kind.timezone and parsed.tzinfo is None:
        raise ValueError(value)
    return parsed


def _decimal(value: Any) -> Decimal:
    number = Decimal(_need(value, str))
    if not number.is_finite():
        raise ValueError(value)
    return number


def load_value(column: sa.Column[Any], value: Any) -> Any:
    """The Python value of *value* (as :func:`dump` wrote it) for *column*; ValueError when it is not
    one (wrong type, bad enum, date or number, too long, NULL where not allowed, out of range)."""
    if value is None:
        if not column.nullable:
            raise ValueError(value)
        return None
    kind = base_type(column)
    if isinstance(kind, sa.Enum) and kind.enum_class is not None:
        return kind.enum_class(_need(value, str))
    if isinstance(kind, sa.DateTime):
        return _timestamp(kind, value)
    if isinstance(kind, sa.Date):
        return date.fromisoformat(_need(value, str))
    if isinstance(kind, sa.Time):
        return time.fromisoformat(_need(value, str))
    if isinstance(kind, sa.Boolean):
        return _need(value, bool)
    if isinstance(kind, sa.Integer):
        return _integer(kind, value)
    if isinstance(kind, sa.Float):
        return _need(value, int, float)
    if isinstance(kind, sa.Numeric):
        return _decimal(value) if kind.asdecimal else _need(value, int, float)
    if isinstance(kind, sa.String):
        return _string(kind, value)
    if isinstance(kind, sa.LargeBinary):
        return base64.b64decode(_need(value, str), validate=True)
    return value  # JSON: any JSON value


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


def _load_row(table: sa.Table, number: int, raw: Any, columns: dict[str, sa.Column[Any]]) -> dict[str, Any]:
    where = f"tables/{table.name}.json"
    if not isinstance(raw, dict):
        raise BadRow(msg(N_("%(part)s 第 %(row)d 行不是对象。"), part=where, row=number))
    if unknown := sorted(set(raw) - set(columns)):
        raise BadRow(msg(N_("表 %(table)s 有本程序没有的列:%(columns)s。"), table=table.name,
                         columns=", ".join(unknown)))  # fmt: skip
    if missing := sorted(set(columns) - set(raw)):
        raise BadRow(
            msg(N_("表 %(table)s 缺少列:%(columns)s。"), table=table.name, columns=", ".join(missing))
        )
    row = {}
    for key, column in columns.items():
        try:
            row[key] = load_value(column, raw[key])
        except (ValueError, TypeError, OverflowError, InvalidOperation, binascii.Error):
            raise BadRow(msg(N_("%(table)s.%(column)s 第 %(row)d 行的值 %(value)s 无效。"), table=table.name,
                             column=key, row=number, value=_short(raw[key]))) from None  # fmt: skip
    return row


def load_table(table: sa.Table, data: bytes | bytearray) -> list[dict[str, Any]]:
    """The rows of ``tables/<table>.json``, every value checked; primary keys unique."""
    part = f"tables/{table.name}.json"
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise BadRow(
            msg(N_("%(part)s 不是有效的 JSON(%(error)s)。"), part=part, error=str(exc)[:100])
        ) from None
    if not isinstance(document, list):
        raise BadRow(msg(N_("%(part)s 应为行的列表。"), part=part))
    columns = {c.key: c for c in table.columns}
    rows, seen = [], set()
    for number, raw in enumerate(document, start=1):
        row = _load_row(table, number, raw, columns)
        key = pk(table, row)
        if key in seen:
            raise BadRow(
                msg(N_("表 %(table)s 的主键 %(key)s 重复。"), table=table.name, key=_short(list(key)))
            )
        seen.add(key)
        rows.append(row)
    return rows


# --- uploaded files ----------------------------------------------------------------------------------


def file_columns() -> list[sa.Column[Any]]:
    """Every column naming an uploaded file, in every table (``shared.types.stored_name_column``)."""
    return [c for t in db.metadata.sorted_tables for c in t.columns if c.info.get(STORED_FILE)]


@dataclass(frozen=True)
class FileRow:
    table: str
    key: Key
    size: int
    sha256: str


def file_rows(
    rows: Mapping[str, Iterable[Mapping[str, Any]]], fail: Callable[[Message], DomainError]
) -> dict[str, FileRow]:
    """Each stored name in *rows* (table name → rows, loaded or as JSON) with the row that records it:
    every name a plain one made by this program, none recorded twice."""
    found: dict[str, FileRow] = {}
    for column in file_columns():
        table = column.table
        for row in rows.get(table.name, ()):
            name = row[column.key]
            if name is None:
                continue
            key = pk(table, row)
            if not is_stored_name(name):
                raise fail(msg(N_("%(table)s.%(column)s(主键 %(key)s)的文件名 %(name)s 不是本程序生成的文件名。"),
                               table=table.name, column=column.key, key=_short(list(key)), name=_short(name)))  # fmt: skip
            if name in found:
                raise fail(msg(N_("文件名 %(name)s 被多条记录使用。"), name=name))
            found[name] = FileRow(table.name, key, row["size"], row["sha256"])
    return found
