"""Column types shared by the models: UTC timestamps, CHECK-constrained string enums, and the column
that names an uploaded file."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import mapped_column
from sqlalchemy.types import TypeDecorator

# ``Column.info`` key of a column holding the generated name of a file under UPLOAD_DIR.
STORED_FILE = "stored_file"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite keeps no offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def str_enum(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A VARCHAR column with a CHECK constraint listing the enum's values (portable across engines)."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
    )


def stored_name_column() -> Any:
    """The generated name of an uploaded file in UPLOAD_DIR (``shared.files.store.new_stored_name``).

    The one rule for stored files: the backup exports the file of every column made here, and on
    import checks each name (``shared.files.store.is_stored_name``) and the file's bytes against the
    ``size`` and ``sha256`` columns its table must have (tests/unit/test_backup_rules.py)."""
    return mapped_column(sa.String(80), unique=True, info={STORED_FILE: True})
