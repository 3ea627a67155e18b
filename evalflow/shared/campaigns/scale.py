"""The scoring form (评定表): grades, their points and their written conditions.

The default follows the seed text's three grades; points 100/80/60 are the mission doc's default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from evalflow.shared.errors import InvalidInput
from evalflow.shared.messages import N_, Message, msg

MAX_GRADES = 10
MAX_LABEL = 20
MAX_CRITERIA = 2000
MAX_POINTS = 1000


@dataclass(frozen=True)
class Grade:
    label: str
    points: Decimal
    criteria: str = ""

    def as_dict(self) -> dict[str, Any]:
        points: int | float = (
            int(self.points) if self.points == self.points.to_integral() else float(self.points)
        )
        return {"label": self.label, "points": points, "criteria": self.criteria}


DEFAULT_SCALE: tuple[Grade, ...] = (
    Grade(
        "好",
        Decimal(100),
        "创建工作机制健全、措施有力,特色鲜明、成效显著,群众公认度高,汇报材料翔实。",
    ),
    Grade(
        "较好",
        Decimal(80),
        "创建工作机制较健全、措施较到位,取得一定成效,群众较为认可,汇报材料较完整。",
    ),
    Grade(
        "一般",
        Decimal(60),
        "创建工作有所开展,但机制、措施或成效尚有明显不足,群众认可度一般。",
    ),
)


def _points(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        points = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not points.is_finite() or points < 0 or points > MAX_POINTS:
        return None
    return points


def _grade_errors(index: int, raw: object, seen: set[str]) -> tuple[Grade | None, list[Message]]:
    if not isinstance(raw, Mapping):
        return None, [msg(N_("第 %(n)d 档格式不正确。"), n=index)]
    errors = []
    label = str(raw.get("label") or "").strip()
    criteria = str(raw.get("criteria") or "").strip()
    points = _points(raw.get("points"))
    if not label:
        errors.append(msg(N_("第 %(n)d 档缺少名称。"), n=index))
    elif len(label) > MAX_LABEL:
        errors.append(msg(N_("第 %(n)d 档名称过长(最多 %(max)d 字)。"), n=index, max=MAX_LABEL))
    elif label in seen:
        errors.append(msg(N_("档次名称“%(label)s”重复。"), label=label))
    if points is None:
        errors.append(msg(N_("第 %(n)d 档的分值必须是 0 到 1000 之间的数字。"), n=index))
    if len(criteria) > MAX_CRITERIA:
        errors.append(msg(N_("第 %(n)d 档评定条件过长(最多 %(max)d 字)。"), n=index, max=MAX_CRITERIA))
    seen.add(label)
    if errors:
        return None, errors
    return Grade(label, points, criteria), []  # type: ignore[arg-type]


def parse_scale(raw: object) -> tuple[Grade, ...]:
    """Validate a scale given as a list of ``{label, points, criteria}``; raise with every problem."""
    if not isinstance(raw, list | tuple) or not raw:
        raise InvalidInput(fields={"scale": [msg(N_("评定表必须是非空的档次列表。"))]})
    if len(raw) > MAX_GRADES:
        raise InvalidInput(fields={"scale": [msg(N_("评定表最多 %(max)d 个档次。"), max=MAX_GRADES)]})
    grades, errors, seen = [], [], set()
    for index, item in enumerate(raw, start=1):
        grade, problems = _grade_errors(index, item, seen)
        errors.extend(problems)
        if grade:
            grades.append(grade)
    if len(raw) < 2:
        errors.append(msg(N_("评定表至少需要两个档次。")))
    if errors:
        raise InvalidInput(msg(N_("评定表有误。")), fields={"scale": errors})
    return tuple(sorted(grades, key=lambda g: g.points, reverse=True))


def scale_to_json(grades: Iterable[Grade]) -> list[dict[str, Any]]:
    return [g.as_dict() for g in grades]


def scale_from_json(data: list[dict[str, Any]] | None) -> tuple[Grade, ...]:
    if not data:
        return DEFAULT_SCALE
    return tuple(Grade(d["label"], Decimal(str(d["points"])), d.get("criteria", "")) for d in data)
