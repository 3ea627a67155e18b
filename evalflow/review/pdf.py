"""The 综合测评 PDFs: the 测评汇总表 (one row per unit: each source, bonus, deductions, total, rank) and a
unit's 测评表 (every leaf, its value and each sheet behind it). A4, the CJK font embedded
(shared/pdf/fonts), every cell a wrapping paragraph (shared/pdf/layout): a long name wraps inside its
column, never over its neighbour. The documents take plain, already translated data."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import LongTable, SimpleDocTemplate, Spacer, TableStyle

from evalflow.shared.pdf.fonts import cjk_font
from evalflow.shared.pdf.layout import paragraph, style

MARGIN = 16 * mm
FOOTER_Y = 10 * mm
INK, MUTED, LINE, RED, HEAD = (
    HexColor("#1f2329"), HexColor("#6b7280"), HexColor("#d1d5db"), HexColor("#b8202b"), HexColor("#f3f4f6"),
)  # fmt: skip


@dataclass(frozen=True)
class Document:
    """A titled table document: *meta* lines under the title, *header* and *rows* (text cells), the
    relative *widths* of the columns, the columns shown right-aligned, and a note at the end.
    *sections*: further (heading, header, rows, widths) tables after the first one."""

    title: str
    meta: Sequence[str]
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[float]
    numeric: frozenset[int] = frozenset()
    note: str = ""
    page: str = "第 %(n)d 页"
    wide: bool = True
    sections: Sequence[tuple[str, Sequence[str], Sequence[Sequence[str]], Sequence[float]]] = field(
        default_factory=tuple
    )
    warning: str = ""


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float], width: float,
           numeric: frozenset[int]) -> LongTable:  # fmt: skip
    """A table whose every cell wraps within its column; the header repeats on each page."""
    total = sum(widths)
    cols = [width * w / total for w in widths]
    head_st = style(8.5, name="head")
    cell_st, num_st = style(8.5, name="cell"), style(8.5, name="num", align=TA_RIGHT)
    data = [[paragraph(h, head_st) for h in header]]
    for row in rows:
        data.append([paragraph(v, num_st if i in numeric else cell_st) for i, v in enumerate(row)])
    table = LongTable(data, colWidths=cols, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, LINE),
                ("BACKGROUND", (0, 0), (-1, 0), HEAD),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def render(doc: Document) -> bytes:
    """The document as PDF bytes."""
    size = landscape(A4) if doc.wide else A4
    out = io.BytesIO()
    frame = SimpleDocTemplate(
        out, pagesize=size, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN + 4 * mm,
        title=doc.title,
    )  # fmt: skip
    width = size[0] - 2 * MARGIN
    story: list = [paragraph(doc.title, style(15, name="title")), Spacer(1, 3 * mm)]
    story += [paragraph(line, style(9, name="meta", color=MUTED)) for line in doc.meta]
    if doc.warning:
        story.append(paragraph(doc.warning, style(10, name="warn", color=RED)))
    story += [Spacer(1, 3 * mm), _table(doc.header, doc.rows, doc.widths, width, doc.numeric)]
    for heading, header, rows, widths in doc.sections:
        story += [Spacer(1, 4 * mm), paragraph(heading, style(11, name="section")), Spacer(1, 1.5 * mm)]
        story.append(_table(header, rows, widths, width, frozenset()))
    if doc.note:
        story += [Spacer(1, 3 * mm), paragraph(doc.note, style(8.5, name="note", color=MUTED))]

    def footer(canvas: Canvas, _doc: object) -> None:
        canvas.saveState()
        canvas.setFont(cjk_font(), 8)
        canvas.setFillColor(MUTED)
        canvas.drawRightString(size[0] - MARGIN, FOOTER_Y, doc.page % {"n": canvas.getPageNumber()})
        canvas.restoreState()

    frame.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
