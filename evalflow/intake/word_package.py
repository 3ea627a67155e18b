"""Reading a .docx package within bounds: ZIP entries, part sizes, XML elements, paragraphs, characters
and a time budget, all counted while streaming; DTDs and entities never resolved."""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from lxml import etree

from evalflow.intake.rules import MAX_REPORT
from evalflow.shared import cpu
from evalflow.shared.errors import InvalidInput, TooLarge
from evalflow.shared.messages import N_, msg

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


REL = "http://schemas.openxmlformats.org/package/2006/relationships"


CT = "http://schemas.openxmlformats.org/package/2006/content-types"


MAIN_TYPES = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)


@dataclass(frozen=True)
class Limits:
    entries: int = 2_000  # ZIP entries
    part_bytes: int = 25 * 1024 * 1024  # uncompressed bytes of one XML part we read
    elements: int = 400_000  # XML elements over all parts read
    paragraphs: int = 20_000
    chars: int = MAX_REPORT * 2  # text characters (the body may hold MAX_REPORT after tidying)
    seconds: float = 3.0  # CPU time of the request's thread, GC pauses left out (shared/cpu)


LIMITS = Limits()


def unreadable() -> InvalidInput:
    return InvalidInput(fields={"file": [msg(N_("无法读取该 Word 文件,请确认它是有效的 .docx 文件。"))]})


def _too_big(what: str, limit: int) -> TooLarge:
    return TooLarge(
        msg(
            N_("该 Word 文件过于复杂,无法导入(%(what)s超过 %(limit)d)。请删除多余的空段落或拆分文件后重试。"),
            what=what,
            limit=limit,
        )
    )


_PARAGRAPH_TAG = re.compile(rb"<w:p[\s>/]")


STRICT_W = b"http://purl.oclc.org/ooxml/wordprocessingml/main"


class _Capped:
    """A read-only stream that refuses to yield more than *limit* bytes (ZIP sizes can lie), and
    reads ISO/IEC 29500 Strict documents as Transitional ones (only the namespace name differs for
    what is read here)."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        self.raw, self.limit, self.count = raw, limit, 0
        self.held = b""

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(65536 if size is None or size < 0 else min(size, 65536))
        self.count += len(chunk)
        if self.count > self.limit:
            raise TooLarge(
                msg(
                    N_("该 Word 文件解压后过大(单个部件超过 %(mb)d MB),无法导入。"),
                    mb=self.limit // (1024 * 1024),
                )
            )
        data = (self.held + chunk).replace(STRICT_W, W.encode())
        if not chunk:
            self.held = b""
            return data
        keep = len(STRICT_W) - 1  # a namespace name cut by the chunk boundary is completed next time
        self.held, data = data[-keep:], data[:-keep]
        return data if data else self.read(size)


@dataclass
class _Budget:
    limits: Limits
    deadline: float
    elements: int = 0
    paragraphs: int = 0
    chars: int = 0

    def element(self) -> None:
        self.elements += 1
        if self.elements > self.limits.elements:
            raise _too_big(msg(N_("XML 元素数")), self.limits.elements)
        if self.elements % 2048 == 0 and cpu.own_seconds() > self.deadline:
            raise TooLarge(msg(N_("该 Word 文件过于复杂,无法在规定时间内读取。请拆分文件后重试。")))

    def paragraph(self) -> None:
        self.paragraphs += 1
        if self.paragraphs > self.limits.paragraphs:
            raise _too_big(msg(N_("段落数")), self.limits.paragraphs)

    def text(self, text: str) -> None:
        self.chars += len(text)
        if self.chars > self.limits.chars:
            raise TooLarge(
                msg(
                    N_("该 Word 文件的文字超过 %(max)d 字,超出汇报材料的长度上限,请精简后再导入。"),
                    max=MAX_REPORT,
                )
            )


class _Package:
    def __init__(self, archive: zipfile.ZipFile, budget: _Budget) -> None:
        self.archive, self.budget = archive, budget
        self.names = set(archive.namelist())

    def events(self, name: str, events: tuple[str, ...] = ("start", "end")) -> Iterator[tuple[str, Any]]:
        """Stream the XML part *name*: (event, element), counting elements; DTDs refused."""
        try:
            raw = self.archive.open(name)
        except (KeyError, zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError):
            raise unreadable() from None
        with raw:
            stream = _Capped(raw, self.budget.limits.part_bytes)
            parser = etree.iterparse(
                stream, events=events, resolve_entities=False, load_dtd=False, no_network=True,
                huge_tree=False, remove_comments=True, remove_pis=True,
            )  # fmt: skip
            try:
                counted = "start" if "start" in events else "end"
                for event, element in parser:
                    if event == counted:
                        self.budget.element()
                    yield event, element
                docinfo = parser.root.getroottree().docinfo if parser.root is not None else None
            except (etree.LxmlError, zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError):
                raise unreadable() from None
            if docinfo is not None and docinfo.doctype:
                raise unreadable()

    def prescan(self, name: str) -> None:
        """A fast byte-level pass over a story part, refusing it before any XML is parsed when its
        paragraph or element count is over the limits (the usual ``w:`` prefix; the parse itself
        counts again whatever the prefix)."""
        limits, tail = self.budget.limits, b""
        paragraphs = elements = 0
        try:
            raw = self.archive.open(name)
        except (KeyError, zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError):
            raise unreadable() from None
        with raw:
            stream = _Capped(raw, limits.part_bytes)
            try:
                while chunk := stream.read(1 << 20):
                    data = tail + chunk
                    paragraphs += len(_PARAGRAPH_TAG.findall(data)) - len(_PARAGRAPH_TAG.findall(tail))
                    elements += chunk.count(b"<") - chunk.count(b"</")
                    tail = data[-8:]
                    if paragraphs > limits.paragraphs:
                        raise _too_big(msg(N_("段落数")), limits.paragraphs)
                    if elements > limits.elements:
                        raise _too_big(msg(N_("XML 元素数")), limits.elements)
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError):
                raise unreadable() from None

    def small_tree(self, name: str) -> Any | None:
        """A small XML part as a tree (relationships, content types), or None when absent."""
        if name not in self.names:
            return None
        root = None
        for _event, element in self.events(name, ("end",)):
            root = element
        return root

    def relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """``{rId: (type suffix, target part name)}`` of *part* ('' for the package)."""
        folder, base = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", base + ".rels")
        root = self.small_tree(rels)
        result: dict[str, tuple[str, str]] = {}
        if root is None:
            return result
        for rel in root.iter(f"{{{REL}}}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target") or ""
            target = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(folder, target))
            )
            result[rel.get("Id") or ""] = ((rel.get("Type") or "").rsplit("/", 1)[-1], target)
        return result


def main_part(package: _Package) -> str:
    """The main document part: by the package relationship, then the content types, then the name."""
    for kind, target in package.relationships("").values():
        if kind == "officeDocument" and target in package.names:
            return target
    types = package.small_tree("[Content_Types].xml")
    if types is not None:
        for override in types.iter(f"{{{CT}}}Override"):
            name = (override.get("PartName") or "").lstrip("/")
            if override.get("ContentType") in MAIN_TYPES and name in package.names:
                return name
    if "word/document.xml" in package.names:
        return "word/document.xml"
    raise unreadable()
