"""Reading a campaign backup archive without trusting it (docs/backup.md, "Checks on import").

Nothing is read whole: the end record's entry count is checked before ``zipfile`` builds its index,
every part's declared size is checked against its cap and the total before reading, and every part
is then read in chunks, counted and hashed as it comes (a part longer than it declares is cut there
by ``zipfile`` and fails its CRC). Every failure is an :class:`InvalidInput` "备份文件无效:…" naming
the part.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import current_app

from evalflow.extensions import db
from evalflow.office.backup_rows import FileRow
from evalflow.shared.errors import Conflict, InvalidInput
from evalflow.shared.files.store import _zip_entry_count, is_stored_name, upload_dir
from evalflow.shared.messages import N_, Message, msg

MB = 1024 * 1024
CHUNK = 1024 * 1024
MANIFEST = "manifest.json"
MANIFEST_MAX = 16 * MB
HEX64 = re.compile(r"[0-9a-f]{64}")
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
              ValueError, OSError)  # fmt: skip


def bad(message: Message) -> InvalidInput:
    return InvalidInput(msg(N_("备份文件无效:%(reason)s"), reason=message))


@dataclass(frozen=True)
class Caps:
    table: int  # bytes of the tables/*.json parts together (parsed in memory; each read within it)
    file: int  # bytes of one files/* part (streamed to disk)
    total: int  # bytes of every part together, uncompressed
    entries: int


def caps() -> Caps:
    cfg = current_app.config
    return Caps(int(cfg["BACKUP_MAX_TABLE_MB"]) * MB, int(cfg["BACKUP_MAX_FILE_MB"]) * MB,
                int(cfg["BACKUP_MAX_TOTAL_MB"]) * MB, int(cfg["BACKUP_MAX_ENTRIES"]))  # fmt: skip


@contextmanager
def reading(part: str) -> Iterator[None]:
    """Errors of the zip layer while reading *part*, as one line."""
    try:
        yield
    except ZIP_ERRORS as exc:
        raise bad(
            msg(N_("无法读取 %(part)s(%(error)s)。"), part=part, error=str(exc)[:120] or type(exc).__name__)
        ) from None


@contextmanager
def open_archive(path: Path, limits: Caps) -> Iterator[zipfile.ZipFile]:
    with reading(path.name):
        count = _zip_entry_count(path)
        if count is None:
            raise bad(msg(N_("不是 zip 文件。")))
        if count > limits.entries:
            raise bad(msg(N_("条目过多(%(n)d 个,上限 %(max)d 个)。"), n=count, max=limits.entries))
        archive = zipfile.ZipFile(path)
    with archive:
        if len(archive.infolist()) > limits.entries:
            raise bad(
                msg(N_("条目过多(%(n)d 个,上限 %(max)d 个)。"), n=len(archive.infolist()), max=limits.entries)
            )
        yield archive


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> Iterator[bytes]:
    """The part's bytes in chunks, never more than *cap* (declared or actual)."""
    if info.file_size > cap:
        raise _too_large(info.filename, info.file_size, cap)
    size = 0
    with reading(info.filename), archive.open(info) as stream:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > cap:
                raise _too_large(info.filename, size, cap)
            yield chunk


def _too_large(name: str, size: int, cap: int) -> InvalidInput:
    return bad(
        msg(N_("%(part)s 过大(至少 %(size)d 字节,上限 %(max)d 字节)。"), part=name, size=size, max=cap)
    )


def read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, sha256: str, cap: int) -> bytearray:
    """The whole part (at most *cap* bytes), its SHA-256 checked."""
    data, digest = bytearray(), hashlib.sha256()
    for chunk in _chunks(archive, info, cap):
        data += chunk
        digest.update(chunk)
    if digest.hexdigest() != sha256:
        raise bad(msg(N_("%(part)s 的 SHA-256 与清单不符。"), part=info.filename))
    return data


def copy_part(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, target: IO[bytes]
) -> tuple[int, str]:
    """Stream the part into *target*; its size and SHA-256."""
    size, digest = 0, hashlib.sha256()
    for chunk in _chunks(archive, info, cap):
        target.write(chunk)
        size += len(chunk)
        digest.update(chunk)
    return size, digest.hexdigest()


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    names = archive.namelist()
    if names.count(MANIFEST) != 1:
        raise bad(msg(N_("应有且只有一个 manifest.json。")))
    data = bytearray()
    for chunk in _chunks(archive, archive.getinfo(MANIFEST), MANIFEST_MAX):
        data += chunk
    try:
        manifest = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise bad(
            msg(N_("%(part)s 不是有效的 JSON(%(error)s)。"), part=MANIFEST, error=str(exc)[:100])
        ) from None
    parts, rows = (
        (manifest.get("parts"), manifest.get("rows")) if isinstance(manifest, dict) else (None, None)
    )
    if (
        not isinstance(parts, dict)
        or not all(isinstance(h, str) and HEX64.fullmatch(h) for h in parts.values())
        or not isinstance(rows, dict)
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in rows.values())
    ):
        raise bad(msg(N_("manifest.json 的内容不完整或格式不正确。")))
    return manifest


def _part_name_ok(name: str) -> bool:
    folder, _, rest = name.partition("/")
    if folder == "tables":
        return rest.endswith(".json") and rest.removesuffix(".json") in db.metadata.tables
    return folder == "files" and is_stored_name(rest)


def entries(archive: zipfile.ZipFile, manifest: dict[str, Any], limits: Caps) -> dict[str, zipfile.ZipInfo]:
    """Every part but the manifest, by name: each listed in the manifest exactly once and named as
    the program names parts, their declared sizes within the caps."""
    infos = [i for i in archive.infolist() if i.filename != MANIFEST]
    by_name: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        if info.filename in by_name:
            raise bad(msg(N_("条目 %(part)s 重复。"), part=info.filename))
        if not _part_name_ok(info.filename):
            raise bad(msg(N_("条目名 %(part)s 不是本程序写的部分。"), part=info.filename[:120]))
        if info.filename not in manifest["parts"]:
            raise bad(msg(N_("条目 %(part)s 不在清单中。"), part=info.filename))
        cap = limits.table if info.filename.startswith("tables/") else limits.file
        if info.file_size > cap:
            raise _too_large(info.filename, info.file_size, cap)
        by_name[info.filename] = info
    if missing := sorted(set(manifest["parts"]) - set(by_name)):
        raise bad(msg(N_("清单中的 %(part)s 不在归档中。"), part=missing[0][:120]))
    tables = sum(i.file_size for n, i in by_name.items() if n.startswith("tables/"))
    if tables > limits.table:
        raise bad(
            msg(N_("表数据(tables/)共 %(size)d 字节,超过上限 %(max)d 字节。"), size=tables, max=limits.table)
        )
    total = sum(i.file_size for i in archive.infolist())
    if total > limits.total:
        raise bad(msg(N_("解压后共 %(size)d 字节,超过上限 %(max)d 字节。"), size=total, max=limits.total))
    return by_name


def check_files(stored: dict[str, FileRow], infos: dict[str, Any]) -> None:
    """Exactly one file part per stored name, of the recorded size; none of them in the upload folder
    yet; room for all of them."""
    present = {name.removeprefix("files/") for name in infos if name.startswith("files/")}
    if missing := sorted(set(stored) - present):
        row = stored[missing[0]]
        raise bad(msg(N_("缺少文件 files/%(name)s(%(table)s,主键 %(key)s)。"), name=missing[0],
                      table=row.table, key=list(row.key)))  # fmt: skip
    if extra := sorted(present - set(stored)):
        raise bad(msg(N_("文件 files/%(name)s 没有对应的记录。"), name=extra[0]))
    for name, row in stored.items():
        if infos[f"files/{name}"].file_size != row.size:
            raise bad(msg(N_("文件 files/%(name)s 的大小或 SHA-256 与记录不符。"), name=name))
        if (upload_dir() / name).exists():
            raise Conflict(msg(N_("上传目录中已有同名文件:%(name)s"), name=name), code="file_exists")
    need, free = sum(row.size for row in stored.values()), shutil.disk_usage(upload_dir()).free
    if need > free:
        raise Conflict(msg(N_("上传目录空间不足:需要 %(need)d 字节,只剩 %(free)d 字节。"), need=need, free=free),
                       code="no_space")  # fmt: skip


def stage_files(archive: zipfile.ZipFile, manifest: dict[str, Any], infos: dict[str, Any],
                 stored: dict[str, FileRow], staging: Path, limits: Caps) -> None:  # fmt: skip
    """Copy every file part into *staging*, each checked against the manifest and its row."""
    for name, row in stored.items():
        part = f"files/{name}"
        with (staging / name).open("xb") as target:
            size, sha256 = copy_part(archive, infos[part], limits.file, target)
        if sha256 != manifest["parts"][part] or (size, sha256) != (row.size, row.sha256):
            raise bad(msg(N_("文件 files/%(name)s 的大小或 SHA-256 与记录不符。"), name=name))
