"""The layout helper every PDF builder draws user text with (evalflow/shared/pdf/layout.py) and the fonts."""

from __future__ import annotations

import io

import pdfplumber
import pytest
from reportlab.pdfgen.canvas import Canvas

from evalflow.shared.pdf import fonts, layout

WIDTH = 200.0
needs_fallback = pytest.mark.skipif(
    not any(fonts.covers(name, "😀") for name in fonts.fallback_fonts()),
    reason="no fallback font with 😀 installed (fonts-dejavu-core)",
)


def _render(draw) -> str:  # type: ignore[no-untyped-def]
    """The text pdfplumber extracts from a page drawn by *draw(canvas)*."""
    buffer = io.BytesIO()
    c = Canvas(buffer)
    draw(c)
    c.save()
    with pdfplumber.open(io.BytesIO(buffer.getvalue())) as pdf:
        return pdf.pages[0].extract_text()


def test_markup_escapes_user_text():
    assert layout.markup("<b>甲&amp;乙</b> 100%") == "&lt;b&gt;甲&amp;amp;乙&lt;/b&gt; 100%"


@needs_fallback
def test_markup_draws_a_missing_glyph_in_a_fallback_font():
    fallback = fonts.fallback_fonts()[0]
    assert layout.markup("甲😀乙") == f'甲<font name="{fallback}">😀</font>乙'


def test_markup_shows_the_code_of_a_character_no_font_has(monkeypatch):
    monkeypatch.setattr(layout, "fallback_fonts", lambda: ())
    assert layout.markup("甲😀乙") == "甲[U+1F600]乙"
    assert layout.visible("甲😀乙") == "甲[U+1F600]乙"


def test_markup_leaves_out_invisible_format_characters():
    assert layout.visible("甲\u200d乙\ufe0f丙\u200b") == "甲乙丙"


def test_fit_keeps_the_size_when_the_text_fits():
    para = layout.fit("第一社区", layout.style(12), WIDTH, 20)
    assert para.style.fontSize == 12 and para.plain == "第一社区"


def test_fit_shrinks_a_long_text_to_the_largest_size_that_fits():
    text = "测" * 60
    para = layout.fit(text, layout.style(12), WIDTH, 40)
    _, height = para.wrap(WIDTH, 40)
    size = para.style.fontSize
    assert 6 <= size < 12 and height <= 40 and para.plain == text
    bigger = layout.paragraph(text, layout.style(size + layout.STEP, leading=para.style.leading * 1.03))
    assert bigger.wrap(WIDTH, 40)[1] > 40


def test_fit_cuts_with_an_ellipsis_only_below_the_floor():
    text = "测" * 400
    para = layout.fit(text, layout.style(12), WIDTH, 30, floor=6)
    assert (
        para.style.fontSize == 6
        and para.plain.endswith("…")
        and para.plain[:-1] == text[: len(para.plain) - 1]
    )
    assert para.wrap(WIDTH, 30)[1] <= 30


def test_fit_keeps_a_suffix_when_it_cuts():
    height = layout.one_line(layout.style(8))
    para = layout.fit("测" * 400, layout.style(8), WIDTH, height, suffix=" · 3")
    assert para.plain.endswith("… · 3") and para.wrap(WIDTH, height)[1] <= height


def test_fit_without_cut_keeps_the_whole_text_taller_than_the_box():
    text = "测" * 400
    para = layout.fit(text, layout.style(12), WIDTH, 30, floor=6, cut=False)
    assert para.plain == text and para.style.fontSize == 6 and para.wrap(WIDTH, 30)[1] > 30


def _drawn(para) -> str:  # type: ignore[no-untyped-def]
    """The text of a wrapped paragraph's lines, as reportlab will draw them."""
    lines = para.blPara.lines
    if para.blPara.kind == 0:
        return "|".join(" ".join(words) for _, words in lines)
    return "|".join("".join(getattr(w, "text", "") for w in line.words) for line in lines)


def test_text_split_adds_no_space_between_cjk_lines():
    """reportlab's Paragraph.split joins the lines it carries over with spaces: 测测 测测 测测 …"""
    text = "😀" + "测" * 200  # the emoji makes it a paragraph of several fragments
    para = layout.paragraph(text, layout.style(10))
    para.wrap(WIDTH, 1000)
    first, rest = para.split(WIDTH, 30)
    rest.wrap(WIDTH, 1000)
    assert first.plain + rest.plain == text
    assert " " not in _drawn(rest) and len(_drawn(rest).split("|")) > 3


def test_text_split_keeps_a_latin_word_whole():
    text = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron"
    para = layout.paragraph(text, layout.style(10))
    para.wrap(100, 1000)
    first, rest = para.split(100, 30)
    assert first.plain.split()[-1] in text.split() and rest.plain.split()[0] in text.split()
    assert f"{first.plain} {rest.plain}" == text


def test_flow_continues_on_a_new_page():
    pages = []

    def draw(c: Canvas) -> None:
        def new_page() -> float:
            pages.append(1)
            c.showPage()
            return 800.0

        para = layout.paragraph("测" * 3000, layout.style(10))
        bottom = layout.flow(c, para, 50, 100, 400, 50, new_page)
        assert 50 <= bottom < 800

    _render(draw)
    assert len(pages) >= 2


@needs_fallback
def test_pdf_text_of_an_emoji_copies_as_the_emoji():
    """reportlab wrote 😀 into the ToUnicode map as <1F600>; readers copied it as U+1F60 (ὠ)."""
    text = _render(lambda c: layout.draw_box(c, "甲😀乙", layout.style(12), 50, 700, WIDTH, 40))
    assert text == "甲😀乙"


@needs_fallback
@pytest.mark.parametrize("char", ["😀", "é", "ש"])
def test_covers_reads_the_fonts_character_map(char):
    assert not fonts.covers(fonts.cjk_font(), char) or char == "é"
    assert any(fonts.covers(name, char) for name in fonts.fallback_fonts())
