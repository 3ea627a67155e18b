"""The survey poster (问卷调查二维码海报): one A4 page per unit with its name, the campaign, a large QR
code of the unit's questionnaire and a short instruction — plain data in, PDF bytes out.

The QR is drawn as one path of vector squares (crisp at any print size, and fast: 300 pages in well
under two seconds, bench/survey_bench.py).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from evalflow.shared.pdf.layout import draw_box, style
from evalflow.shared.pdf.qr import matrix

RED, INK, MUTED = HexColor("#b8202b"), HexColor("#1f2329"), HexColor("#4b5563")
QR_SIZE = 120 * mm
MARGIN = 20 * mm
QR_MASK = 2  # a fixed mask pattern: any scans, and choosing the best costs most of the build


@dataclass(frozen=True)
class Poster:
    """One unit's poster: the campaign, the unit and the questionnaire's URL."""

    campaign: str
    unit: str
    url: str


@dataclass(frozen=True)
class PosterText:
    """The fixed words of a poster; the caller passes them translated (Chinese by default)."""

    heading: str = "问卷调查"
    instruction: str = (
        "请用手机扫描二维码,匿名填写满意度问卷,约需一分钟。每部手机对本单位只能作答一次。感谢您的参与!"
    )


def _draw_qr(c: Canvas, data: str, x: float, y: float, size: float) -> None:
    """The QR code as one filled path of runs of dark modules, written in module units (integers)
    under a transform: a poster page costs a few hundred short operators, not thousands of numbers."""
    rows = matrix(data, mask=QR_MASK)
    cell = size / len(rows)
    runs = []
    for r, row in enumerate(rows):
        col = 0
        while col < len(row):
            if row[col]:
                start = col
                while col < len(row) and row[col]:
                    col += 1
                runs.append(f"{start} {r} {col - start} 1 re")
            else:
                col += 1
    c.saveState()
    c.setFillColorRGB(0, 0, 0)
    c.transform(cell, 0, 0, -cell, x, y + size)
    c.addLiteral(" ".join(runs) + " f")
    c.restoreState()


def _draw_page(c: Canvas, poster: Poster, text: PosterText) -> None:
    width, height = A4
    inner = width - 2 * MARGIN
    c.setFillColor(RED)
    c.rect(0, height - 30 * mm, width, 30 * mm, stroke=0, fill=1)
    white = style(26, color=HexColor("#ffffff"), align=TA_CENTER)
    draw_box(c, text.heading, white, MARGIN, height - 27 * mm, inner, 24 * mm, valign="middle")
    draw_box(c, poster.campaign, style(12, color=MUTED, align=TA_CENTER), MARGIN, height - 45 * mm, inner,
             12 * mm, floor=7, valign="middle")  # fmt: skip
    draw_box(c, poster.unit, style(28, leading=34, color=INK, align=TA_CENTER), MARGIN, height - 80 * mm, inner,
             34 * mm, floor=10, valign="middle")  # fmt: skip
    _draw_qr(c, poster.url, (width - QR_SIZE) / 2, height - 85 * mm - QR_SIZE, QR_SIZE)
    draw_box(c, text.instruction, style(13, leading=19, color=INK, align=TA_CENTER), MARGIN, 25 * mm, inner,
             40 * mm, floor=8, valign="top")  # fmt: skip


def build_posters(
    posters: Sequence[Poster], text: PosterText | None = None, *, title: str = "问卷调查"
) -> bytes:
    """The PDF of *posters*, one A4 page each, in the given order (an empty list: one blank page)."""
    text = text or PosterText()
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1)
    c.setTitle(title)
    c.setCreator("evalflow")
    for poster in posters:
        _draw_page(c, poster, text)
        c.showPage()
    if not posters:
        c.showPage()
    c.save()
    return buffer.getvalue()
