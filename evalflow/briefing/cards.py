"""Credential cards (评分代表证) of the delegates: eight cards per A4 page, cut along the dashed lines.

Each card shows the campaign, the unit, the seat's role, the delegate's name, the QR code of the
seat's ballot URL (drawn as vector squares, so it scans at any print quality) and a short instruction.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.colors import HexColor, white
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from evalflow.shared.pdf.fonts import cjk_font
from evalflow.shared.pdf.layout import draw_box, fit, style
from evalflow.shared.pdf.qr import matrix

CARD_W, CARD_H = 88 * mm, 62 * mm
COLS, ROWS = 2, 4
GAP_X, GAP_Y = 6 * mm, 5 * mm
BAND_H = 10 * mm
QR_SIZE = 36 * mm
PAD = 4 * mm
INSTRUCTION_H = 11 * mm  # the instruction along the card's foot
RED, INK, MUTED, LINE = HexColor("#b8202b"), HexColor("#1f2329"), HexColor("#6b7280"), HexColor("#9ca3af")


@dataclass(frozen=True)
class Card:
    campaign: str
    unit: str
    role: str
    name: str
    url: str


@dataclass(frozen=True)
class CardText:
    """The fixed words of a card; the caller passes them translated (Chinese by default)."""

    heading: str = "评分代表证"
    unit: str = "单位"
    role: str = "席位"
    name: str = "姓名"
    instruction: str = "请用手机扫描右侧二维码进入评分页面,无需密码。本证仅限本人使用,请妥善保管;遗失请联系文明办重新签发,原证随即失效。"
    page_note: str = "沿虚线裁开,每位代表一张。"


def _draw_qr(c: Canvas, data: str, x: float, y: float, size: float) -> None:
    rows = matrix(data)
    cell = size / len(rows)
    c.setFillColor(white)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(rows):
        for col, dark in enumerate(row):
            if dark:
                c.rect(x + col * cell, y + size - (r + 1) * cell, cell, cell, stroke=0, fill=1)


def _draw_frame(c: Canvas, x: float, y: float) -> None:
    c.setStrokeColor(LINE)
    c.setDash(3, 2)
    c.setLineWidth(0.6)
    c.rect(x, y, CARD_W, CARD_H, stroke=1, fill=0)
    c.setDash()
    c.setFillColor(RED)
    c.rect(x, y + CARD_H - BAND_H, CARD_W, BAND_H, stroke=0, fill=1)


def _draw_band(c: Canvas, font: str, card: Card, text: CardText, x: float, top: float) -> None:
    """The heading on the left of the red band, the campaign's title (smaller, cut when long) on its right."""
    heading, band = min(stringWidth(text.heading, font, 12), CARD_W / 2), top - BAND_H
    draw_box(c, text.heading, style(12, color=white), x + PAD, band, heading + 1, BAND_H, valign="middle")
    left = x + PAD + heading + 4 * mm
    title = style(7, color=white, align=TA_RIGHT)
    width = x + CARD_W - PAD - left
    draw_box(c, card.campaign, title, left, band + 1 * mm, width, BAND_H - 2 * mm, floor=5, valign="middle")


def _draw_fields(c: Canvas, card: Card, text: CardText, x: float, top: float, bottom: float) -> None:
    """The unit, the role and the name in the column left of the QR code, top down; a long unit name
    takes the room that the role and the name leave."""
    width = CARD_W - QR_SIZE - 3 * PAD
    x += PAD
    name = fit(card.name, style(18, leading=21), width, 12 * mm, floor=7)
    role = fit(card.role, style(11, color=RED), width, 6 * mm, floor=6)
    y = top - BAND_H - 2.5 * mm
    y -= draw_box(c, text.unit, style(7, color=MUTED), x, y - 3.5 * mm, width, 3.5 * mm, valign="bottom")
    room = y - bottom - 3 * mm - role.wrap(width, 6 * mm)[1] - name.wrap(width, 12 * mm)[1]
    y -= draw_box(c, card.unit, style(10, leading=13), x, y - room, width, room, floor=5.5) + 1.5 * mm
    for para in (role, name):
        _, height = para.wrap(width, 12 * mm)
        para.drawOn(c, x, y - height)
        y -= height + 1.5 * mm


def _draw_card(c: Canvas, font: str, card: Card, text: CardText, x: float, y: float) -> None:
    top = y + CARD_H
    _draw_frame(c, x, y)
    _draw_band(c, font, card, text, x, top)
    _draw_fields(c, card, text, x, top, y + INSTRUCTION_H)
    _draw_qr(c, card.url, x + CARD_W - PAD - QR_SIZE + 2 * mm, top - BAND_H - QR_SIZE - 1 * mm, QR_SIZE)
    note = style(6.5, leading=9, color=MUTED)
    height = INSTRUCTION_H - 3 * mm
    draw_box(
        c, text.instruction, note, x + PAD, y + 2.5 * mm, CARD_W - 2 * PAD, height, floor=5, valign="bottom"
    )


def _origin(index: int) -> tuple[float, float]:
    page_w, page_h = A4
    left = (page_w - COLS * CARD_W - (COLS - 1) * GAP_X) / 2
    top = (page_h + ROWS * CARD_H + (ROWS - 1) * GAP_Y) / 2
    col, row = index % COLS, index // COLS
    return left + col * (CARD_W + GAP_X), top - (row + 1) * CARD_H - row * GAP_Y


def build_cards(cards: Sequence[Card], text: CardText | None = None, *, title: str = "评分代表证") -> bytes:
    """The PDF of *cards*, ``COLS × ROWS`` per A4 page, in the given order."""
    text = text or CardText()
    font = cjk_font()
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1)
    c.setTitle(title)
    c.setCreator("evalflow")
    per_page = COLS * ROWS
    for start in range(0, max(len(cards), 1), per_page):
        left, note = _origin(0)[0], style(8, color=MUTED)
        cut = f" · {text.page_note}"  # a long title is cut before the instruction is
        draw_box(c, title, note, left, A4[1] - 12 * mm, A4[0] - 2 * left, 8 * mm, valign="bottom", suffix=cut)
        for i, card in enumerate(cards[start : start + per_page]):
            _draw_card(c, font, card, text, *_origin(i))
        c.showPage()
    c.save()
    return buffer.getvalue()
