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
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .cards import wrap
from .fonts import cjk_font

INK, MUTED, LINE, RED = HexColor("#1f2329"), HexColor("#6b7280"), HexColor("#9ca3af"), HexColor("#b8202b")
MARGIN = 16 * mm
ROW_H = 9 * mm
BOX = 5 * mm


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

    def line(self, y: float, words: str, size: float, color: HexColor = INK, x: float = MARGIN) -> float:
        self.c.setFillColor(color)
        self.c.setFont(self.font, size)
        for part in wrap(words, self.font, size, self.width - (x - MARGIN)):
            self.c.drawString(x, y, part)
            y -= size * 1.45
        return y

    def header(self, sheet: Sheet, continued: bool) -> float:
        c, top = self.c, A4[1] - MARGIN
        c.setFillColor(RED)
        c.setFont(self.font, 18)
        c.drawString(MARGIN, top - 6 * mm, self.text.heading + (self.text.continued if continued else ""))
        c.setFillColor(INK)
        c.setFont(self.font, 14)
        c.drawRightString(A4[0] - MARGIN, top - 6 * mm, f"{self.text.sheet_id} {sheet.sheet_id}")
        y = self.line(top - 13 * mm, sheet.campaign, 10, MUTED)
        facts = (
            f"{self.text.unit}:{sheet.unit}    {self.text.role}:{sheet.role}    {self.text.name}:{sheet.name}"
        )
        return self.line(y - 2 * mm, facts, 11)

    def conditions(self, sheet: Sheet, y: float) -> float:
        y = self.line(y - 3 * mm, self.text.conditions, 11, RED)
        for label, criteria in sheet.grades:
            y = self.line(y, f"{label}:{criteria}", 9)
        return self.line(y - 2 * mm, self.text.instruction, 9, MUTED)

    def table_head(self, sheet: Sheet, y: float) -> float:
        c = self.c
        c.setFillColor(MUTED)
        c.setFont(self.font, 9)
        c.drawString(MARGIN, y, self.text.number)
        c.drawString(MARGIN + 14 * mm, y, self.text.presenter)
        for i, (label, _) in enumerate(sheet.grades):
            c.drawCentredString(self._box_x(sheet, i) + BOX / 2, y, label)
        c.setStrokeColor(LINE)
        c.line(MARGIN, y - 2.5 * mm, A4[0] - MARGIN, y - 2.5 * mm)
        return y - ROW_H

    def _box_x(self, sheet: Sheet, index: int) -> float:
        column = 22 * mm
        return A4[0] - MARGIN - (len(sheet.grades) - index) * column + (column - BOX) / 2

    def row(self, sheet: Sheet, y: float, position: int, unit: str) -> float:
        c = self.c
        c.setFillColor(INK)
        c.setFont(self.font, 11)
        c.drawString(MARGIN, y, str(position))
        width = self._box_x(sheet, 0) - MARGIN - 16 * mm
        c.drawString(MARGIN + 14 * mm, y, (wrap(unit, self.font, 11, width) or [""])[0])
        c.setStrokeColor(INK)
        c.setLineWidth(0.8)
        for i in range(len(sheet.grades)):
            c.rect(self._box_x(sheet, i), y - 1.2 * mm, BOX, BOX, stroke=1, fill=0)
        c.setStrokeColor(LINE)
        c.setLineWidth(0.4)
        c.line(MARGIN, y - 3.2 * mm, A4[0] - MARGIN, y - 3.2 * mm)
        return y - ROW_H


def _sheet(w: _Writer, sheet: Sheet) -> None:
    y = w.conditions(sheet, w.header(sheet, continued=False))
    y = w.table_head(sheet, y - 4 * mm)
    for position, unit in sheet.presenters:
        if y < MARGIN + 20 * mm:
            w.c.showPage()
            y = w.table_head(sheet, w.header(sheet, continued=True) - 6 * mm)
        y = w.row(sheet, y, position, unit)
    w.line(max(y - 6 * mm, MARGIN + 4 * mm), w.text.signature + " " + "_" * 24, 11)
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
