"""What text a user may send us: no NUL bytes, no lone surrogates, no control characters, and,
where text is required, something visible.

One checker for every face: the API schemas and the HTML forms both call :func:`text_problem`.
"""

from __future__ import annotations

import unicodedata

from .messages import N_, Message, msg

# Tab, line feed and carriage return are ordinary in multi-line text; other C0/C1 controls are not.
ALLOWED_CONTROLS = frozenset("\t\n\r")
# Characters that render as nothing: spaces, zero-width characters, the BOM, bidi marks.
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cf", "Mn", "Me"})


def is_invisible(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in _INVISIBLE_CATEGORIES


def text_problem(value: str, *, required: bool) -> Message | None:
    """Why *value* is not acceptable user text, or ``None`` when it is."""
    for ch in value:
        code = ord(ch)
        if code == 0:
            return msg(N_("文字中不能包含空字符(NUL)。"))
        if 0xD800 <= code <= 0xDFFF:
            return msg(N_("文字中含有无效的字符编码。"))
        if unicodedata.category(ch) == "Cc" and ch not in ALLOWED_CONTROLS:
            return msg(N_("文字中不能包含控制字符。"))
    if required and all(is_invisible(ch) for ch in value):
        return msg(N_("请填写内容(不能只有空白或不可见字符)。"))
    return None
