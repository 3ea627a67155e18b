"""The blank paper scoring form (评定表) of one seat, for delegates without a phone.

One A4 sheet (more pages when there are many units) per seat: the campaign, the seat's name, unit and
role, the sheet ID that the clerks key in (printed large, top right), the grades with their written
conditions, then every other unit in presentation order with one box per grade to tick.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from evalflow.shared.pdf.fonts import cjk_font
from evalflow.shared.pdf.layout import draw_box, fit, flow, one_line, paragraph, style

INK, MUTED, LINE, RED = HexColor("#1f2329"), HexColor("#6b7280"), HexColor("#9ca3af"), HexColor("#b8202b")
MARGIN = 16 * mm
ROW_H = 9 * mm
BOX = 5 * mm
NUMBER_W = 14 * mm  # the column of the unit's place in the agenda
NAME_MIN = 60 * mm  # the unit's column keeps at least this much when many grades share the row


@dataclass(frozen=True)
class SheetText:
    """The fixed words of the form, passed in translated (Chinese by default)."""

    heading: str = "评定表"
    sheet_id: str = "表号"
    unit: str = "单位"
    role: str = "席位"
    name: str = "姓名"
    conditions: str = "评定条件"
    number: str = "顺序"
    presenter: str = "汇报单位"
    instruction: str = "请在每个汇报单位所在行选择一个档次,在方框内打“√”。不对本单位评分。"
    signature: str = "代表签名:"
    continued: str = "(续)"


@dataclass(frozen=True)
class Sheet:
    sheet_id: str
    campaign: str
    unit: str
    role: str
    name: str
    grades: Sequence[tuple[str, str]]  # (label, written conditions)
    presenters: Sequence[tuple[int, str]]  # (position in the agenda, unit name), own unit left out


class _Writer:
    def __init__(self, canvas: Canvas, font: str, text: SheetText) -> None:
        self.c, self.font, self.text = canvas, font, text
        self.width = A4[0] - 2 * MARGIN
        self.sheet: Sheet | None = None  # the sheet being written, for the header of its next page

    def line(self, top: float, words: str, size: float, color: HexColor = INK) -> float:
        """Write *words* across the page from *top* down (on as many pages as they need); returns the
        top of what follows."""
        para = paragraph(words, style(size, leading=size * 1.45, color=color, font=self.font))
        return flow(self.c, para, MARGIN, top, self.width, MARGIN, self.next_page)

    def next_page(self) -> float:
        self.c.showPage()
        assert self.sheet is not None
        return self.header(self.sheet, continued=True) - 2 * mm

    def header(self, sheet: Sheet, continued: bool) -> float:
        c, top = self.c, A4[1] - MARGIN
        c.setFillColor(INK)
        c.setFont(self.font, 14)
        sheet_id = f"{self.text.sheet_id} {sheet.sheet_id}"
        c.drawRightString(A4[0] - MARGIN, top - 6 * mm, sheet_id)
        heading = self.text.heading + (self.text.continued if continued else "")
        box = self.width - stringWidth(sheet_id, self.font, 14) - 6 * mm
        st = style(18, color=RED, font=self.font)
        draw_box(c, heading, st, MARGIN, top - 8 * mm, box, one_line(st), valign="bottom")
        y = self.line(top - 10 * mm, sheet.campaign, 10, MUTED)
        gap = "\xa0\xa0\xa0 "  # no-break spaces: a paragraph would fold plain ones into one
        facts = f"{self.text.unit}:{sheet.unit}{gap}{self.text.role}:{sheet.role}{gap}{self.text.name}:{sheet.name}"
        return self.line(y - 1 * mm, facts, 11)

    def conditions(self, sheet: Sheet, y: float) -> float:
        y = self.line(y - 2 * mm, self.text.conditions, 11, RED)
        for label, criteria in sheet.grades:
            y = self.line(y, f"{label}:{criteria}", 9)
        return self.line(y - 1 * mm, self.text.instruction, 9, MUTED)

    def _column(self, sheet: Sheet) -> float:
        """The width of a grade's column: 22 mm, narrower when many grades must share the row."""
        return min(22 * mm, (self.width - NUMBER_W - NAME_MIN) / max(len(sheet.grades), 1))

    def _box_x(self, sheet: Sheet, index: int) -> float:
        column = self._column(sheet)
        return A4[0] - MARGIN - (len(sheet.grades) - index) * column + (column - BOX) / 2

    def table_head(self, sheet: Sheet, top: float) -> float:
        """The column heads from *top* down (a grade's label wraps in its column); returns the top of the
        first row."""
        st = style(9, color=MUTED, font=self.font)
        centred = style(9, color=MUTED, font=self.font, align=TA_CENTER)
        width = self._column(sheet) - 1 * mm
        labels = [self._cell(label, centred, width, 3 * one_line(st)) for label, _ in sheet.grades]
        height = max([one_line(st), *(h for _, h in labels)])
        self._draw(paragraph(self.text.number, st), MARGIN, top, NUMBER_W)
        self._draw(paragraph(self.text.presenter, st), MARGIN + NUMBER_W, top, self._name_w(sheet))
        for i, (cell, _) in enumerate(labels):
            self._draw(cell, self._box_x(sheet, i) + BOX / 2 - width / 2, top, width)
        c = self.c
        c.setStrokeColor(LINE)
        c.setLineWidth(0.4)
        c.line(MARGIN, top - height - 1 * mm, A4[0] - MARGIN, top - height - 1 * mm)
        return top - height - 3 * mm

    def _cell(
        self, text: str, st: ParagraphStyle, width: float, height: float, floor: float = 6
    ) -> tuple[Paragraph, float]:
        """*text* whole in a cell *width* wide: shrunk (down to *floor*) to fit *height*, else taller."""
        para = fit(text, st, width, height, floor=floor, cut=False)
        return para, para.wrap(width, height)[1]

    def _draw(self, para: Paragraph, x: float, top: float, width: float) -> None:
        _, height = para.wrap(width, A4[1])
        para.drawOn(self.c, x, top - height)

    def _name_w(self, sheet: Sheet) -> float:
        return self._box_x(sheet, 0) - MARGIN - NUMBER_W - 2 * mm

    def row_height(self, sheet: Sheet, unit: str) -> float:
        return max(ROW_H, self._unit_cell(sheet, unit)[1] + 3 * mm)

    def _unit_cell(self, sheet: Sheet, unit: str) -> tuple[Paragraph, float]:
        """The unit's full name in its column: 11 pt, smaller (down to 8 pt) before it takes a fifth line."""
        st = style(11, leading=14, font=self.font)
        return self._cell(unit, st, self._name_w(sheet), 4 * 14, floor=8)

    def row(self, sheet: Sheet, top: float, position: int, unit: str) -> float:
        c = self.c
        st = style(11, leading=14, font=self.font)
        self._draw(paragraph(str(position), st), MARGIN, top, NUMBER_W)
        cell, height = self._unit_cell(sheet, unit)
        self._draw(cell, MARGIN + NUMBER_W, top, self._name_w(sheet))
        baseline = top - 11
        c.setStrokeColor(INK)
        c.setLineWidth(0.8)
        for i in range(len(sheet.grades)):
            c.rect(self._box_x(sheet, i), baseline - 1.2 * mm, BOX, BOX, stroke=1, fill=0)
        bottom = top - max(ROW_H, height + 3 * mm)
        c.setStrokeColor(LINE)
        c.setLineWidth(0.4)
        c.line(MARGIN, bottom + 2 * mm, A4[0] - MARGIN, bottom + 2 * mm)
        return bottom


def _sheet(w: _Writer, sheet: Sheet) -> None:
    w.sheet = sheet
    y = w.conditions(sheet, w.header(sheet, continued=False))
    y = w.table_head(sheet, y - 4 * mm)
    for position, unit in sheet.presenters:
        if y - w.row_height(sheet, unit) < MARGIN:
            w.c.showPage()
            y = w.table_head(sheet, w.header(sheet, continued=True) - 6 * mm)
        y = w.row(sheet, y, position, unit)
    w.line(y - 4 * mm, w.text.signature + " " + "_" * 24, 11)
    w.c.showPage()


def build_sheets(sheets: Sequence[Sheet], text: SheetText | None = None, *, title: str = "评定表") -> bytes:
    """The PDF of the blank forms of *sheets*, each starting on a new page."""
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1)
    c.setTitle(title)
    c.setCreator("evalflow")
    writer = _Writer(c, cjk_font(), text or SheetText())
    for sheet in sheets:
        _sheet(writer, sheet)
    if not sheets:
        c.showPage()
    c.save()
    return buffer.getvalue()
