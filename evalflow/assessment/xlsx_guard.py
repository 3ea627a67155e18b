"""Checks an uploaded XLSX package before openpyxl reads it, so a crafted file cannot exhaust the server.

openpyxl reads a workbook's parts with the standard library's XML parser (expat), which expands
internal entities, and loads the whole shared-string table into memory even in read-only mode. So
before it sees the file, :func:`check_package`:

1. caps the upload's size (:data:`MAX_FILE_BYTES`);
2. recognises the container by its first bytes: an OLE compound file is an encrypted (password
   protected) workbook or an old ``.xls``, anything else that is not a ZIP is not a workbook;
3. reads the ZIP's central directory and caps the number of entries and each entry's and the sum of
   their uncompressed sizes — :mod:`zipfile` never inflates more than an entry's declared size (a
   lying header ends in a CRC error), so the declared sizes bound the work;
4. streams every entry once and refuses a DOCTYPE or ENTITY declaration (OOXML never has one; this
   is what stops entity expansion), XML in an encoding other than UTF-8 (where those markers could
   hide), an encrypted ZIP entry, and more than :data:`MAX_TAGS` tags (``<``) over all entries —
   a shared-string table of a million tiny strings is only a few megabytes, yet costs openpyxl
   seconds of CPU and hundreds of megabytes (measured: 1 000 000 strings, 7.5 s, 300 MB).

Cell-level limits (rows, columns, the length of a cell) are the workbook reader's job.
"""

from __future__ import annotations

import io
import re
import zipfile

from evalflow.shared.errors import InvalidInput, TooLarge, UnsupportedType
from evalflow.shared.messages import N_, msg

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ENTRIES = 100
MAX_PART_BYTES = 4 * 1024 * 1024
MAX_TOTAL_BYTES = 16 * 1024 * 1024
MAX_TAGS = 200_000  # a 500-item tree takes about 30 000
CHUNK = 64 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
DECLARATIONS = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
UTF16_STARTS = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")


def unreadable() -> InvalidInput:
    return InvalidInput(msg(N_("无法读取该文件:文件已损坏或不完整,请在 Excel 中重新保存为 .xlsx 后再上传。")))


def check_package(content: bytes) -> None:
    """Raise :class:`TooLarge`, :class:`UnsupportedType` or :class:`InvalidInput` unless *content*
    is a ZIP package within every bound above; return quietly otherwise."""
    if len(content) > MAX_FILE_BYTES:
        raise TooLarge(msg(N_("文件过大:最大 %(max)d MB。"), max=MAX_FILE_BYTES // (1024 * 1024)))
    if content.startswith(OLE_MAGIC):
        raise UnsupportedType(
            msg(N_("该文件设有密码或是旧版 .xls 格式:请在 Excel 中取消密码,另存为 .xlsx 后再上传。"))
        )
    if not content.startswith(ZIP_MAGIC):
        raise UnsupportedType(msg(N_("只接受 Excel 工作簿(.xlsx)文件。")))
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise unreadable() from None
    with archive:
        infos = archive.infolist()
        _check_sizes(infos)
        tags = 0
        for info in infos:
            tags += _scan(archive, info)
            if tags > MAX_TAGS:
                raise TooLarge(msg(N_("文件解压后内容过多,不像是测评体系工作簿。")))


def _check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    too_big = TooLarge(msg(N_("文件解压后内容过多,不像是测评体系工作簿。")))
    if len(infos) > MAX_ENTRIES:
        raise too_big
    if any(info.file_size > MAX_PART_BYTES for info in infos):
        raise too_big
    if sum(info.file_size for info in infos) > MAX_TOTAL_BYTES:
        raise too_big


def _scan(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """Stream one entry: no DTD or entity declaration, and XML only in UTF-8; return its tag count."""
    if info.flag_bits & 0x1:
        raise UnsupportedType(msg(N_("该文件设有密码:请在 Excel 中取消密码,另存为 .xlsx 后再上传。")))
    tail = b""
    first = True
    tags = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                if first:
                    _check_start(chunk)
                    first = False
                if DECLARATIONS.search(tail + chunk):
                    raise InvalidInput(msg(N_("工作簿中含有不允许的 XML 声明(DOCTYPE/ENTITY)。")))
                tail = chunk[-16:]
                tags += chunk.count(b"<")
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, ValueError):
        raise unreadable() from None
    return tags


def _check_start(chunk: bytes) -> None:
    if chunk.startswith(UTF16_STARTS):  # how expat recognises UTF-16 (a BOM, or "<" with a zero byte)
        raise unreadable()
    head = chunk.removeprefix(b"\xef\xbb\xbf")
    found = ENCODING.match(head)
    if found and found.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        raise unreadable()
