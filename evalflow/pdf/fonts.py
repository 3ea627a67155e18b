"""The CJK font of every PDF: a real TrueType font embedded when the system has one.

WenQuanYi Zen Hei (``fonts-wqy-zenhei``) or Noto Sans CJK are embedded as subsets, so the PDF shows
the same glyphs on every reader. Without them, reportlab's built-in CID font STSong-Light is used; it
is not embedded and relies on the reader's Asian font pack.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "EvalflowCJK"
FALLBACK_FONT = "STSong-Light"
CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)


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
