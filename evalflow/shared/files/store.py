"""Uploaded files: checked by content, capped in size, stored under generated names, never half-saved.

:func:`store_upload` is the one way a file enters the system (application attachments, training
material, veto evidence). It streams the upload to a temporary file in ``UPLOAD_DIR`` while hashing
and counting, recognises the type by its magic bytes (``intake.rules.sniff``), then renames it to a
random name and adds a :class:`StoredFile` row (flushed, not committed).

Files and the transaction stay consistent through session events: a file written during a
transaction that does not commit is deleted; a file removed with :func:`delete_stored` leaves the
disk only after the commit.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import sqlalchemy as sa
from flask import Response, current_app, send_file
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evalflow.extensions import db
from evalflow.shared.errors import Duplicate, InvalidInput, NotFound, TooLarge, UnsupportedType
from evalflow.shared.files import pdfprobe
from evalflow.shared.files.models import StoredFile
from evalflow.shared.files.rules import FileKind, clean_filename, office_hint, sniff
from evalflow.shared.messages import N_, msg

ALL_KINDS: frozenset[FileKind] = frozenset(FileKind)
CHUNK = 64 * 1024
_NEW, _DOOMED = "evalflow_new_files", "evalflow_doomed_files"


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


# The names :func:`new_stored_name` makes; no other name is ever joined to UPLOAD_DIR.
STORED_NAME = re.compile(r"[0-9a-f]{40}")


def new_stored_name() -> str:
    return secrets.token_hex(20)


def is_stored_name(name: object) -> bool:
    """True for a plain name made by :func:`new_stored_name` (no directory, no dot, no other text)."""
    return isinstance(name, str) and STORED_NAME.fullmatch(name) is not None


def path_of(stored: Any) -> Path:
    """The file of a row with a ``stored_name`` (``StoredFile``, ``ObjectionFile``); 404 for a name
    this program did not make (a crafted row never reaches outside UPLOAD_DIR)."""
    if not is_stored_name(stored.stored_name):
        raise NotFound(msg(N_("文件已不存在。")))
    return upload_dir() / stored.stored_name


def max_file_bytes() -> int:
    return int(current_app.config["MAX_FILE_MB"]) * 1024 * 1024


def too_large(limit_bytes: int) -> TooLarge:
    return TooLarge(msg(N_("文件过大:单个文件不能超过 %(mb)d MB。"), mb=limit_bytes // (1024 * 1024)))


def _copy_capped(source: IO[bytes], target: IO[bytes], limit: int) -> tuple[int, str, bytes]:
    """Copy at most *limit* bytes; return (size, sha256, first bytes) or raise :class:`TooLarge`."""
    digest, size, head = hashlib.sha256(), 0, b""
    while chunk := source.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        if len(head) < 16:
            head = (head + chunk)[:16]
        digest.update(chunk)
        target.write(chunk)
    return size, digest.hexdigest(), head


MAX_ZIP_ENTRIES = 2_000


def _zip_entry_count(path: Path) -> int | None:
    """The entry count of the ZIP's end record, read before ``zipfile`` builds its index (a
    crafted central directory can list hundreds of thousands of entries); None when absent."""
    with path.open("rb") as stream:
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(max(0, size - 65_557))
        tail = stream.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 12:
        return None
    return int.from_bytes(tail[at + 10 : at + 12], "little")


def _zip_names(path: Path) -> list[str] | None:
    try:
        count = _zip_entry_count(path)
        if count is None or count > MAX_ZIP_ENTRIES:  # 0xFFFF (ZIP64) is over the cap too
            return None
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,
        RuntimeError,
    ):
        return None


def _recognise(path: Path, head: bytes, allowed: Collection[FileKind]) -> FileKind:
    zip_names = _zip_names(path) if head.startswith(b"PK") else None
    kind = sniff(head, zip_names)
    hint = office_hint(head, zip_names) if kind is None and FileKind.DOCX in allowed else None
    if hint is not None:
        raise UnsupportedType(hint)
    if kind is None or kind not in allowed:
        names = "、".join(sorted(k.value.upper() for k in allowed))
        raise UnsupportedType(
            msg(N_("不支持的文件类型:只接受 %(kinds)s 文件(按文件内容识别)。"), kinds=names)
        )
    return kind


def _pdf_pages(path: Path) -> int:
    """The page count of a PDF that opens without a password; 415 for an encrypted or damaged one.

    Parsed by pypdf in a separate process limited in CPU time, memory and wall-clock time
    (shared/files/pdfprobe.py), so a crafted PDF cannot hold a web worker."""
    facts = pdfprobe.probe(path)
    if facts.status == "encrypted":
        raise UnsupportedType(
            msg(N_("该 PDF 文件设有密码(已加密),文明办无法打开。请取消密码保护后重新上传。"))
        )
    if facts.status == "too_complex":
        raise TooLarge(msg(N_("该 PDF 文件结构过于复杂(对象过多),无法检查。请重新导出或压缩后再上传。")))
    if facts.status != "ok" or facts.pages is None:
        raise UnsupportedType(msg(N_("该 PDF 文件已损坏或无法解析,请重新导出(另存为)PDF 后再上传。")))
    return facts.pages


@dataclass(frozen=True)
class Received:
    """A checked upload on disk (not yet in the database)."""

    path: Path
    filename: str
    size: int
    sha256: str
    kind: FileKind
    pages: int | None = None  # of a PDF


def receive(upload: Any, allowed: Collection[FileKind] = ALL_KINDS, max_bytes: int | None = None) -> Received:
    """Stream *upload* (a Werkzeug ``FileStorage``) to a new file under a random name and check it.

    Raises 400 when no file was sent, 413 ``too_large`` above *max_bytes* (default ``MAX_FILE_MB``),
    415 ``unsupported_type`` unless the content is one of *allowed*; nothing stays on disk then.
    The file is deleted again unless the surrounding transaction commits.
    """
    if upload is None or not getattr(upload, "filename", None):
        raise InvalidInput(fields={"file": [msg(N_("请选择要上传的文件。"))]})
    limit = max_bytes if max_bytes is not None else max_file_bytes()
    final = upload_dir() / new_stored_name()
    partial = final.with_suffix(".part")
    try:
        with partial.open("xb") as target:
            size, sha256, head = _copy_capped(upload.stream, target, limit)
        kind = _recognise(partial, head, allowed)
        pages = _pdf_pages(partial) if kind is FileKind.PDF else None
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    _remember(_NEW, final)
    return Received(final, clean_filename(upload.filename, kind), size, sha256, kind, pages)


def store_upload(
    campaign_id: int,
    purpose: str,
    upload: Any,
    *,
    application_id: int | None = None,
    allowed: Collection[FileKind] = ALL_KINDS,
    max_bytes: int | None = None,
) -> StoredFile:
    """Check and store one upload for *purpose* ('attachment', 'training', 'veto_evidence').

    Returns the flushed :class:`StoredFile` (original name, size, SHA-256, type); errors as
    :func:`receive`. Download it with :func:`send_stored`.
    """
    received = receive(upload, allowed, max_bytes)
    if application_id is not None and purpose == "attachment":
        same = attachment_of(application_id, received.sha256)
        if same is not None:
            raise Duplicate(
                msg(N_("该文件与已上传的附件“%(name)s”内容完全相同,无需重复上传。"), name=same.filename)
            )
    stored = StoredFile(
        campaign_id=campaign_id,
        application_id=application_id,
        purpose=purpose,
        filename=received.filename,
        stored_name=received.path.name,
        size=received.size,
        sha256=received.sha256,
        content_type=received.kind.content_type,
        page_count=received.pages,
    )
    db.session.add(stored)
    try:
        db.session.flush()
    except IntegrityError:
        # Lost a race against the UNIQUE index on an application's attachment contents. No SAVEPOINT
        # (pysqlite would commit on RELEASE outside a transaction): the transaction is spoilt, so end
        # it here; the new file on disk goes with it.
        db.session.rollback()
        raise Duplicate(msg(N_("该文件与已上传的附件内容完全相同,无需重复上传。"))) from None
    return stored


def delete_stored(stored: StoredFile) -> None:
    """Delete the row now and the file once the transaction commits."""
    if is_stored_name(stored.stored_name):
        _remember(_DOOMED, path_of(stored))
    db.session.delete(stored)
    db.session.flush()


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """``attachment`` (or ``inline``) with an ASCII fallback name and the real one as RFC 5987
    ``filename*``."""
    stem, dot, ext = filename.rpartition(".")
    ascii_ext = ext if dot and ext.isascii() and ext.isalnum() else "bin"
    fallback = "".join(c for c in (stem if dot else filename) if c.isascii() and (c.isalnum() or c in "-_."))
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback or 'download'}.{ascii_ext}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download_name(stored: StoredFile) -> str:
    """The name offered on download, its extension following the recorded type (rows stored before
    names were corrected on upload included)."""
    kind = next((k for k in FileKind if k.content_type == stored.content_type), None)
    return clean_filename(stored.filename, kind) if kind else stored.filename


def send_stored(stored: StoredFile, *, inline: bool = False) -> Response:
    """The file as a download: ``Content-Disposition: attachment`` (or ``inline`` to open it in the
    browser) with the original (Chinese) name (RFC 5987 ``filename*``), its recorded type,
    ``nosniff`` and no caching by shared proxies."""
    path = path_of(stored)
    if not path.is_file():
        raise NotFound(msg(N_("文件已不存在。")))
    response = send_file(path, mimetype=stored.content_type, max_age=0)
    return _download(response, download_name(stored), inline=inline)


def send_pdf(data: bytes, filename: str, *, inline: bool = False) -> Response:
    """A generated PDF (cards, scoring forms, tally, notice, certificates) with the same headers as
    :func:`send_stored`. The one way API and HTML views answer with a PDF; *inline* to show it
    in the browser (a public notice) rather than download it."""
    return send_bytes(data, "application/pdf", filename, inline=inline)


CSV_TYPE = "text/csv; charset=utf-8"


def send_csv(data: Any, filename: str) -> Response:
    """A generated CSV (bytes, text or a stream of either; written by ``evalflow.shared.files.csvfile``) as a
    download: ``Content-Type: text/csv; charset=utf-8`` exactly once."""
    return _download(Response(data, content_type=CSV_TYPE), filename)


def send_bytes(data: Any, mimetype: str, filename: str, *, inline: bool = False) -> Response:
    """Any generated file (PDF, CSV, XLSX, ZIP; bytes, text or a stream of either) under its
    (Chinese) name, never cached."""
    return _download(Response(data, mimetype=mimetype), filename, inline=inline)


def _download(response: Response, filename: str, *, inline: bool = False) -> Response:
    response.headers["Content-Disposition"] = content_disposition(filename, inline=inline)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def attachment_of(application_id: int, sha256: str) -> StoredFile | None:
    """The application's attachment with these exact contents, if any."""
    stmt = sa.select(StoredFile).where(
        StoredFile.application_id == application_id,
        StoredFile.purpose == "attachment",
        StoredFile.sha256 == sha256,
    )
    return db.session.scalars(stmt).first()


def attachment_count(application_id: int) -> int:
    stmt = sa.select(sa.func.count()).where(
        StoredFile.application_id == application_id, StoredFile.purpose == "attachment"
    )
    return int(db.session.scalar(stmt) or 0)


def usage(application_id: int) -> int:
    """Bytes already stored for an application's attachments."""
    stmt = sa.select(sa.func.coalesce(sa.func.sum(StoredFile.size), 0)).where(
        StoredFile.application_id == application_id, StoredFile.purpose == "attachment"
    )
    return int(db.session.scalar(stmt) or 0)


# --- keeping disk and database consistent -------------------------------------------------------


def track_new(path: Path) -> None:
    """A file written in the current transaction: deleted again unless the transaction commits."""
    _remember(_NEW, path)


def _remember(key: str, path: Path) -> None:
    session = db.session()
    session.info.setdefault(key, []).append(path)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT released: the real commit is still to come
        return
    for path in session.info.pop(_DOOMED, []):
        Path(path).unlink(missing_ok=True)
    session.info.pop(_NEW, None)


def _after_transaction_end(session: Session, transaction: Any) -> None:
    """A root transaction that ended without a commit: forget removals, delete new files."""
    if transaction.parent is not None or transaction.nested:
        return
    for path in session.info.pop(_NEW, []):
        Path(path).unlink(missing_ok=True)
    session.info.pop(_DOOMED, None)


sa.event.listen(Session, "after_commit", _after_commit)
sa.event.listen(Session, "after_transaction_end", _after_transaction_end)
