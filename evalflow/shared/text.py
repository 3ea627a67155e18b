"""What text the application accepts, checked the same way for HTML forms and the JSON API.

Pure Python. Every user-typed text ends up in the database, in PDF documents and in XML (Word,
the PDF library): it must consist of characters those can hold — XML 1.0's characters, which
excludes the NUL byte (PostgreSQL refuses it), other control characters and lone UTF-16 surrogates
(no encoder can write them). A text that is required, or that is given at all, must also contain at
least one visible character: a title of only ``\\ufeff`` or zero-width spaces looks empty to every
reader.

A one-line text (a name, a title, a label: ``single_line``) must also hold no line break of any kind —
LF, CR, TAB, or Unicode's line and paragraph separators U+2028 / U+2029, which ``str.splitlines()``,
JavaScript and many readers take for line ends (NEL, VT, FF and FS/GS/RS are control characters,
refused in every text). Such a text is printed inside the lines of exports (the ballots' CSV, the
canonical form whose fields TAB separates), one line of a PDF and one line of a table. The HTML forms
check every one-line input this way (a browser never puts a line break in one), the API its one-line
fields (``shared.api.schemas.line``), and the unit list import its columns (``intake.rules.clean_unit``).
"""

from __future__ import annotations

import unicodedata

from evalflow.shared.messages import N_, Message, msg

# Characters that draw nothing although Unicode does not class them as spaces or formats.
_BLANK_LOOKALIKES = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u180e")
# Categories that never draw a glyph: spaces, separators, controls, formats (BOM, zero-width
# spaces and joiners, direction marks), surrogates; combining marks draw nothing on their own.
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Mn", "Me"})


# What ends or breaks a line, with the name a message shows for it.
LINE_BREAKS: dict[str, Message | str] = {
    "\n": msg(N_("换行符 LF")),
    "\r": msg(N_("回车符 CR")),
    "\t": msg(N_("制表符 TAB")),
    "\u2028": "U+2028",
    "\u2029": "U+2029",
}


def forbidden_character(value: str) -> str | None:
    """The first character that cannot be stored or written to XML/PDF, or None."""
    for ch in value:
        code = ord(ch)
        if code in (0x09, 0x0A, 0x0D):
            continue
        if code < 0x20 or 0x7F <= code <= 0x9F:
            return ch  # NUL and the other control characters
        if 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
            return ch  # a lone surrogate or a non-character
    return None


def line_break(value: str) -> str | None:
    """The first character of *value* that a one-line text may not hold (see LINE_BREAKS), or None."""
    return next((ch for ch in value if ch in LINE_BREAKS), None)


def is_visible(ch: str) -> bool:
    if ch in _BLANK_LOOKALIKES or ch.isspace():
        return False
    return unicodedata.category(ch) not in _INVISIBLE_CATEGORIES


def has_visible_text(value: str) -> bool:
    return any(is_visible(ch) for ch in value)


def text_problem(value: str, *, required: bool, single_line: bool = False) -> Message | None:
    """Why *value* cannot be accepted as user text, or None when it can.

    ``required``: the text must not be empty. An optional text may be empty or blank; when it is
    given with only invisible characters it is refused too (it would look empty but not be).
    ``single_line``: a name, title or label — no line break of any kind (LINE_BREAKS)."""
    if forbidden_character(value) is not None:
        return msg(N_("含有无法保存的字符(如空字符、控制字符或不完整的 Unicode 字符),请删除后重试。"))
    if single_line and (ch := line_break(value)) is not None:
        return msg(
            N_("须写在一行内:不能包含换行符、制表符或 Unicode 行/段分隔符(此处含 %(char)s)。"),
            char=LINE_BREAKS[ch],
        )
    if has_visible_text(value):
        return None
    if not value.strip() and not required:
        return None
    if not value:
        return msg(N_("请填写此项。"))
    return msg(N_("不能只包含空白或不可见的字符,请填写可见的文字。"))
