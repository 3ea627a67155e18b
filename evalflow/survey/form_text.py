r"""The questionnaire as plain text, for the office's page (one textarea, no script) — pure Python.

A line is a question; the lines under it that start with ``-`` are its options, ``label = points``,
with a trailing ``*`` when the option counts as satisfied::

    您对该单位的服务态度是否满意?
    - 满意 = 10 *
    - 基本满意 = 8 *
    - 不满意 = 0

:func:`from_text` gives the API's ``questions`` list (checked afterwards by
:func:`evalflow.survey.rules.parse_questionnaire`, like the API's body); :func:`to_text` writes it back,
so that saving the page unchanged changes nothing: ``from_text(to_text(q))`` gives back every text and
label of any questionnaire (``tests/unit/test_survey_rules.py`` tries tricky ones). For that, a text
is written with a backslash escape where it could be misread:

- a question whose text starts with ``-`` is written ``\-…`` (else it would read as an option);
- a backslash is written ``\\``;
- a character that ends a line for :meth:`str.splitlines` (U+2028, U+2029, NEL …; the API refuses
  them now, an older stored questionnaire may hold one) is written ``\uXXXX``.

Any other backslash typed on the page is kept as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evalflow.shared.messages import N_

MAX_TEXT = 40_000
# Every character str.splitlines() ends a line at.
_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
HINT = N_("问题以“-”开头时请写成“\\-”;文字中的“\\”请写成“\\\\”。")

DEFAULT_TEXT = """您对该单位的文明创建工作是否满意?
- 满意 = 10 *
- 基本满意 = 8 *
- 不满意 = 0
您对该单位的服务态度和办事效率是否满意?
- 满意 = 10 *
- 基本满意 = 8 *
- 不满意 = 0
您对该单位周边环境卫生和秩序是否满意?
- 满意 = 10 *
- 基本满意 = 8 *
- 不满意 = 0"""


def _escape(text: str) -> str:
    return "".join("\\\\" if ch == "\\" else f"\\u{ord(ch):04x}" if ch in _BREAKS else ch for ch in text)


def _unescape(text: str) -> str:
    """*text* with the escapes :func:`_escape` writes (and ``\\-``) read back; any other backslash kept."""
    out, i = [], 0
    while i < len(text):
        ch, nxt = text[i], text[i + 1 : i + 2]
        if ch == "\\" and nxt in ("\\", "-"):
            out.append(nxt)
            i += 2
        elif ch == "\\" and nxt == "u" and _hex4(text[i + 2 : i + 6]):
            out.append(chr(int(text[i + 2 : i + 6], 16)))
            i += 6
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _hex4(text: str) -> bool:
    return len(text) == 4 and all(c in "0123456789abcdefABCDEF" for c in text)


def _option(line: str) -> dict[str, Any]:
    body = line[1:].strip()
    satisfied = body.endswith("*")
    body = body.rstrip("*").strip()
    label, sep, points = body.rpartition("=")
    if not sep:
        return {"label": _unescape(body), "points": 0, "satisfied": satisfied}
    return {"label": _unescape(label.strip()), "points": points.strip(), "satisfied": satisfied}


def from_text(text: str) -> list[dict[str, Any]]:
    """The questions written in *text* (options before any question are kept as an empty-text
    question, so the check names them)."""
    questions: list[dict[str, Any]] = []
    for raw in text[:MAX_TEXT].splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("-"):
            if not questions:
                questions.append({"text": "", "options": []})
            questions[-1]["options"].append(_option(line))
        else:
            questions.append({"text": _unescape(line), "options": []})
    return questions


def to_text(questions: Sequence[Mapping[str, Any]]) -> str:
    """*questions* (the stored form) written back as text (escaped where it could be misread)."""
    lines = []
    for question in questions:
        text = _escape(str(question["text"]))
        lines.append("\\" + text if text.startswith("-") else text)
        for option in question["options"]:
            mark = " *" if option["satisfied"] else ""
            lines.append(f"- {_escape(str(option['label']))} = {option['points']}{mark}")
    return "\n".join(lines)
