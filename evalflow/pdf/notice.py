"""The notice (公示) and the commendation list (命名表彰名单) as formal A4 documents, and the certificate
(荣誉证书) of each commended unit on A4 landscape.

Plain data in, PDF bytes out. User-supplied text (unit names, titles, addresses) is escaped before it
enters reportlab's paragraph markup, so it is always drawn as text. The CJK font is embedded when the
system has one (``fonts.cjk_font``); the QR code (vector squares) links to the public page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor, white
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .cards import wrap
from .fonts import cjk_font
from .qr import matrix

RED, INK, MUTED, GOLD = HexColor("#b8202b"), HexColor("#1f2329"), HexColor("#6b7280"), HexColor("#b8860b")


@dataclass(frozen=True)
class Group:
    category: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class FormalDoc:
    """A notice or a commendation list. Every string is final text (already translated)."""

    title: str
    intro: Sequence[str]  # body paragraphs before the list
    groups: Sequence[Group]
    closing: Sequence[str] = ()  # paragraphs after the list (period, how to object)
    issuer: str = ""
    issued_on: str = ""
    url: str = ""
    qr_caption: str = ""
    list_heading: str = ""
    no_category: str = ""
    doc_title: str = ""


class QRCode(Flowable):
    """The QR code of a URL, drawn as vector squares (crisp in print)."""

    def __init__(self, data: str, size: float) -> None:
        super().__init__()
        self.data, self.size = data, size
        self.width = self.height = size

    def draw(self) -> None:
        rows = matrix(self.data)
        cell = self.size / len(rows)
        c = self.canv
        c.setFillColor(white)
        c.rect(0, 0, self.size, self.size, stroke=0, fill=1)
        c.setFillColorRGB(0, 0, 0)
        for r, row in enumerate(rows):
            for col, dark in enumerate(row):
                if dark:
                    c.rect(col * cell, self.size - (r + 1) * cell, cell, cell, stroke=0, fill=1)


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=12, leading=21, wordWrap="CJK", textColor=INK)
    return {
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontSize=19,
            leading=28,
            alignment=TA_CENTER,
            textColor=RED,
            spaceAfter=6 * mm,
        ),
        "body": ParagraphStyle(
            "body", parent=base, alignment=TA_JUSTIFY, firstLineIndent=24, spaceAfter=2 * mm
        ),
        "heading": ParagraphStyle(
            "heading", parent=base, fontSize=13, leading=22, spaceBefore=3 * mm, spaceAfter=1 * mm
        ),
        "item": ParagraphStyle("item", parent=base, leftIndent=24, leading=20),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "caption": ParagraphStyle("caption", parent=base, fontSize=9, leading=13, textColor=MUTED),
    }


def _page_frame(font: str, label: str):  # type: ignore[no-untyped-def]
    def draw(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        width, height = A4
        canvas.setStrokeColor(RED)
        canvas.setLineWidth(1.2)
        canvas.line(20 * mm, height - 16 * mm, width - 20 * mm, height - 16 * mm)
        canvas.setFont(font, 8)
        canvas.setFillColor(MUTED)
        canvas.drawCentredString(width / 2, 10 * mm, f"{label} · {doc.page}")
        canvas.restoreState()

    return draw


def build_formal(doc_data: FormalDoc) -> bytes:
    """The notice or the commendation list: title, body, the list grouped by category, closing,
    issuer and date, and the QR code of the public page."""
    font = cjk_font()
    st = _styles(font)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm, topMargin=24 * mm, bottomMargin=20 * mm,
        title=doc_data.doc_title or doc_data.title, creator="evalflow",
    )  # fmt: skip
    story: list[Flowable] = [Paragraph(escape(doc_data.title), st["title"])]
    story += [Paragraph(escape(p), st["body"]) for p in doc_data.intro]
    if doc_data.list_heading:
        story.append(Paragraph(escape(doc_data.list_heading), st["heading"]))
    number = 0
    for group in doc_data.groups:
        if len(doc_data.groups) > 1 or group.category:
            story.append(Paragraph(escape(group.category or doc_data.no_category), st["heading"]))
        for name in group.names:
            number += 1
            story.append(Paragraph(f"{number}. {escape(name)}", st["item"]))
    story.append(Spacer(1, 3 * mm))
    story += [Paragraph(escape(p), st["body"]) for p in doc_data.closing]
    story.append(Spacer(1, 8 * mm))
    if doc_data.issuer:
        story.append(Paragraph(escape(doc_data.issuer), st["right"]))
    if doc_data.issued_on:
        story.append(Paragraph(escape(doc_data.issued_on), st["right"]))
    if doc_data.url:
        story.append(Spacer(1, 6 * mm))
        caption = Paragraph(escape(doc_data.qr_caption) + "<br/>" + escape(doc_data.url), st["caption"])
        table = Table([[QRCode(doc_data.url, 28 * mm), caption]], colWidths=[32 * mm, None])
        table.setStyle(
            TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
        )
        story.append(table)
    frame = _page_frame(font, doc_data.doc_title or doc_data.title)
    doc.build(story, onFirstPage=frame, onLaterPages=frame)
    return buffer.getvalue()


@dataclass(frozen=True)
class Certificate:
    unit: str
    honour: str  # e.g. "2026年度文明单位"
    issuer: str
    issued_on: str
    heading: str = "荣誉证书"
    grant: str = "授予"
    suffix: str = "称号。"
    serial: str = ""
    extra: tuple[str, ...] = field(default_factory=tuple)


def _centred_lines(c: Canvas, lines: list[str], font: str, size: float, y: float, leading: float) -> float:
    width = landscape(A4)[0]
    c.setFont(font, size)
    for line in lines:
        c.drawCentredString(width / 2, y, line)
        y -= leading
    return y


def build_certificates(certificates: Sequence[Certificate], title: str = "荣誉证书") -> bytes:
    """One formal certificate per page, A4 landscape: double border, heading, the unit, the honour."""
    font = cjk_font()
    width, height = landscape(A4)
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=landscape(A4), pageCompression=1)
    c.setTitle(title)
    c.setCreator("evalflow")
    for cert in certificates:
        c.setStrokeColor(RED)
        c.setLineWidth(4)
        c.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
        c.setStrokeColor(GOLD)
        c.setLineWidth(1)
        c.rect(17 * mm, 17 * mm, width - 34 * mm, height - 34 * mm)
        c.setFillColor(RED)
        c.setFont(font, 40)
        c.drawCentredString(width / 2, height - 55 * mm, cert.heading)
        c.setFillColor(INK)
        y = height - 85 * mm
        c.setFont(font, 18)
        c.drawString(50 * mm, y, cert.grant)
        name_lines = wrap(cert.unit, font, 26, width - 110 * mm)
        y = _centred_lines(c, name_lines, font, 26, y - 16 * mm, 12 * mm)
        honour_lines = wrap(f"“{cert.honour}”{cert.suffix}", font, 20, width - 100 * mm)
        y = _centred_lines(c, honour_lines, font, 20, y - 4 * mm, 10 * mm)
        for line in cert.extra:
            y = _centred_lines(c, wrap(line, font, 12, width - 100 * mm), font, 12, y, 7 * mm)
        c.setFont(font, 16)
        c.drawRightString(width - 45 * mm, 48 * mm, cert.issuer)
        c.drawRightString(width - 45 * mm, 38 * mm, cert.issued_on)
        if cert.serial:
            c.setFillColor(MUTED)
            c.setFont(font, 9)
            c.drawString(24 * mm, 22 * mm, cert.serial)
        c.showPage()
    if not certificates:
        c.showPage()
    c.save()
    return buffer.getvalue()
