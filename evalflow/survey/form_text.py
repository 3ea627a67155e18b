"""The questionnaire as plain text, for the office's page (one textarea, no script) — pure Python.

A line is a question; the lines under it that start with ``-`` are its options, ``label = points``,
with a trailing ``*`` when the option counts as satisfied::

    您对该单位的服务态度是否满意?
    - 满意 = 10 *
    - 基本满意 = 8 *
    - 不满意 = 0

:func:`from_text` gives the API's ``questions`` list (checked afterwards by
:func:`evalflow.survey.rules.parse_questionnaire`, like the API's body); :func:`to_text` writes it back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

MAX_TEXT = 40_000

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


def _option(line: str) -> dict[str, Any]:
    body = line[1:].strip()
    satisfied = body.endswith("*")
    body = body.rstrip("*").strip()
    label, sep, points = body.rpartition("=")
    if not sep:
        return {"label": body, "points": 0, "satisfied": satisfied}
    return {"label": label.strip(), "points": points.strip(), "satisfied": satisfied}


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
            questions.append({"text": line, "options": []})
    return questions


def to_text(questions: Sequence[Mapping[str, Any]]) -> str:
    """*questions* (the stored form) written back as text."""
    lines = []
    for question in questions:
        lines.append(str(question["text"]))
        for option in question["options"]:
            mark = " *" if option["satisfied"] else ""
            lines.append(f"- {option['label']} = {option['points']}{mark}")
    return "\n".join(lines)
