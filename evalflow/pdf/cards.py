"""Credential cards (评分代表证) of the delegates: eight cards per A4 page, cut along the dashed lines.

Each card shows the campaign, the unit, the seat's role, the delegate's name, the QR code of the
seat's ballot URL (drawn as vector squares, so it scans at any print quality) and a short instruction.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from .fonts import cjk_font
from .qr import matrix

CARD_W, CARD_H = 88 * mm, 62 * mm
COLS, ROWS = 2, 4
GAP_X, GAP_Y = 6 * mm, 5 * mm
BAND_H = 10 * mm
QR_SIZE = 36 * mm
PAD = 4 * mm
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


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break *text* into lines no wider than *width* (character by character, as CJK text allows)."""
    lines, line = [], ""
    for char in text:
        if stringWidth(line + char, font, size) > width and line:
            lines.append(line)
            line = char
        else:
            line += char
    return [*lines, line] if line else lines


def _fit(text: str, font: str, size: float, width: float, lines: int) -> list[str]:
    """At most *lines* lines of *text*; the last one ends with an ellipsis when cut."""
    wrapped = wrap(text, font, size, width)
    if len(wrapped) <= lines:
        return wrapped
    last = wrapped[lines - 1]
    while last and stringWidth(last + "…", font, size) > width:
        last = last[:-1]
    return [*wrapped[: lines - 1], last + "…"]


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
    c.setFillColor(white)
    c.setFont(font, 12)
    c.drawString(x + PAD, top - 6.8 * mm, text.heading)
    title = _fit(card.campaign, font, 7, CARD_W - 2 * PAD - 26 * mm, 1)
    c.setFont(font, 7)
    c.drawRightString(x + CARD_W - PAD, top - 6.3 * mm, title[0] if title else "")


def _draw_fields(c: Canvas, font: str, card: Card, text: CardText, x: float, top: float) -> None:
    width = CARD_W - QR_SIZE - 3 * PAD
    y = top - BAND_H - 6 * mm
    c.setFillColor(MUTED)
    c.setFont(font, 7)
    c.drawString(x + PAD, y, text.unit)
    c.setFillColor(INK)
    c.setFont(font, 10)
    for line in _fit(card.unit, font, 10, width, 2):
        y -= 4.6 * mm
        c.drawString(x + PAD, y, line)
    y -= 6 * mm
    c.setFillColor(RED)
    c.setFont(font, 11)
    c.drawString(x + PAD, y, _fit(card.role, font, 11, width, 1)[0])
    y -= 8.5 * mm
    c.setFillColor(INK)
    c.setFont(font, 18)
    c.drawString(x + PAD, y, _fit(card.name, font, 18, width, 1)[0])


def _draw_card(c: Canvas, font: str, card: Card, text: CardText, x: float, y: float) -> None:
    top = y + CARD_H
    _draw_frame(c, x, y)
    _draw_band(c, font, card, text, x, top)
    _draw_fields(c, font, card, text, x, top)
    _draw_qr(c, card.url, x + CARD_W - PAD - QR_SIZE + 2 * mm, top - BAND_H - QR_SIZE - 1 * mm, QR_SIZE)
    c.setFillColor(MUTED)
    c.setFont(font, 6.5)
    for i, line in enumerate(_fit(text.instruction, font, 6.5, CARD_W - 2 * PAD, 2)):
        c.drawString(x + PAD, y + PAD + (1 - i) * 3.2 * mm, line)


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
        c.setFillColor(MUTED)
        c.setFont(font, 8)
        c.drawString(_origin(0)[0], A4[1] - 10 * mm, f"{title} · {text.page_note}")
        for i, card in enumerate(cards[start : start + per_page]):
            _draw_card(c, font, card, text, *_origin(i))
        c.showPage()
    c.save()
    return buffer.getvalue()
