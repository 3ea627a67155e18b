"""The text of a .docx report, read in one bounded streaming pass: nothing lost, nothing unbounded.

Why not python-docx or mammoth: both build the whole document in memory before anything can be
counted (what a small file of empty paragraphs cost that way: bench/README.md, *Figures behind the
code*), and neither renders
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

import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalflow.intake.word_numbering import Numbering, _int, read_numbering
from evalflow.intake.word_package import (
    LIMITS,
    MC,
    Limits,
    W,
    _Budget,
    _Package,
    _too_big,
    main_part,
    unreadable,
)
from evalflow.shared import cpu
from evalflow.shared.messages import N_, msg

# --- reading parts within bounds ----------------------------------------------------------------


# --- numbering ------------------------------------------------------------------------------------


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


_W = f"{{{W}}}"
_NOTE_REFERENCES = {_W + "footnoteReference": "f", _W + "endnoteReference": "e"}


class _Story:
    """One streaming pass over a story part (the body, or the foot- or endnotes): the open
    paragraphs, tables, rows and cells as a stack, filled as their elements start and end."""

    def __init__(self, walk: _Walk, note_tag: str | None) -> None:
        self.walk, self.note_tag = walk, note_tag
        self.containers: list[list[str]] = [[]]  # lines of the story, or of the open table cells
        self.tables: list[_Table] = []
        self.rows: list[list[str]] = []
        self.paras: list[_Para] = []
        self.skip = 0
        self.notes: dict[str, list[str]] = {}
        self.note_id: str | None = None

    def start(self, tag: str, element: Any) -> None:
        if self.skip or tag in _SKIP:
            self.skip += 1
        elif tag == _W + "p":
            self.paras.append(_Para())
        elif tag == _W + "tbl":
            self.tables.append(_Table())
        elif tag == _W + "tr":
            self.rows.append([])
        elif tag == _W + "tc":
            self.containers.append([])
        elif self.note_tag and tag == self.note_tag:
            kind = element.get(_W + "type")
            self.note_id = element.get(_W + "id") if kind in (None, "normal") else None
            self.containers = [[]]
        elif tag in _NOTE_REFERENCES and self.paras:
            self._note_reference(_NOTE_REFERENCES[tag], element.get(_W + "id") or "")
        elif tag == _W + "fldChar" and self.paras:
            # text between a field's begin and separate is its code, not what the reader sees
            self.paras[-1].in_field_code = element.get(_W + "fldCharType") == "begin"

    def _note_reference(self, kind: str, note: str) -> None:
        walk, key = self.walk, (kind, note)
        number = walk.notes.setdefault(key, len(walk.notes) + 1)
        if number == len(walk.notes) and key not in walk.note_order:
            walk.note_order.append(key)
        self.paras[-1].parts.append(f"[{number}]")

    def end(self, tag: str, element: Any) -> None:
        if self.skip:
            self.skip -= 1
            if self.skip == 0:
                element.clear()
        elif self.paras and self._run_content(tag, element):
            return
        elif tag == _W + "p" and self.paras:
            self._end_paragraph()
            element.clear()
        elif tag == _W + "tc" and len(self.containers) > 1:
            cell = self.containers.pop()
            if self.rows:
                self.rows[-1].append(" ".join(line.strip() for line in cell if line.strip()))
        elif tag == _W + "tr" and self.rows:
            row = self.rows.pop()
            if self.tables:
                self.tables[-1].rows.append(row)
        elif tag == _W + "tbl" and self.tables:
            self._end_table()
            element.clear()
        elif self.note_tag and tag == self.note_tag:
            if self.note_id is not None:
                self.notes[self.note_id] = self.containers[0]
            self.containers, self.note_id = [[]], None
            element.clear()

    def _run_content(self, tag: str, element: Any) -> bool:
        """Text, tabs, breaks, symbols and the paragraph's properties; False for any other tag."""
        para = self.paras[-1]
        if tag == _W + "t":
            if not para.in_field_code:
                text = element.text or ""
                self.walk.budget.text(text)
                para.parts.append(text)
        elif tag in (_W + "tab", _W + "ptab"):
            if element.getparent() is not None and element.getparent().tag == _W + "r":
                para.parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            if element.get(_W + "type") != "page":
                para.parts.append("\n")
        elif tag == _W + "noBreakHyphen":
            para.parts.append("-")
        elif tag == _W + "sym":
            para.parts.append(_symbol(element.get(_W + "char") or ""))
        elif tag == _W + "pStyle":
            para.style = element.get(_W + "val")
        elif tag == _W + "numId":
            para.num_id = element.get(_W + "val")
        elif tag == _W + "ilvl":
            para.ilvl = _int(element.get(_W + "val"))
        else:
            return False
        return True

    def _end_paragraph(self) -> None:
        walk = self.walk
        walk.budget.paragraph()
        para = self.paras.pop()
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
                self.containers[-1].append((label if i == 0 else "") + line)
        else:
            self.containers[-1].append("")

    def _end_table(self) -> None:
        table = self.tables.pop()
        lines = render_table(table.rows)
        if len(self.containers) > 1 and self.tables:  # a table in a cell: flattened into the cell
            self.containers[-1].append(" ".join(line.strip() for line in lines))
        else:
            self.containers[-1].extend(lines)


def _symbol(char: str) -> str:
    """A ``w:sym`` character; private-use (symbol font) and control codes are left out."""
    try:
        code = int(char, 16)
    except ValueError:
        return ""
    return "" if 0xE000 <= code <= 0xF8FF or code < 0x20 else chr(code)


def _story(package: _Package, part: str, walk: _Walk, note_tag: str | None = None) -> Any:
    """Stream a story part. For the body: the lines. For notes: the lines of every note, keyed by
    id (separators left out)."""
    story = _Story(walk, note_tag)
    for event, element in package.events(part):
        if event == "start":
            story.start(element.tag, element)
        else:
            story.end(element.tag, element)
    return story.notes if note_tag else story.containers[0]


@dataclass(frozen=True)
class WordText:
    """The document's lines in order (empty strings for blank paragraphs, the notes at the end),
    and how many lines of a Word table of contents were left out (the outline replaces it)."""

    lines: list[str]
    toc_lines: int = 0


def read_docx(path: Path | str, limits: Limits = LIMITS) -> WordText:
    """The text of the .docx at *path*, within *limits*; raises 400/413 with a Chinese message."""
    budget = _Budget(limits, cpu.own_seconds() + limits.seconds)
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
