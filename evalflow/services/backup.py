"""Backup of one campaign: every row that belongs to it and its uploaded files, in one zip archive,
and the restore of such an archive into an empty database (docs/backup.md).

The rows are found generically from the SQLAlchemy metadata, so tables added later are covered
without touching this module:

1. **down**: starting from the campaign row, every row of any table whose foreign key points at a
   row already taken is taken, until nothing changes (units, applications, seats, ballots, unit
   logins, their tokens …);
2. every row of the standalone tables (no foreign key either way): installation-wide settings
   such as the office's working-day calendar, which the campaign's deadlines depend on;
3. the campaign's audit chain (``audit_entry.chain`` = campaign id) and its head row — the audit
   tables are not walked down, since an account's entries belong to the chain of no campaign;
4. **up**: every row that a taken row points at (an office account named as the actor of an audit
   entry …) is taken too, with what *it* points at, so the archive restores on an empty database.

Archive layout: ``manifest.json``, ``tables/<table>.json`` (a list of row objects, in primary-key
order) and ``files/<stored_name>``. The manifest lists the SHA-256 of every other part.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from ..domain.errors import Conflict, InvalidInput, NotFound
from ..domain.messages import N_, msg
from ..extensions import db
from ..models import AuditChainHead, AuditEntry, Campaign, StoredFile
from .files import upload_dir

FORMAT = "evalflow-campaign-backup"
VERSION = 1
CHUNK = 500
AUDIT_TABLES = {AuditEntry.__tablename__, AuditChainHead.__tablename__}

Key = tuple[Any, ...]


def _tables() -> list[sa.Table]:
    return list(db.metadata.sorted_tables)


def _pk(table: sa.Table, row: dict[str, Any]) -> Key:
    return tuple(row[c.key] for c in table.primary_key.columns)


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    items = sorted(values, key=repr)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


@dataclass
class Collection:
    rows: dict[str, dict[Key, dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: sa.Table, found: Iterable[dict[str, Any]]) -> bool:
        bucket, added = self.rows.setdefault(table.name, {}), False
        for row in found:
            key = _pk(table, row)
            if key not in bucket:
                bucket[key], added = row, True
        return added

    def values(self, table: sa.Table, column: str) -> set[Any]:
        return {row[column] for row in self.rows.get(table.name, {}).values() if row[column] is not None}


def _select(table: sa.Table, column: sa.Column[Any], values: Iterable[Any]) -> Iterator[dict[str, Any]]:
    for chunk in _chunks(values):
        for row in db.session.execute(sa.select(table).where(column.in_(chunk))).mappings():
            yield dict(row)


def collect(campaign_id: int) -> Collection:
    """Every row that belongs to the campaign (see the module's docstring)."""
    tables = _tables()
    campaign_table = Campaign.__table__
    found = Collection()
    if not found.add(campaign_table, _select(campaign_table, campaign_table.c.id, [campaign_id])):
        raise NotFound(msg(N_("未找到该评选活动。")))
    asked: dict[tuple[str, str], set[Any]] = {}
    changed = True
    while changed:  # down
        changed = False
        for table in tables:
            if table.name in AUDIT_TABLES:
                continue
            for fk in table.foreign_keys:
                parent = fk.column.table
                if parent.name in AUDIT_TABLES:
                    continue
                seen = asked.setdefault((table.name, fk.parent.key), set())
                new = found.values(parent, fk.column.key) - seen
                if new:
                    seen |= new
                    changed |= found.add(table, _select(table, fk.parent, new))
    referenced = {fk.column.table.name for table in tables for fk in table.foreign_keys}
    for table in tables:  # standalone tables are installation-wide settings: taken whole
        if not table.foreign_keys and table.name not in referenced | AUDIT_TABLES:
            found.add(table, (dict(row) for row in db.session.execute(sa.select(table)).mappings()))
    entry, head = AuditEntry.__table__, AuditChainHead.__table__
    found.add(entry, _select(entry, entry.c.chain, [campaign_id]))
    found.add(head, _select(head, head.c.chain, [campaign_id]))
    changed = True
    while changed:  # up
        changed = False
        for table in tables:
            for fk in table.foreign_keys:
                parent = fk.column.table
                have = {row[fk.column.key] for row in found.rows.get(parent.name, {}).values()}
                missing = found.values(table, fk.parent.key) - have
                if missing:
                    changed |= found.add(parent, _select(parent, fk.column, missing))
    return found


# --- values as JSON ----------------------------------------------------------------------------


def _base_type(column: sa.Column[Any]) -> sa.types.TypeEngine[Any]:
    kind = column.type
    while isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    return kind


def _dump(value: Any) -> Any:
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


def _load(column: sa.Column[Any], value: Any) -> Any:
    if value is None:
        return None
    kind = _base_type(column)
    if isinstance(kind, sa.Enum) and kind.enum_class is not None:
        return kind.enum_class(value)
    if isinstance(kind, sa.DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, sa.Date):
        return date.fromisoformat(value)
    if isinstance(kind, sa.Time):
        return time.fromisoformat(value)
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float) and kind.asdecimal:
        return Decimal(value)
    if isinstance(kind, sa.LargeBinary):
        return base64.b64decode(value)
    return value


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=1).encode("utf-8")


def table_documents(found: Collection) -> dict[str, list[dict[str, Any]]]:
    """Each table's rows as JSON-ready objects, in primary-key order (tables without rows left out)."""
    documents = {}
    for table in _tables():
        bucket = found.rows.get(table.name)
        if bucket:
            documents[table.name] = [
                {k: _dump(v) for k, v in bucket[key].items()} for key in sorted(bucket, key=repr)
            ]
    return documents


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_name(stored_name: str) -> str:
    if not stored_name or "/" in stored_name or "\\" in stored_name or stored_name.startswith("."):
        raise InvalidInput(msg(N_("备份中的文件名无效。")))
    return stored_name


# --- export ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportSummary:
    rows: dict[str, int]
    files: int
    path: Path


def export_campaign(campaign_id: int, out: Path) -> ExportSummary:
    """Write the campaign's archive to *out* (atomically: a temporary file renamed at the end)."""
    found = collect(campaign_id)
    documents = table_documents(found)
    parts: dict[str, str] = {}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".export-", suffix=".zip", dir=out.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, rows in documents.items():
                data = _canonical(rows)
                archive.writestr(f"tables/{name}.json", data)
                parts[f"tables/{name}.json"] = _sha256(data)
            files = documents.get(StoredFile.__tablename__, [])
            for row in files:
                name = _file_name(row["stored_name"])
                source = upload_dir() / name
                archive.write(source, f"files/{name}")
                parts[f"files/{name}"] = _file_sha256(source)
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "campaign_id": campaign_id,
                "exported_at": datetime.now(UTC).isoformat(),
                "schema_revision": _schema_revision(),
                "rows": {name: len(rows) for name, rows in documents.items()},
                "parts": parts,
            }
            archive.writestr("manifest.json", _canonical(manifest))
        os.replace(temp, out)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return ExportSummary({n: len(r) for n, r in documents.items()}, len(files), out)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _schema_revision() -> str | None:
    if not sa.inspect(db.session.connection()).has_table("alembic_version"):
        return None
    return db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))


# --- import ------------------------------------------------------------------------------------


def _bad(text: str) -> InvalidInput:
    return InvalidInput(msg(N_("备份文件无效:%(reason)s"), reason=text))


def _read_checked(archive: zipfile.ZipFile) -> tuple[dict[str, Any], dict[str, bytes]]:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except (KeyError, ValueError) as exc:
        raise _bad("manifest.json") from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise _bad("format")
    parts: dict[str, str] = manifest.get("parts") or {}
    names = set(archive.namelist()) - {"manifest.json"}
    if names != set(parts):
        raise _bad("parts")
    contents = {}
    for name, expected in parts.items():
        data = archive.read(name)
        if _sha256(data) != expected:
            raise _bad(f"SHA-256 {name}")
        contents[name] = data
    return manifest, contents


def _database_is_empty() -> bool:
    return all(db.session.scalar(sa.select(sa.literal(1)).select_from(t).limit(1)) is None for t in _tables())


def import_archive(path: Path) -> ExportSummary:
    """Restore an archive into an empty database (flushes; the caller commits)."""
    with zipfile.ZipFile(path) as archive:
        manifest, contents = _read_checked(archive)
    if not _database_is_empty():
        raise Conflict(msg(N_("只能恢复到空数据库。")), code="not_empty")
    counts: dict[str, int] = {}
    for table in _tables():
        data = contents.get(f"tables/{table.name}.json")
        if data is None:
            continue
        columns = {c.key: c for c in table.columns}
        rows = [{k: _load(columns[k], v) for k, v in row.items() if k in columns} for row in json.loads(data)]
        for start in range(0, len(rows), CHUNK):
            db.session.execute(table.insert(), rows[start : start + CHUNK])
        counts[table.name] = len(rows)
    _fix_sequences()
    written = _restore_files(contents)
    db.session.flush()
    return ExportSummary(counts, len(written), Path(path))


def _restore_files(contents: dict[str, bytes]) -> list[Path]:
    expected = {row.stored_name: row.sha256 for row in db.session.scalars(sa.select(StoredFile))}
    written: list[Path] = []
    try:
        for name, data in contents.items():
            if not name.startswith("files/"):
                continue
            stored = _file_name(name.removeprefix("files/"))
            if expected.get(stored) != _sha256(data):
                raise _bad(f"SHA-256 {name}")
            target = upload_dir() / stored
            if target.exists():
                raise Conflict(msg(N_("上传目录中已有同名文件:%(name)s"), name=stored), code="file_exists")
            target.write_bytes(data)
            written.append(target)
        if set(expected) - {p.name for p in written}:
            raise _bad("files")
    except BaseException:
        for target in written:
            target.unlink(missing_ok=True)
        raise
    return written


def _fix_sequences() -> None:
    """PostgreSQL hands out ids from sequences that explicit ids did not advance: move them on."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in _tables():
        for column in table.primary_key.columns:
            if column.autoincrement is True or (
                column.autoincrement == "auto" and len(table.primary_key.columns) == 1 and _is_int(column)
            ):
                db.session.execute(
                    sa.text(
                        "SELECT setval(seq, COALESCE((SELECT MAX({col}) FROM {tbl}), 1),"
                        " (SELECT MAX({col}) FROM {tbl}) IS NOT NULL)"
                        " FROM pg_get_serial_sequence(:tbl, :col) AS seq WHERE seq IS NOT NULL".format(
                            col=f'"{column.name}"', tbl=f'"{table.name}"'
                        )
                    ),
                    {"tbl": f'"{table.name}"', "col": column.name},
                )


def _is_int(column: sa.Column[Any]) -> bool:
    return isinstance(_base_type(column), sa.Integer)
