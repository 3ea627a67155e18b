"""Text in boxes, the same way in every PDF: any name fits its box and stays readable.

User text (a unit's name, a campaign's title, a seat's name) can be as long as the domain allows and hold
any character. Every builder draws it through this module:

- ``markup`` turns plain text into reportlab paragraph markup: escaped (``<b>`` and ``&amp;`` are drawn as
  text), characters the CJK font lacks drawn in a fallback font (``fonts.fallback_fonts``), and characters
  no font has shown *visibly* as their code point (``[U+1F389]``) — never a silent blank.
  Invisible format characters (zero-width joiner, variation selectors, direction marks) are left out.
- ``paragraph`` and ``style`` make a reportlab ``Paragraph`` that wraps the way CJK text does: between any
  two characters, and Latin text at spaces (or anywhere in a long unbroken string).
- ``fit`` and ``draw_box`` fit a text into a fixed box: wrap it, shrink the font to the largest size that
  fits (re-wrapping at each size, in steps of ``STEP``) but not below a floor, and only then cut the text
  with a visible ellipsis. reportlab's ``KeepInFrame(mode="shrink")`` was tried: it scales by an estimate
  that often leaves the text far smaller than its box, and knows no floor. Callers give boxes big enough
  that the names of legal documents (the certificate's unit, the notice's list) never reach the ellipsis.
  The decisions are remembered (``_decisions``, a bounded memo): a card sheet fits one title once.
- ``flow`` draws a paragraph from a point down a page, continuing on new pages.

Right-to-left text is drawn in its stored (logical) order: reportlab reorders bidirectional text only
with its optional ``rlbidi`` package and never together with CJK line breaking.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterator
from xml.sax.saxutils import escape

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph

from evalflow.shared.pdf.fonts import cjk_font, covers, fallback_fonts

FLOOR = 6.0  # the smallest font size (pt) a box shrinks its text to before cutting it
ELLIPSIS = "…"
FUZZ = 0.01
STEP = 0.25  # pt: a shrunk size is a multiple of this above the floor
INK = HexColor("#1f2329")

_DROP = ""  # run kind: an invisible format character, left out
_CODE = None  # run kind: no font has it, its code is shown


def _font_for(char: str, font: str) -> str | None:
    """The font that draws *char*: *font*, a fallback font, ``_DROP`` or ``_CODE``."""
    if unicodedata.category(char) == "Cf" or 0xFE00 <= ord(char) <= 0xFE0F or 0xE0100 <= ord(char) <= 0xE01EF:
        return _DROP
    if char.isspace() or covers(font, char):
        return font
    return next((name for name in fallback_fonts() if covers(name, char)), _CODE)


def _runs(text: str, font: str) -> Iterator[tuple[str | None, str]]:
    """*text* cut into runs of characters drawn the same way: ``(font or _DROP or _CODE, characters)``."""
    kind: str | None = font
    run = ""
    for char in text:
        char_kind = _font_for(char, font)
        if char.isspace() and not covers(font, char):  # a tab, a line break, a space the font lacks
            char = " "
        if char_kind != kind and run:
            yield kind, run
            run = ""
        kind = char_kind
        run += char
    if run:
        yield kind, run


def _code(chars: str) -> str:
    return "".join(f"[U+{ord(c):04X}]" for c in chars)


def visible(text: str, font: str | None = None) -> str:
    """*text* as the PDF shows it: codes for the characters no font has, format characters left out."""
    font = font or cjk_font()
    return "".join(_code(run) if kind is _CODE else run for kind, run in _runs(text, font) if kind != _DROP)


def markup(text: str, font: str | None = None) -> str:
    """Paragraph markup that draws plain *text* as it is, in *font* and the fallback fonts."""
    font = font or cjk_font()
    parts = []
    for kind, run in _runs(text, font):
        if kind == font:
            parts.append(escape(run))
        elif kind is _CODE:
            parts.append(_code(run))
        elif kind != _DROP:
            parts.append(f'<font name="{kind}">{escape(run)}</font>')
    return "".join(parts)


def style(
    size: float,
    *,
    leading: float | None = None,
    color: Color = INK,
    align: int = TA_LEFT,
    font: str | None = None,
    name: str = "box",
) -> ParagraphStyle:
    """A paragraph style that breaks lines as CJK text does (Latin at spaces, or anywhere if it must)."""
    return ParagraphStyle(
        name,
        fontName=font or cjk_font(),
        fontSize=size,
        leading=leading or size * 1.3,
        textColor=color,
        alignment=align,
        wordWrap="CJK",
    )


class Text(Paragraph):
    """A paragraph of plain text (drawn through ``markup``) that splits between pages as it wraps.

    reportlab's own ``Paragraph.split`` joins the lines left for the next page with a space, right for
    Latin text broken at spaces but wrong for CJK text broken between characters: a stray space would
    appear where each line ended. This one splits the *text* itself: the longest start of it that fits.
    """

    def __init__(self, text: str, st: ParagraphStyle) -> None:
        super().__init__(markup(text, st.fontName), st)
        self.plain = text  # after reportlab's __init__, which keeps the markup as ``text``

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        lines = int((availHeight + FUZZ) // self.style.leading)
        if lines < 1 or lines < 2 and not self.style.allowOrphans:
            return []
        if _fits(self, availWidth, availHeight):
            return [self]
        n = _longest_start(
            self.plain, self.style, availWidth, lines * self.style.leading, self._characters(lines)
        )
        if n == 0:
            return []
        rest = ParagraphStyle(f"{self.style.name}-rest", parent=self.style, firstLineIndent=0)
        return [Text(self.plain[:n].rstrip(), self.style), Text(self.plain[n:].lstrip(), rest)]

    def _characters(self, lines: int) -> int:
        """How many characters of the text the first *lines* lines hold (after ``wrap``), about: the guess
        where to split. The lines hold what is drawn; a character shown as its code counts once."""
        para = self.blPara
        if para.kind == 0:
            drawn = sum(len(" ".join(words)) for _, words in para.lines[:lines])
        else:
            drawn = sum(sum(len(getattr(w, "text", "")) for w in line.words) for line in para.lines[:lines])
        seen = 0
        for i, char in enumerate(self.plain):
            kind = _font_for(char, self.style.fontName)
            seen += len(_code(char)) if kind is _CODE else 0 if kind == _DROP else 1
            if seen >= drawn:
                return i + 1
        return len(self.plain)


def _longest_start(text: str, st: ParagraphStyle, width: float, height: float, guess: int) -> int:
    """The length of the longest start of *text* that fits *height*; a Latin word is not cut in two."""
    lo = _largest(lambda n: _fits(Text(text[:n], st), width, height), len(text), guess)
    word = lo
    while 0 < word > lo - 40 and _latin(text[word - 1]) and word < len(text) and _latin(text[word]):
        word -= 1
    return word if 0 < word < lo and text[word - 1].isspace() else lo


def _latin(char: str) -> bool:
    return char.isalnum() and ord(char) < 0x2E80


def paragraph(text: str, st: ParagraphStyle) -> Text:
    """The paragraph of plain *text* in style *st*."""
    return Text(text, st)


def _scaled(st: ParagraphStyle, size: float) -> ParagraphStyle:
    return ParagraphStyle(
        f"{st.name}-{size:.2f}", parent=st, fontSize=size, leading=st.leading * size / st.fontSize
    )


def _fits(para: Paragraph, width: float, height: float) -> bool:
    _, h = para.wrap(width, height)
    return h <= height + FUZZ


def _inside(para: Paragraph, width: float, height: float) -> bool:
    """Whether *para* fits the box, punctuation included: CJK line breaking lets a closing mark (。,)
    hang past the line's end rather than start the next line."""
    return _fits(para, width, height) and max(para.getActualLineWidths0(), default=0) <= width + FUZZ


def _largest(fits: Callable[[int], bool], top: int, guess: int) -> int:
    """The largest n in 0..*top* for which *fits(n)* holds, *fits* being true up to some n and false after
    (``fits(0)`` is taken as true): a gallop from *guess*, then a bisection — a few wraps, not log2(top)."""
    lo, hi, step = 0, top, 1
    guess = min(max(guess, 1), top)
    if top == 0:
        return 0
    if fits(guess):
        lo = guess
        while lo < hi:
            probe = min(hi, lo + step)
            if not fits(probe):
                hi = probe - 1
                break
            lo, step = probe, step * 2
    else:
        hi = guess - 1
        while lo < hi:
            probe = max(lo, guess - step)
            if fits(probe):
                lo = probe
                break
            hi, step = probe - 1, step * 2
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


Fit = tuple[float, int | None]  # the size to draw at, and how many characters to keep (None: all)
_decisions: dict[tuple[object, ...], Fit] = {}  # a memo: the same title on every card is fitted once
MEMO_SIZE = 4096


def _decide(
    text: str, st: ParagraphStyle, width: float, height: float, floor: float, suffix: str, cut: bool
) -> Fit:
    """How *text* + *suffix* fits the box: at the style's size, at the largest size down to *floor* (in
    steps of ``STEP``), or cut (with an ellipsis) at *floor*; with ``cut=False``, whole at *floor*."""
    whole = paragraph(text + suffix, st)
    if _inside(whole, width, height):
        return st.fontSize, None
    full = whole.height  # as wrapped by _inside
    low = min(floor, st.fontSize)

    def fits_size(step: int) -> bool:
        return _inside(paragraph(text + suffix, _scaled(st, low + step * STEP)), width, height)

    if fits_size(0):  # the text's area grows with the square of its size: guess from that
        guess = int((st.fontSize * math.sqrt(height / full) - low) / STEP)
        return low + _largest(fits_size, int((st.fontSize - low) / STEP), guess) * STEP, None
    if not cut:
        return low, None
    small = _scaled(st, low)
    _, at_floor = paragraph(text, small).wrap(width, height)

    def fits_chars(n: int) -> bool:
        return _inside(paragraph(text[:n].rstrip() + ELLIPSIS + suffix, small), width, height)

    return low, _largest(fits_chars, len(text), int(len(text) * height / max(at_floor, 1)))


def fit(
    text: str,
    st: ParagraphStyle,
    width: float,
    height: float,
    floor: float = FLOOR,
    *,
    suffix: str = "",
    cut: bool = True,
) -> Text:
    """A paragraph of *text* + *suffix* no bigger than *width* × *height* (wrapped): in style *st* if it fits,
    else shrunk to the largest size that fits but never below *floor* pt, else with *text* cut and an
    ellipsis added at *floor* pt (*suffix*, such as a page number, is never cut). With ``cut=False`` the
    whole text is kept at *floor* pt, taller than the box: for rows that grow to hold a full name."""
    look = (st.fontName, st.fontSize, st.leading, st.firstLineIndent, st.leftIndent, st.rightIndent)
    key = (text, suffix, *look, round(width, 2), round(height, 2), floor, cut)
    decision = _decisions.get(key)
    if decision is None:
        if len(_decisions) >= MEMO_SIZE:
            _decisions.clear()
        decision = _decisions[key] = _decide(text, st, width, height, floor, suffix, cut)
    size, keep = decision
    shown = text + suffix if keep is None else text[:keep].rstrip() + ELLIPSIS + suffix
    return paragraph(shown, st if size == st.fontSize else _scaled(st, size))


def draw_box(
    c: Canvas,
    text: str,
    st: ParagraphStyle,
    x: float,
    y: float,
    width: float,
    height: float,
    *,
    floor: float = FLOOR,
    valign: str = "top",
    suffix: str = "",
) -> float:
    """Draw *text* (see ``fit``) inside the box whose lower left corner is (*x*, *y*); returns the height
    it takes. *valign* is ``top``, ``middle`` or ``bottom``."""
    para = fit(text, st, width, height, floor, suffix=suffix)
    _, used = para.wrap(width, height)
    offset = {"top": height - used, "middle": (height - used) / 2, "bottom": 0.0}[valign]
    para.drawOn(c, x, y + offset)
    return used


def one_line(st: ParagraphStyle) -> float:
    """The height of a box that holds one line in style *st* (and never two, even shrunk)."""
    return st.leading + FUZZ


def flow(
    c: Canvas,
    para: Paragraph,
    x: float,
    top: float,
    width: float,
    bottom: float,
    new_page: Callable[[], float],
) -> float:
    """Draw *para* (best a ``Text``) from *top* down to at most *bottom*, continuing at the top that
    *new_page()* returns; returns the y just below it."""
    fresh = False
    while True:
        room = top - bottom
        _, h = para.wrap(width, room)
        parts = [] if h <= room + FUZZ else para.split(width, room)
        if h <= room + FUZZ or fresh and len(parts) != 2:  # it fits, or not even a fresh page holds a line
            para.drawOn(c, x, top - h)
            return top - h
        if len(parts) == 2:
            first, para = parts
            _, h = first.wrap(width, room)
            first.drawOn(c, x, top - h)
        top, fresh = new_page(), True
