"""Pure rules of uploaded files: the kinds we accept, recognised by their magic bytes, and safe names."""

from __future__ import annotations

import enum
import re
from collections.abc import Collection

from evalflow.shared.messages import N_, Message, msg


class FileKind(enum.StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    JPEG = "jpeg"
    PNG = "png"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self]


CONTENT_TYPES: dict[FileKind, str] = {
    FileKind.PDF: "application/pdf",
    FileKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileKind.JPEG: "image/jpeg",
    FileKind.PNG: "image/png",
}


ZIP_MAGIC = b"PK\x03\x04"


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .wps, .xls of old Office/WPS


def _looks_like_word_package(zip_names: Collection[str]) -> bool:
    if "word/document.xml" in zip_names:
        return True
    return "[Content_Types].xml" in zip_names and any(
        n.startswith("word/") and n.endswith(".xml") and "/" not in n[5:] for n in zip_names
    )


def sniff(head: bytes, zip_names: Collection[str] | None = None) -> FileKind | None:
    """Recognise a file by its first bytes (and, for a ZIP, the names inside it); never by its name.

    A DOCX is an Open Packaging ZIP with a ``word/`` part (the main part may be named
    ``word/document2.xml``; the import finds it through the package relationships); any other ZIP
    is not accepted.
    """
    if head.startswith(b"%PDF-"):
        return FileKind.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if head.startswith(ZIP_MAGIC) and zip_names is not None and _looks_like_word_package(zip_names):
        return FileKind.DOCX
    return None


def office_hint(head: bytes, zip_names: Collection[str] | None = None) -> Message | None:
    """For an old or other word-processor format (.doc, .wps, .odt): how to make a .docx of it."""
    if head.startswith(OLE_MAGIC):
        return msg(
            N_("这是旧版 Word/WPS 文件(.doc/.wps),无法读取:请在 Word 或 WPS 中“另存为” .docx 格式后再上传。")
        )
    if (
        head.startswith(ZIP_MAGIC)
        and zip_names is not None
        and "mimetype" in zip_names
        and "content.xml" in zip_names
    ):
        return msg(
            N_(
                "这是 OpenDocument 文件(.odt),无法读取:请在 WPS、LibreOffice 或 Word 中“另存为” .docx 格式后再上传。"
            )
        )
    return None


EXTENSIONS: dict[FileKind, tuple[str, ...]] = {
    FileKind.PDF: ("pdf",),
    FileKind.DOCX: ("docx",),
    FileKind.JPEG: ("jpg", "jpeg", "jpe"),
    FileKind.PNG: ("png",),
}


def clean_filename(name: str | None, kind: FileKind) -> str:
    """The name shown and offered on download: path parts and control characters removed, and an
    extension that matches the detected *kind* (a PDF sent as ``报告.exe`` is kept as ``报告.pdf``)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().strip(".")
    stem, dot, ext = base.rpartition(".")
    if not dot or ext.lower() not in EXTENSIONS[kind]:
        stem, ext = (stem if dot and ext.isascii() and 0 < len(ext) <= 5 else base), EXTENSIONS[kind][0]
    stem = stem.strip().rstrip(".").strip() or "file"
    return f"{stem[:190]}.{ext}"


def human_size(size: int) -> str:
    """A file size for people: bytes below 1 KB (never "0.0 KB"), then KB and MB with one decimal."""
    if size < 1024:
        return f"{max(size, 0)} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
