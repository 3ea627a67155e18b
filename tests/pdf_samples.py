"""Every PDF built from the longest values the domain allows, and the checks of what a reader sees.

``longest(limit)`` is a text of exactly *limit* characters that holds each hazard once — markup that must
stay text, ``%``, emoji (one some fallback font has, one none has), right-to-left text, a combining accent,
Latin without spaces — and then wide CJK characters, the widest text there is. The builders get the data
the services pass them (``briefing.seats.cards_pdf``, ``briefing.paper.sheets_pdf``,
``notice.documents``, ``tally.reports.tally_pdf``), here with every user text at its limit.

``facts(pdf)`` reads the PDF with pdfplumber; the ``*_problems`` functions list what is wrong with it
(overlapping glyphs, text off the page or outside the margins, glyphs missing from their font).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

import pdfplumber
from reportlab.pdfbase import pdfmetrics

from evalflow.briefing.cards import Card
from evalflow.briefing.scoring_sheet import Sheet
from evalflow.intake import rules as intake
from evalflow.notice import rules as notice_rules
from evalflow.notice.pdf import Certificate, FormalDoc, Group
from evalflow.shared.campaigns import rules as campaign_rules
from evalflow.shared.campaigns import scale
from evalflow.shared.campaigns.scale import Grade
from evalflow.shared.pdf import layout
from evalflow.shared.pdf.fonts import cjk_font, covers, fallback_fonts
from evalflow.tally.chart import bars, ticks
from evalflow.tally.pdf import Row, TallyDocument
from evalflow.tally.rules import UnitInfo, compute, display
from evalflow.training import rules as training

HAZARDS = "<b>&amp;</b>100%😀🎉שלום عربي Cafe\u0301 WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW𠮷"
EMOJI_IN_A_FONT, EMOJI_IN_NO_FONT = "😀", "🎉"
TOLERANCE = 0.5  # pt: glyph boxes may touch, and overlap by less than this (rounding)


def longest(limit: int, tag: str = "") -> str:
    """Exactly *limit* characters: *tag*, the hazards, then wide CJK characters."""
    head = (tag + HAZARDS)[:limit]
    return head + "测" * (limit - len(head))


def unit_name(i: int) -> str:
    return longest(intake.MAX_UNIT_NAME, f"单位{i}号")


# --- the documents, with every user text at its limit ---------------------------------------------

CAMPAIGN = longest(campaign_rules.MAX_TITLE, "评选")
GRADES = [
    Grade(longest(scale.MAX_LABEL, f"{i}档"), Decimal(100 - 5 * i), longest(scale.MAX_CRITERIA, f"条件{i}"))
    for i in range(scale.MAX_GRADES)
]


def cards() -> list[Card]:
    seat = longest(training.MAX_SEAT_NAME, "代表")
    return [
        Card(CAMPAIGN, unit_name(i), "中层干部代表", seat, f"https://x.example/s/{'a' * 43}{i}")
        for i in range(9)
    ]


def sheet() -> Sheet:
    presenters = [(i + 1, unit_name(i)) for i in range(12)]
    return Sheet(
        "12-345",
        CAMPAIGN,
        unit_name(99),
        "群众代表",
        longest(training.MAX_SEAT_NAME, "代表"),
        [(g.label, g.criteria) for g in GRADES],
        presenters,
    )


def notice_doc(units: int = 24) -> FormalDoc:
    """The notice as ``notice.documents.notice_pdf`` builds it, contact fields at their limits."""
    contact = {
        "phone": "+86 (010) " + "1234-5678 " * 3,
        "email": ("x" * 60 + "@" + "y" * 55 + ".com")[: notice_rules.MAX_EMAIL],
        "address": longest(notice_rules.MAX_ADDRESS, "地址"),
        "postcode": "100000",
    }
    categories = [longest(intake.MAX_CATEGORY, f"类别{c}") for c in range(3)]
    groups = [Group(cat, tuple(unit_name(i) for i in range(c, units, 3))) for c, cat in enumerate(categories)]
    title = longest(notice_rules.MAX_TITLE, "公示")
    return FormalDoc(
        title=title,
        intro=[f"为树立文明创建先进典型,根据“{CAMPAIGN}”工作安排,现将名单予以公示。"],
        groups=groups,
        closing=[
            "公示时间:2026年9月29日至2026年10月10日(5 个工作日)。",
            *(f"{k}:{v}" for k, v in contact.items()),
        ],
        issuer="精神文明建设委员会办公室",
        issued_on="2026年9月29日",
        url="https://x.example/notices/" + "9" * 40,
        qr_caption="扫码查看公示详情、在线提交异议",
        list_heading="拟表彰单位名单",
        no_category="其他",
        doc_title=title,
    )


def certificates() -> list[Certificate]:
    honour = CAMPAIGN + "文明单位"
    return [
        Certificate(
            unit_name(i), honour, "精神文明建设委员会办公室", "2026年11月29日", serial="No. 0001-00001"
        )
        for i in range(2)
    ]


def tally_doc(units: int = 12, name: Callable[[int], str] = unit_name) -> TallyDocument:
    infos = [UnitInfo(i, name(i), expected=1000) for i in range(units)]
    counts = {i: {g.label: (i * 7 + j * 13) % 120 for j, g in enumerate(GRADES)} for i in range(units)}
    results = compute(GRADES, infos, counts)
    return TallyDocument(
        campaign=CAMPAIGN,
        method="去掉一个最高分和一个最低分后的平均分",
        ballots=sum(r.ballots for r in results),
        date="2026-11-29",
        digest="ab" * 32,
        sealed="封存于 2026-11-29 10:00,共 1900 张选票",
        labels=[g.label for g in GRADES],
        bars=bars(results, GRADES),
        ticks=ticks(GRADES),
        rows=[
            Row(
                r.rank,
                r.name,
                list(r.counts.values()),
                f"{r.ballots}/1000",
                str(display(r.figures.mean)),
                str(display(r.figures.trimmed_mean)),
                str(display(r.score)),
            )
            for r in results
        ],
    )


# --- what a reader sees -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Glyph:
    text: str
    font: str  # the PDF's BaseFont without the subset tag, e.g. "WenQuanYiZenHei-0"
    size: float
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    glyphs: tuple[Glyph, ...]
    text: str  # in drawing order, lines joined


def facts(pdf: bytes, footer: float = 0) -> list[Page]:
    """What each page of *pdf* shows; its ``text`` leaves out the bottom *footer* pt (a running footer
    would stand inside a paragraph that continues on the next page)."""
    pages = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            glyphs = tuple(
                Glyph(
                    c["text"],
                    c["fontname"].split("+")[-1],
                    c["size"],
                    c["x0"],
                    c["x1"],
                    c["top"],
                    c["bottom"],
                )
                for c in page.chars
                if c["text"].strip()
            )
            body = page.crop((0, 0, page.width, page.height - footer))
            pages.append(Page(page.width, page.height, glyphs, body.extract_text(use_text_flow=True)))
    return pages


def overlapping(page: Page) -> list[tuple[Glyph, Glyph]]:
    """Pairs of glyphs whose boxes overlap by more than ``TOLERANCE`` both ways (a sweep down the page)."""
    glyphs = sorted(page.glyphs, key=lambda g: g.top)
    pairs = []
    for i, a in enumerate(glyphs):
        for b in glyphs[i + 1 :]:
            if b.top > a.bottom - TOLERANCE:
                break
            if min(a.x1, b.x1) - max(a.x0, b.x0) > TOLERANCE:
                pairs.append((a, b))
    return pairs


def outside(page: Page, margin: float) -> list[Glyph]:
    """Glyphs that reach into the *margin* (pt) along any edge of the page."""
    low, right, bottom = margin - TOLERANCE, page.width - margin + TOLERANCE, page.height - margin + TOLERANCE
    return [g for g in page.glyphs if g.x0 < low or g.top < low or g.x1 > right or g.bottom > bottom]


@cache
def font_names() -> dict[str, str]:
    """The PDF BaseFont of each registered font → its reportlab name."""
    names = {}
    for name in (cjk_font(), *fallback_fonts()):
        face = getattr(pdfmetrics.getFont(name), "face", None)
        if face is not None:
            names[face.name.decode() if isinstance(face.name, bytes) else face.name] = name
    return names


def blank(page: Page) -> list[Glyph]:
    """Glyphs drawn in a font that has no glyph for them (they would print as blanks or boxes)."""
    names = font_names()
    return [g for g in page.glyphs if g.font in names and not all(covers(names[g.font], ch) for ch in g.text)]


def flat(text: str) -> str:
    """*text* without whitespace, composed (NFC): how a wrapped name is compared with the PDF's text."""
    return unicodedata.normalize("NFC", "".join(text.split()))


def shown(text: str) -> str:
    """*text* as the PDF shows it (``layout.visible``), flattened."""
    return flat(layout.visible(text))


def all_text(pages: list[Page]) -> str:
    return flat("".join(p.text for p in pages))
