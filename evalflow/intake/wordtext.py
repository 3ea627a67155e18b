"""The text of a .docx report, read in one bounded streaming pass: nothing lost, nothing unbounded.

Why not python-docx or mammoth: both build the whole document in memory before anything can be
counted (a 171 KB file with 1.4 million empty paragraphs took 31 s and 1.4 GB), and neither renders
Word's automatic numbering as the reader sees it ("一、", "(一)", "1.1") — python-docx drops it,
mammoth turns it into ``<ol>`` whose numbers depend on the browser. The report body is plain text
(the review page, the version diff and the PDF outputs all show plain text), so the import writes a
faithful *structured plain text*:

* paragraphs and tables in document order; a table becomes one line per row, cells separated by
  `` | `` and padded to a common width when the column is narrow;
* automatic list numbers rendered from ``numbering.xml`` (direct or through the paragraph style),
  so the outline (一、/(一)) is found for them as for typed numbers;
* footnotes and endnotes as ``[1]`` markers with the notes listed at the end;
* content controls, tracked insertions, hyperlinks, smart tags and field results kept; tracked
  deletions, moved-away text, field codes and the fallback copy of text boxes left out.

Bounds are checked while streaming (lxml ``iterparse``), before anything is built: the number of
ZIP entries, the uncompressed size of every part read, XML elements, paragraphs, characters and a
wall-clock budget. A file over any bound is refused with a 4xx and a message in Chinese. DTDs and
entities are never resolved.
"""

from __future__ import annotations

import posixpath
import re
import time
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from lxml import etree

from evalflow.intake.rules import MAX_REPORT
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
    seconds: float = 3.0  # CPU time of the request's thread (fair under load)


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


# --- reading parts within bounds ----------------------------------------------------------------


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
        if self.elements % 2048 == 0 and time.thread_time() > self.deadline:
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


# --- numbering ------------------------------------------------------------------------------------

_CN_DIGITS = "零一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_PUA_BULLET = "•"


def _chinese(n: int, digits: str = _CN_DIGITS, units: str = "十百千") -> str:
    if n <= 0 or n >= 10000:
        return str(n)
    parts, zero = [], False
    for power, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, "")):
        d, n = divmod(n, power)
        if d:
            if zero:
                parts.append(digits[0])
            parts.append(digits[d] + unit)
            zero = False
        elif parts:
            zero = True
    text = "".join(parts)
    return text[1:] if text.startswith(digits[1] + units[0]) and digits is _CN_DIGITS else text


def _letters(n: int) -> str:
    n = max(n, 1)
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    if not 0 < n < 4000:
        return str(n)
    out = ""
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                       (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):  # fmt: skip
        count, n = divmod(n, value)
        out += sym * count
    return out


def format_number(n: int, fmt: str) -> str:
    """One list counter in Word's number format *fmt* (unknown formats fall back to decimal)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting"):
        return _chinese(n)
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional"):
        return _chinese(n, _CN_LEGAL, "拾佰仟")
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return "".join("〇一二三四五六七八九"[int(d)] for d in str(n))
    if fmt == "ideographTraditional":
        return _STEMS[(n - 1) % 10] if n > 0 else str(n)
    if fmt == "ideographZodiac":
        return _BRANCHES[(n - 1) % 12] if n > 0 else str(n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle"):
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else f"({n})"
    if fmt == "decimalEnclosedParen":
        return chr(0x2474 + n - 1) if 1 <= n <= 20 else f"({n})"
    if fmt == "decimalEnclosedFullstop":
        return chr(0x2488 + n - 1) if 1 <= n <= 20 else f"{n}."
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return "".join(chr(0xFF10 + int(d)) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "none":
        return ""
    return str(n)


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1
    suffix: str = "tab"
    legal: bool = False


@dataclass
class Numbering:
    """Word's list definitions and the running counters, as a reader sees them."""

    abstract: dict[str, dict[int, _Level]] = field(default_factory=dict)
    abstract_style_link: dict[str, str] = field(default_factory=dict)  # abstractNumId -> numStyleLink
    nums: dict[str, str] = field(default_factory=dict)  # numId -> abstractNumId
    overrides: dict[str, dict[int, int]] = field(default_factory=dict)  # numId -> {ilvl: start}
    level_overrides: dict[str, dict[int, _Level]] = field(default_factory=dict)
    style_num: dict[str, tuple[str | None, int | None]] = field(default_factory=dict)
    style_based: dict[str, str] = field(default_factory=dict)
    toc_styles: set[str] = field(default_factory=set)  # "toc 1"… / "目录 1"…: a table of contents
    counters: dict[str, dict[int, int]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def style_numbering(self, style: str | None) -> tuple[str | None, int | None]:
        num_id, ilvl, seen = None, None, set()
        while style and style not in seen:
            seen.add(style)
            s_num, s_lvl = self.style_num.get(style, (None, None))
            num_id = num_id if num_id is not None else s_num
            ilvl = ilvl if ilvl is not None else s_lvl
            style = self.style_based.get(style)
        return num_id, ilvl

    def _abstract_of(self, num_id: str) -> str | None:
        abstract = self.nums.get(num_id)
        for _ in range(3):  # numStyleLink -> style -> num -> abstract
            link = self.abstract_style_link.get(abstract or "")
            if not link:
                break
            linked_num = self.style_numbering(link)[0]
            abstract = self.nums.get(linked_num or "")
        return abstract

    def label(self, num_id: str | None, ilvl: int | None) -> str:
        """The number a reader sees before this paragraph ('' for none), advancing the counters."""
        if not num_id or num_id == "0":
            return ""
        abstract = self._abstract_of(num_id)
        if abstract is None:
            return ""
        ilvl = min(max(ilvl or 0, 0), 8)
        levels = {**self.abstract.get(abstract, {}), **self.level_overrides.get(num_id, {})}
        level = levels.get(ilvl)
        if level is None:
            return ""
        counters = self.counters.setdefault(abstract, {})
        if num_id not in self.used:
            self.used.add(num_id)
            for lvl, start in self.overrides.get(num_id, {}).items():
                counters[lvl] = start - 1
                for deeper in [k for k in counters if k > lvl]:
                    del counters[deeper]
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else level.start
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if level.fmt == "bullet":
            bullet = "".join(_PUA_BULLET if 0xE000 <= ord(c) <= 0xF8FF else c for c in level.text)
            return (bullet or _PUA_BULLET) + ("" if level.suffix == "nothing" else " ")
        text = level.text
        for k in range(ilvl, -1, -1):
            if f"%{k + 1}" not in text:
                continue
            other = levels.get(k, _Level())
            value = counters.get(k, other.start)
            counters.setdefault(k, value)
            fmt = "decimal" if level.legal and other.fmt != "none" else other.fmt
            text = text.replace(f"%{k + 1}", format_number(value, fmt))
        if level.suffix != "nothing" and text and text[-1] not in "、，,．.)）:：]】":
            text += " "
        return text


def _val(element: Any, name: str) -> str | None:
    child = element.find(f"{{{W}}}{name}")
    return None if child is None else child.get(f"{{{W}}}val")


def _int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _read_level(lvl: Any) -> _Level:
    text = lvl.find(f"{{{W}}}lvlText")
    return _Level(
        fmt=_val(lvl, "numFmt") or "decimal",
        text=(text.get(f"{{{W}}}val") or "") if text is not None else "",
        start=_int(_val(lvl, "start"), 1) or 0,
        suffix=_val(lvl, "suff") or "tab",
        legal=lvl.find(f"{{{W}}}isLgl") is not None and _val(lvl, "isLgl") not in ("0", "false"),
    )


def read_numbering(package: _Package, numbering_part: str | None, styles_part: str | None) -> Numbering:
    numbering = Numbering()
    if styles_part and styles_part in package.names:
        for _event, element in package.events(styles_part, ("end",)):
            if element.tag != f"{{{W}}}style":
                continue
            style_id = element.get(f"{{{W}}}styleId") or ""
            name = (_val(element, "name") or "").strip().lower()
            if name.startswith(("toc ", "toc heading", "目录")) or style_id.lower().startswith("toc"):
                numbering.toc_styles.add(style_id)
            based = _val(element, "basedOn")
            if based:
                numbering.style_based[style_id] = based
            num_pr = element.find(f"{{{W}}}pPr/{{{W}}}numPr")
            if num_pr is not None:
                numbering.style_num[style_id] = (_val(num_pr, "numId"), _int(_val(num_pr, "ilvl")))
            element.clear()
    if numbering_part and numbering_part in package.names:
        for _event, element in package.events(numbering_part, ("end",)):
            if element.tag == f"{{{W}}}abstractNum":
                aid = element.get(f"{{{W}}}abstractNumId") or ""
                levels = {}
                for lvl in element.iterfind(f"{{{W}}}lvl"):
                    levels[_int(lvl.get(f"{{{W}}}ilvl"), 0) or 0] = _read_level(lvl)
                numbering.abstract[aid] = levels
                link = _val(element, "numStyleLink")
                if link:
                    numbering.abstract_style_link[aid] = link
                element.clear()
            elif element.tag == f"{{{W}}}num":
                nid = element.get(f"{{{W}}}numId") or ""
                numbering.nums[nid] = _val(element, "abstractNumId") or ""
                for override in element.iterfind(f"{{{W}}}lvlOverride"):
                    ilvl = _int(override.get(f"{{{W}}}ilvl"), 0) or 0
                    start = _int(_val(override, "startOverride"))
                    if start is not None:
                        numbering.overrides.setdefault(nid, {})[ilvl] = start
                    lvl = override.find(f"{{{W}}}lvl")
                    if lvl is not None:
                        numbering.level_overrides.setdefault(nid, {})[ilvl] = _read_level(lvl)
                element.clear()
    return numbering


# --- the text walk --------------------------------------------------------------------------------

_SKIP = {
    f"{{{MC}}}Fallback",  # the legacy copy of a text box already read in mc:Choice
    f"{{{W}}}moveFrom",  # text moved away (tracked)
    f"{{{W}}}del",  # tracked deletion (its runs hold w:delText; skipped whole for clarity)
    f"{{{W}}}sdtPr",
    f"{{{W}}}sdtEndPr",
    f"{{{W}}}rPr",
    f"{{{W}}}tblPr",
    f"{{{W}}}tblGrid",
    f"{{{W}}}trPr",
    f"{{{W}}}pPrChange",
    f"{{{W}}}sectPr",
    f"{{{W}}}fldData",
    f"{{{W}}}instrText",
    f"{{{W}}}delInstrText",
    f"{{{W}}}footnotePr",
    f"{{{W}}}endnotePr",
}


@dataclass
class _Para:
    parts: list[str] = field(default_factory=list)
    style: str | None = None
    num_id: str | None = None
    ilvl: int | None = None
    in_field_code: bool = False


@dataclass
class _Table:
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class _Walk:
    """State of one streaming pass over a story (the body, or the footnotes)."""

    budget: _Budget
    numbering: Numbering
    notes: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, id) -> marker number
    note_order: list[tuple[str, str]] = field(default_factory=list)
    toc_lines: int = 0


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def render_table(rows: list[list[str]]) -> list[str]:
    """Rows of cells as lines: `` | `` between cells, narrow columns padded to a common width."""
    width = max((len(r) for r in rows), default=0)
    rows = [r + [""] * (width - len(r)) for r in rows]
    pads = []
    for col in range(width):
        widest = max((_display_width(r[col]) for r in rows), default=0)
        pads.append(widest if widest <= 24 else 0)
    lines = []
    for row in rows:
        cells = []
        for col, cell in enumerate(row):
            last = col == width - 1
            cells.append(cell if last or not pads[col] else cell + " " * (pads[col] - _display_width(cell)))
        line = " | ".join(cells)
        while line.endswith((" ", " |")):  # trailing empty cells
            line = line.removesuffix(" |").rstrip()
        if line.replace("|", "").strip():
            lines.append(line)
    return lines


def _story(package: _Package, part: str, walk: _Walk, note_tag: str | None = None) -> Any:
    """Stream a story part. For the body: yield nothing and return the lines. For notes: the lines
    of every note, keyed by id (separators left out)."""
    w = f"{{{W}}}"
    containers: list[Any] = [[]]  # list[str] lines, or a cell: list[str]
    tables: list[_Table] = []
    rows: list[list[str]] = []
    paras: list[_Para] = []
    skip = 0
    notes: dict[str, list[str]] = {}
    note_id: str | None = None
    for event, element in package.events(part):
        tag = element.tag
        if event == "start":
            if skip or tag in _SKIP:
                skip += 1
                continue
            if tag == w + "p":
                paras.append(_Para())
            elif tag == w + "tbl":
                tables.append(_Table())
            elif tag == w + "tr":
                rows.append([])
            elif tag == w + "tc":
                containers.append([])
            elif note_tag and tag == note_tag:
                note_id = element.get(w + "id")
                kind = element.get(w + "type")
                containers = [[]]
                if kind not in (None, "normal"):
                    note_id = None
            elif tag in (w + "footnoteReference", w + "endnoteReference") and paras:
                key = ("f" if tag == w + "footnoteReference" else "e", element.get(w + "id") or "")
                number = walk.notes.setdefault(key, len(walk.notes) + 1)
                if number == len(walk.notes) and key not in walk.note_order:
                    walk.note_order.append(key)
                paras[-1].parts.append(f"[{number}]")
            elif tag == w + "fldChar" and paras:
                kind = element.get(w + "fldCharType")
                paras[-1].in_field_code = kind == "begin"
                if kind == "separate":
                    paras[-1].in_field_code = False
            continue
        # end
        if skip:
            skip -= 1
            if skip == 0:
                element.clear()
            continue
        if tag == w + "t" and paras:
            if not paras[-1].in_field_code:
                text = element.text or ""
                walk.budget.text(text)
                paras[-1].parts.append(text)
        elif tag in (w + "tab", w + "ptab") and paras:
            if element.getparent() is not None and element.getparent().tag == w + "r":
                paras[-1].parts.append("\t")
        elif tag in (w + "br", w + "cr") and paras:
            if element.get(w + "type") != "page":
                paras[-1].parts.append("\n")
        elif tag == w + "noBreakHyphen" and paras:
            paras[-1].parts.append("-")
        elif tag == w + "sym" and paras:
            char = element.get(w + "char") or ""
            try:
                code = int(char, 16)
                paras[-1].parts.append("" if 0xE000 <= code <= 0xF8FF or code < 0x20 else chr(code))
            except ValueError:
                pass
        elif tag == w + "pStyle" and paras:
            paras[-1].style = element.get(w + "val")
        elif tag == w + "numId" and paras:
            paras[-1].num_id = element.get(w + "val")
        elif tag == w + "ilvl" and paras:
            paras[-1].ilvl = _int(element.get(w + "val"))
        elif tag == w + "p" and paras:
            walk.budget.paragraph()
            para = paras.pop()
            text = "".join(para.parts)
            if para.style in walk.numbering.toc_styles:  # page numbers of Word's table of contents
                walk.toc_lines += bool(text.strip())
            elif text.strip() or para.num_id:
                num_id, ilvl = para.num_id, para.ilvl
                if num_id is None or ilvl is None:
                    s_num, s_lvl = walk.numbering.style_numbering(para.style)
                    num_id = num_id if num_id is not None else s_num
                    ilvl = ilvl if ilvl is not None else s_lvl
                label = walk.numbering.label(num_id, ilvl) if text.strip() else ""
                for i, line in enumerate(text.split("\n")):
                    containers[-1].append((label if i == 0 else "") + line)
            else:
                containers[-1].append("")
            element.clear()
        elif tag == w + "tc" and len(containers) > 1:
            cell = containers.pop()
            if rows:
                rows[-1].append(" ".join(line.strip() for line in cell if line.strip()))
        elif tag == w + "tr" and rows:
            row = rows.pop()
            if tables:
                tables[-1].rows.append(row)
        elif tag == w + "tbl" and tables:
            table = tables.pop()
            lines = render_table(table.rows)
            if len(containers) > 1 and tables:  # a table in a cell: flattened into the cell
                containers[-1].append(" ".join(line.strip() for line in lines))
            else:
                containers[-1].extend(lines)
            element.clear()
        elif note_tag and tag == note_tag:
            if note_id is not None:
                notes[note_id] = containers[0]
            containers = [[]]
            note_id = None
            element.clear()
    return notes if note_tag else containers[0]


@dataclass(frozen=True)
class WordText:
    """The document's lines in order (empty strings for blank paragraphs, the notes at the end),
    and how many lines of a Word table of contents were left out (the outline replaces it)."""

    lines: list[str]
    toc_lines: int = 0


def read_docx(path: Path | str, limits: Limits = LIMITS) -> WordText:
    """The text of the .docx at *path*, within *limits*; raises 400/413 with a Chinese message."""
    budget = _Budget(limits, time.thread_time() + limits.seconds)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise unreadable() from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.entries:
            raise _too_big(msg(N_("压缩包内文件数")), limits.entries)
        package = _Package(archive, budget)
        main = main_part(package)
        package.prescan(main)
        related = {kind: target for kind, target in package.relationships(main).values()}
        numbering = read_numbering(package, related.get("numbering"), related.get("styles"))
        walk = _Walk(budget, numbering)
        lines = _story(package, main, walk)
        notes: dict[tuple[str, str], list[str]] = {}
        for kind, tag, rel in (("f", "footnote", "footnotes"), ("e", "endnote", "endnotes")):
            if any(k == kind for k, _ in walk.notes) and related.get(rel) in package.names:
                note_walk = _Walk(budget, Numbering(), walk.notes, walk.note_order)
                for nid, note_lines in _story(package, related[rel], note_walk, f"{{{W}}}{tag}").items():
                    notes[(kind, nid)] = note_lines
    if walk.notes:
        lines.append("")
        lines.append("注释:")
        for key, number in sorted(walk.notes.items(), key=lambda item: item[1]):
            body = [line.strip() for line in notes.get(key, []) if line.strip()]
            lines.append(f"[{number}] " + (" ".join(body) if body else ""))
    return WordText(lines, walk.toc_lines)
