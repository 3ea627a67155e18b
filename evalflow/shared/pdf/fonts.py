"""The fonts of every PDF: a CJK TrueType font embedded when the system has one, and fallback fonts for
the characters it lacks.

WenQuanYi Zen Hei (``fonts-wqy-zenhei``) or Noto Sans CJK are embedded as subsets, so the PDF shows
the same glyphs on every reader. Without them, reportlab's built-in CID font STSong-Light is used; it
is not embedded and relies on the reader's Asian font pack.

A name may hold characters the CJK font has no glyph for (emoji, Arabic, Hebrew, combining accents).
``fallback_fonts`` are monochrome TrueType fonts found on the system (DejaVu Sans covers many scripts
and some emoji; Symbola and Noto Sans Symbols 2 cover more symbols) that draw them instead; colour emoji
fonts (Noto Color Emoji) cannot be embedded by reportlab. ``covers`` tells from a font's character map
whether it has a glyph. What no font covers, ``layout.markup`` replaces visibly.

reportlab writes a character beyond the Basic Multilingual Plane (an emoji, a rare CJK character such as
𠮷 U+20BB7) into a font's ToUnicode map as five hex digits, where PDF asks for UTF-16 (a surrogate
pair); readers then copy and search it as another character. ``_utf16_to_unicode_cmap`` corrects those
entries; it replaces ``reportlab.pdfbase.ttfonts.makeToUnicodeCMap`` when this module is imported, and
``tests/unit/test_pdf_layout.py`` fails if the fix stops taking effect.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "EvalflowCJK"
FALLBACK_FONT = "STSong-Light"
CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)
# Tried in this order for a character the CJK font lacks; each one found is embedded as a subset.
FALLBACK_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansSymbols2-Regular.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)

_BEYOND_BMP = re.compile(r"<([0-9A-F]{5,6})>$", re.MULTILINE)  # a bfchar destination such as <1F600>
_reportlab_cmap = ttfonts.makeToUnicodeCMap


def _utf16_to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode CMap with every character beyond the BMP written as UTF-16BE."""
    return _BEYOND_BMP.sub(
        lambda m: "<" + chr(int(m[1], 16)).encode("utf-16-be").hex().upper() + ">",
        _reportlab_cmap(fontname, subset),
    )


ttfonts.makeToUnicodeCMap = _utf16_to_unicode_cmap


@cache
def cjk_font() -> str:
    """Register and return the name of the best available CJK font (once per process)."""
    for path, index in CANDIDATES:
        if Path(path).is_file():
            try:
                pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=index))
            except Exception:  # a broken or unsupported font file: try the next one
                continue
            return FONT_NAME
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


@cache
def fallback_fonts() -> tuple[str, ...]:
    """Register and return the names of the fallback fonts the system has, in the order they are tried."""
    names = []
    for number, path in enumerate(FALLBACK_CANDIDATES):
        if Path(path).is_file():
            name = f"EvalflowFallback{number}"
            try:
                pdfmetrics.registerFont(TTFont(name, path))
            except Exception:  # a broken or unsupported font file: try the next one
                continue
            names.append(name)
    return tuple(names)


@cache
def _charmap(font: str) -> dict[int, int] | None:
    """The character map of a TrueType font; None for a CID font (no glyph table known here)."""
    face = getattr(pdfmetrics.getFont(font), "face", None)
    return getattr(face, "charToGlyph", None)


def covers(font: str, char: str) -> bool:
    """Whether *font* has a glyph for *char*. A CID font (STSong-Light) is trusted with the BMP."""
    charmap = _charmap(font)
    if charmap is None:
        return ord(char) < 0x10000
    return bool(charmap.get(ord(char)))
