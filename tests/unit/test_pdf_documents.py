"""Every PDF with the longest names the domain allows: nothing overlaps, nothing leaves the page or its
margins, every name is there in full, and emoji show as something (tests/pdf_samples.py has the values).

Each document is rendered once per module; the checks read it with pdfplumber.
"""

from __future__ import annotations

import dataclasses

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from evalflow.briefing.cards import CARD_H, CARD_W, COLS, ROWS, Card, _origin, build_cards
from evalflow.briefing.scoring_sheet import Sheet, build_sheets
from evalflow.notice.pdf import Certificate, FormalDoc, Group, build_certificates, build_formal
from evalflow.shared.campaigns.scale import DEFAULT_SCALE
from evalflow.shared.pdf.fonts import covers, fallback_fonts
from evalflow.tally.pdf import render
from tests import pdf_samples as s

# Each document's margins in pt (left, top, right, bottom), as its design has them.
MARGINS = {
    "cards": (14 * mm, 5 * mm, 14 * mm, 14 * mm),  # the page note sits above the cards
    "sheet": (16 * mm, 16 * mm, 16 * mm, 16 * mm),
    "notice": (25 * mm, 24 * mm, 25 * mm, 7 * mm),  # the footer sits below the body, at 9-12 mm
    "commendation": (25 * mm, 24 * mm, 25 * mm, 7 * mm),
    "certificates": (20 * mm, 20 * mm, 20 * mm, 20 * mm),  # inside the gold border
    "tally": (16 * mm, 16 * mm, 16 * mm, 10 * mm),  # the footer sits below the body
}

# The running footers (left out of the text that names are looked for in): the body ends above them.
FOOTERS = {"notice": 18 * mm, "commendation": 18 * mm, "tally": 18 * mm}


def _commendation() -> FormalDoc:
    doc = s.notice_doc(units=45)
    return dataclasses.replace(doc, closing=(), url="", title=s.CAMPAIGN + "命名决定", doc_title="")


BUILD = {
    "cards": lambda: build_cards(s.cards(), title="评分代表证 · " + s.CAMPAIGN),  # as briefing.seats
    "sheet": lambda: build_sheets([s.sheet()]),
    "notice": lambda: build_formal(s.notice_doc()),
    "commendation": lambda: build_formal(_commendation()),
    "certificates": lambda: build_certificates(s.certificates()),
    "tally": lambda: render(s.tally_doc()),
}
# The names each document must show in full (the card's band and the tally chart may cut the campaign's
# title and a unit's name with an ellipsis: the page note and the table have them).
NAMES = {
    "cards": lambda: [n for c in s.cards() for n in (c.unit, c.name)],
    "sheet": lambda: [
        s.CAMPAIGN,
        s.unit_name(99),
        *(n for _, n in s.sheet().presenters),
        *(g.label for g in s.GRADES),  # its conditions run on over pages, under the header
    ],
    "notice": lambda: [
        s.notice_doc().title,
        *(g.category for g in s.notice_doc().groups),
        *(n for g in s.notice_doc().groups for n in g.names),
        *s.notice_doc().closing,
    ],
    "commendation": lambda: [n for g in _commendation().groups for n in g.names],
    "certificates": lambda: [n for c in s.certificates() for n in (c.unit, f"“{c.honour}”")],
    "tally": lambda: [s.CAMPAIGN, *(r.name for r in s.tally_doc().rows), *s.tally_doc().labels],
}
KINDS = sorted(BUILD)


@pytest.fixture(scope="module")
def pages() -> dict[str, list[s.Page]]:
    return {kind: s.facts(build(), footer=FOOTERS.get(kind, 0)) for kind, build in BUILD.items()}


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_longest_names_no_two_glyphs_overlap(pages, kind):
    for number, page in enumerate(pages[kind], start=1):
        assert s.overlapping(page)[:3] == [], f"{kind}, page {number}"


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_longest_names_stay_inside_the_margins(pages, kind):
    left, top, right, bottom = MARGINS[kind]
    for number, page in enumerate(pages[kind], start=1):
        off = [
            g
            for g in page.glyphs
            if g.x0 < left - s.TOLERANCE
            or g.top < top - s.TOLERANCE
            or g.x1 > page.width - right + s.TOLERANCE
            or g.bottom > page.height - bottom + s.TOLERANCE
        ]
        assert off[:3] == [], f"{kind}, page {number}"


def test_cards_longest_names_stay_inside_their_card(pages):
    frames = [_origin(i) for i in range(COLS * ROWS)]
    for page in pages["cards"]:
        cards = [g for g in page.glyphs if g.top > page.height - frames[0][1] - CARD_H]  # below the page note
        outside = [
            g
            for g in cards
            if not any(
                x <= g.x0
                and g.x1 <= x + CARD_W
                and page.height - y - CARD_H <= g.top
                and g.bottom <= page.height - y
                for x, y in frames
            )
        ]
        assert cards and outside == []


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_longest_names_are_shown_in_full(pages, kind):
    text = s.all_text(pages[kind])
    missing = [name for name in NAMES[kind]() if s.shown(name) not in text]
    assert missing == []


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_emoji_drawn_by_a_font_or_shown_as_its_code(pages, kind):
    drawn = {g.font for page in pages[kind] for g in page.glyphs if g.text == s.EMOJI_IN_A_FONT}
    if any(covers(font, s.EMOJI_IN_A_FONT) for font in fallback_fonts()):  # DejaVu Sans has 😀
        assert drawn and drawn <= set(s.font_names())
    else:
        assert not drawn and f"[U+{ord(s.EMOJI_IN_A_FONT):X}]" in s.all_text(pages[kind])
    assert f"[U+{ord(s.EMOJI_IN_NO_FONT):X}]" in s.all_text(pages[kind])
    assert [g for page in pages[kind] for g in s.blank(page)] == []


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_longest_names_never_smaller_than_5pt(pages, kind):
    assert min(g.size for page in pages[kind] for g in page.glyphs) >= 5 - 0.01


def test_certificate_104_character_name_clears_the_issuer_and_the_date():
    """The issue's case: a 104-character unit name ran into the issuer and the date."""
    unit = s.longest(104, "单位")
    pdf = build_certificates(
        [Certificate(unit, "2026年度文明单位", "精神文明建设委员会办公室", "2026年11月29日")]
    )
    (page,) = s.facts(pdf)
    issuer = [g for g in page.glyphs if g.text in "精神文明建设委员会办公室2026年11月29日" and g.size == 16]
    name = [g for g in page.glyphs if g.size > 16]
    assert len(issuer) == len("精神文明建设委员会办公室2026年11月29日")
    assert max(g.bottom for g in name) < min(g.top for g in issuer)
    assert s.overlapping(page) == [] and s.shown(unit) in s.all_text([page])


def test_tally_200_character_title_footer_stays_on_the_page():
    """The issue's case: a 200-character campaign title ran past the tally PDF's footer."""
    doc = dataclasses.replace(s.tally_doc(units=3), campaign=s.longest(200, "评选"))
    pages = s.facts(render(doc))
    footer = [g for g in pages[0].glyphs if g.top > pages[0].height - 16 * mm]
    assert footer and max(g.x1 for g in footer) <= pages[0].width - 16 * mm + s.TOLERANCE
    assert s.overlapping(pages[0]) == []
    assert "…" in "".join(g.text for g in footer) and "第 1 页" in pages[0].text


# --- ordinary names keep the design's sizes ------------------------------------------------------


def _sizes(pdf: bytes, text: str) -> set[float]:
    """The sizes of the glyphs of *text* (each character of it) in the first page of *pdf*."""
    return {round(g.size, 1) for g in s.facts(pdf)[0].glyphs if g.text in text}


def test_ordinary_names_keep_the_design_sizes():
    card = build_cards(
        [Card("2026年度文明单位评选", "第一社区居民委员会", "中层干部代表", "王芳", "https://x.example/s/1")]
    )
    cert = build_certificates(
        [
            Certificate(
                "某某市某某区人民政府办公室", "2026年度文明单位", "精神文明建设委员会办公室", "2026年11月29日"
            )
        ]
    )
    sheet = build_sheets(
        [
            Sheet(
                "1-2",
                "2026年度文明单位评选",
                "第一社区",
                "群众代表",
                "王芳",
                [(g.label, g.criteria) for g in DEFAULT_SCALE],
                [(1, "第二社区")],
            )
        ]
    )
    notice = build_formal(FormalDoc("公示", ["正文。"], [Group("", ("某某市某某区人民政府办公室",))]))
    assert _sizes(card, "王芳") == {18.0} and _sizes(card, "居民委员") == {10.0}
    assert _sizes(cert, "人民政府") == {26.0} and _sizes(cert, "“”") == {20.0}
    assert _sizes(sheet, "第二") == {11.0}
    assert _sizes(notice, "人民政府") == {12.0}
    tally = render(
        dataclasses.replace(s.tally_doc(2, lambda i: f"第{i}社区"), campaign="2026年度文明单位评选")
    )
    assert _sizes(tally, "社区") == {8.0}  # in the chart and in the table


def test_pdf_pages_are_a4(pages):
    for kind in ("cards", "sheet", "notice", "tally"):
        assert {(round(p.width), round(p.height)) for p in pages[kind]} == {(round(A4[0]), round(A4[1]))}
    assert {(round(p.width), round(p.height)) for p in pages["certificates"]} == {
        (round(A4[1]), round(A4[0]))
    }
