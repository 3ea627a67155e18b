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
order) and ``files/<stored_name>``: the file of every column made by ``stored_name_column``, in any
table (``backup_rows.file_columns``). The manifest lists the SHA-256 of every other part.

Import trusts nothing: ``backup_archive`` reads the zip within caps, ``backup_rows`` checks every
row and stored name; only then are rows inserted and files moved in (docs/backup.md).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app

from evalflow.extensions import db
from evalflow.office.backup_archive import (
    Caps,
    bad,
    caps,
    check_files,
    entries,
    open_archive,
    read_manifest,
    read_part,
    stage_files,
)
from evalflow.office.backup_rows import (
    BadRow,
    FileRow,
    base_type,
    canonical,
    dump,
    file_rows,
    load_table,
    pk,
)
from evalflow.shared.audit.models import AuditChainHead, AuditEntry
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.errors import Conflict, NotFound
from evalflow.shared.files.store import track_new, upload_dir
from evalflow.shared.messages import N_, msg

FORMAT = "evalflow-campaign-backup"
VERSION = 1
CHUNK = 500
AUDIT_TABLES = {AuditEntry.__tablename__, AuditChainHead.__tablename__}

Key = tuple[Any, ...]
Rows = dict[str, list[dict[str, Any]]]


def _tables() -> list[sa.Table]:
    """The tables a backup holds: all but the derived ones (``info["derived"]``, e.g. ``leaf_total``,
    which the database rebuilds from the restored rows)."""
    return [t for t in db.metadata.sorted_tables if not t.info.get("derived")]


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
            key = pk(table, row)
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


def table_documents(found: Collection) -> dict[str, list[dict[str, Any]]]:
    """Each table's rows as JSON-ready objects, in primary-key order (tables without rows left out)."""
    documents = {}
    for table in _tables():
        bucket = found.rows.get(table.name)
        if bucket:
            documents[table.name] = [
                {k: dump(v) for k, v in bucket[key].items()} for key in sorted(bucket, key=repr)
            ]
    return documents


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def schema_revision() -> str | None:
    """The database's migration revision; for a database made without migrations (``create_all``),
    the newest revision shipped with the program, which its tables then match."""
    if sa.inspect(db.session.connection()).has_table("alembic_version"):
        return db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    return code_revision()


def code_revision() -> str | None:
    """The newest migration revision shipped with the program (None without its migrations folder)."""
    migrate = current_app.extensions.get("migrate")
    if migrate is None or not Path(migrate.directory).is_dir():
        return None
    return ScriptDirectory(migrate.directory).get_current_head()


# --- export ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportSummary:
    rows: dict[str, int]
    files: int
    path: Path


def export_campaign(campaign_id: int, out: Path) -> ExportSummary:
    """Write the campaign's archive to *out* (atomically: a temporary file renamed at the end).

    Every uploaded file of the campaign goes in, whatever table records it; a file missing from the
    upload folder or changed since it was recorded, or a stored name this program did not make,
    stops the export (409) rather than leave a backup that cannot be restored."""
    found = collect(campaign_id)
    documents = table_documents(found)
    stored = file_rows(documents, lambda message: Conflict(message, code="file_unusable"))
    parts: dict[str, str] = {}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".export-", suffix=".zip", dir=out.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, rows in documents.items():
                data = canonical(rows)
                archive.writestr(f"tables/{name}.json", data)
                parts[f"tables/{name}.json"] = _sha256(data)
            for name, row in stored.items():
                parts[f"files/{name}"] = _export_file(archive, name, row)
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "campaign_id": campaign_id,
                "exported_at": datetime.now(UTC).isoformat(),
                "schema_revision": schema_revision(),
                "rows": {name: len(rows) for name, rows in documents.items()},
                "parts": parts,
            }
            archive.writestr("manifest.json", canonical(manifest))
        os.replace(temp, out)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return ExportSummary({n: len(r) for n, r in documents.items()}, len(stored), out)


def _export_file(archive: zipfile.ZipFile, name: str, row: FileRow) -> str:
    """Copy one stored file into the archive in chunks; its SHA-256, which must be the recorded one."""
    digest, size = hashlib.sha256(), 0
    try:
        with (
            (upload_dir() / name).open("rb") as source,
            archive.open(f"files/{name}", "w", force_zip64=True) as target,
        ):
            while chunk := source.read(1024 * 1024):
                digest.update(chunk)
                size += len(chunk)
                target.write(chunk)
    except FileNotFoundError:
        size = -1
    if size != row.size or digest.hexdigest() != row.sha256:
        raise Conflict(msg(N_("上传目录中的文件 %(name)s(%(table)s,主键 %(key)s)缺失或已改变,无法备份。"),
                           name=name, table=row.table, key=list(row.key)), code="file_unusable")  # fmt: skip
    return digest.hexdigest()


# --- import ------------------------------------------------------------------------------------


def _database_is_empty() -> bool:
    return all(db.session.scalar(sa.select(sa.literal(1)).select_from(t).limit(1)) is None for t in _tables())


def _check_target() -> str | None:
    """The target's schema revision; 409 unless it is empty and migrated to this program's revision."""
    here, code = schema_revision(), code_revision()
    if code is not None and here != code:
        raise Conflict(msg(N_("数据库结构版本为 %(here)s,本程序为 %(code)s:请先运行 flask db upgrade。"),
                           here=here, code=code), code="schema_outdated")  # fmt: skip
    if not _database_is_empty():
        raise Conflict(msg(N_("只能恢复到空数据库。")), code="not_empty")
    return here


def _check_manifest(manifest: dict[str, Any], here: str | None) -> None:
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise bad(msg(N_("不是本程序的备份(格式 %(format)s,版本 %(version)s)。"),
                      format=str(manifest.get("format"))[:40], version=str(manifest.get("version"))[:10]))  # fmt: skip
    if manifest.get("schema_revision") != here:
        raise bad(msg(N_("备份的数据库结构版本为 %(archive)s,本库为 %(here)s,不能直接恢复。"),
                      archive=str(manifest.get("schema_revision"))[:40], here=here))  # fmt: skip


def _load_rows(
    archive: zipfile.ZipFile, manifest: dict[str, Any], infos: dict[str, Any], limits: Caps
) -> Rows:
    rows: Rows = {}
    for table in _tables():
        part = f"tables/{table.name}.json"
        if part in infos:
            data = read_part(archive, infos[part], manifest["parts"][part], limits.table)
            try:
                rows[table.name] = load_table(table, data)
            except BadRow as exc:
                raise bad(exc.message) from None
    counts = {name: len(found) for name, found in rows.items()}
    if counts != manifest["rows"]:
        raise bad(msg(N_("各表行数与清单不符。")))
    campaigns = {row["id"] for row in rows.get(Campaign.__tablename__, [])}
    if campaigns != {manifest.get("campaign_id")}:
        raise bad(
            msg(N_("清单中的评选活动 %(id)s 与备份中的不符。"), id=str(manifest.get("campaign_id"))[:20])
        )
    return rows


def import_archive(path: Path) -> ExportSummary:
    """Restore an archive into an empty database (flushes; the caller commits).

    Everything is checked before anything is written (docs/backup.md): the archive's structure and
    caps, the manifest, every part's hash, every row's columns and values, every stored name, every
    file's size and hash. Any failure: 400 "备份文件无效:…" (409 for the target: not empty, not
    migrated, a file already there, no room) and the database and the upload folder as they were."""
    here = _check_target()
    limits = caps()
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=upload_dir()))
    placed: list[Path] = []
    try:
        with open_archive(Path(path), limits) as archive:
            manifest = read_manifest(archive)
            _check_manifest(manifest, here)
            infos = entries(archive, manifest, limits)
            rows = _load_rows(archive, manifest, infos, limits)
            stored = file_rows(rows, bad)
            check_files(stored, infos)
            stage_files(archive, manifest, infos, stored, staging, limits)
        counts = _insert(rows)
        for name in stored:
            target = upload_dir() / name
            os.replace(staging / name, target)
            placed.append(target)
            track_new(target)  # removed again if the transaction does not commit
    except OSError as exc:
        _remove(placed)
        raise Conflict(
            msg(N_("无法写入上传目录:%(error)s"), error=str(exc)[:200]), code="write_failed"
        ) from None
    except BaseException:
        _remove(placed)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportSummary(counts, len(stored), Path(path))


def _remove(paths: list[Path]) -> None:
    for target in paths:
        target.unlink(missing_ok=True)


def _insert(rows: Rows) -> dict[str, int]:
    """Insert the checked rows, parents first; a constraint the database enforces (a foreign key
    to a row that is not there, a duplicate unique value …) is an invalid archive, in one line."""
    counts: dict[str, int] = {}
    try:
        for table in _tables():
            found = rows.get(table.name)
            if found is None:
                continue
            for start in range(0, len(found), CHUNK):
                db.session.execute(table.insert(), found[start : start + CHUNK])
            counts[table.name] = len(found)
        _fix_sequences()
        db.session.flush()
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
        raise bad(msg(N_("数据库拒绝了备份中的数据(%(error)s)。"), error=reason)) from None
    return counts


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
    return isinstance(base_type(column), sa.Integer)
