"""The notice (公示) and the commendation list (命名表彰名单) as formal A4 documents, and the certificate
(荣誉证书) of each commended unit on A4 landscape.

Plain data in, PDF bytes out. User-supplied text (unit names, titles, addresses) enters reportlab's
paragraph markup through ``layout.markup`` (escaped, so it is always drawn as text, with fallback fonts for
what the CJK font lacks). The CJK font is embedded when the system has one (``fonts.cjk_font``); the QR
code (vector squares) links to the public page. Every name of the lists is printed in full, wrapped.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from reportlab.lib.colors import HexColor, white
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from evalflow.shared.pdf.fonts import cjk_font
from evalflow.shared.pdf.layout import draw_box, fit, markup, one_line, paragraph, style
from evalflow.shared.pdf.qr import matrix

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
        footer = style(8, color=MUTED, align=TA_CENTER, font=font)
        draw_box(
            canvas, label, footer, 25 * mm, 9 * mm, width - 50 * mm, one_line(footer), suffix=f" · {doc.page}"
        )
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
    story: list[Flowable] = [paragraph(doc_data.title, st["title"])]
    story += [paragraph(p, st["body"]) for p in doc_data.intro]
    if doc_data.list_heading:
        story.append(paragraph(doc_data.list_heading, st["heading"]))
    number = 0
    for group in doc_data.groups:
        if len(doc_data.groups) > 1 or group.category:
            story.append(paragraph(group.category or doc_data.no_category, st["heading"]))
        for name in group.names:
            number += 1
            story.append(KeepTogether([paragraph(f"{number}. {name}", st["item"])]))  # a name on one page
    story.append(Spacer(1, 3 * mm))
    story += [paragraph(p, st["body"]) for p in doc_data.closing]
    story.append(Spacer(1, 8 * mm))
    if doc_data.issuer:
        story.append(paragraph(doc_data.issuer, st["right"]))
    if doc_data.issued_on:
        story.append(paragraph(doc_data.issued_on, st["right"]))
    if doc_data.url:
        story.append(Spacer(1, 6 * mm))
        caption = Paragraph(markup(doc_data.qr_caption) + "<br/>" + markup(doc_data.url), st["caption"])
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


CERT_W, CERT_H = landscape(A4)
BODY_X = 50 * mm  # the body (授予, the unit, the honour) spans the page between these margins
BODY_TOP, BODY_BOTTOM = CERT_H - 92 * mm, 60 * mm  # the body stays above the issuer and the date
GAP = 4 * mm


def _certificate_body(c: Canvas, cert: Certificate) -> None:
    """The unit's full name and the honour, centred; the honour (and any extra line) first takes what it
    needs, the unit the rest, each shrunk to fit when long."""
    width = CERT_W - 2 * BODY_X
    honour = fit(
        f"“{cert.honour}”{cert.suffix}", style(20, leading=10 * mm, align=TA_CENTER), width, 24 * mm, 9
    )
    extra = [fit(line, style(12, leading=7 * mm, align=TA_CENTER), width, 14 * mm) for line in cert.extra]
    below = [honour, *extra]
    room = BODY_TOP - BODY_BOTTOM - GAP - sum(p.wrap(width, BODY_TOP - BODY_BOTTOM)[1] for p in below)
    unit = fit(cert.unit, style(26, leading=12 * mm, align=TA_CENTER), width, room, 9)
    y = BODY_TOP
    for para, space in ((unit, GAP), *((p, 0) for p in below)):
        _, used = para.wrap(width, BODY_TOP - BODY_BOTTOM)
        para.drawOn(c, BODY_X, y - used)
        y -= used + space


def _certificate(c: Canvas, cert: Certificate) -> None:
    width, height = CERT_W, CERT_H
    c.setStrokeColor(RED)
    c.setLineWidth(4)
    c.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    c.setStrokeColor(GOLD)
    c.setLineWidth(1)
    c.rect(17 * mm, 17 * mm, width - 34 * mm, height - 34 * mm)
    body = width - 2 * BODY_X
    heading, grant = style(40, color=RED, align=TA_CENTER), style(18)
    draw_box(c, cert.heading, heading, BODY_X, height - 62 * mm, body, 24 * mm, valign="bottom")
    draw_box(c, cert.grant, grant, BODY_X, height - 88 * mm, body, one_line(grant), valign="bottom")
    _certificate_body(c, cert)
    right, left = style(16, align=TA_RIGHT), width * 0.4  # the issuer and the date, right-aligned
    line = one_line(right)
    draw_box(c, cert.issuer, right, left, 45 * mm, width - 45 * mm - left, 2 * line, valign="bottom")
    draw_box(c, cert.issued_on, right, left, 35 * mm, width - 45 * mm - left, line, valign="bottom")
    if cert.serial:
        serial = style(9, color=MUTED)
        draw_box(c, cert.serial, serial, 24 * mm, 20 * mm, width * 0.35, one_line(serial), valign="bottom")


def build_certificates(certificates: Sequence[Certificate], title: str = "荣誉证书") -> bytes:
    """One formal certificate per page, A4 landscape: double border, heading, the unit, the honour."""
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=landscape(A4), pageCompression=1)
    c.setTitle(title)
    c.setCreator("evalflow")
    for cert in certificates:
        _certificate(c, cert)
        c.showPage()
    if not certificates:
        c.showPage()
    c.save()
    return buffer.getvalue()
