"""The rules of the all-applicants training (集中培训) and of the delegations (代表席位).

Pure Python: the default agenda of the process, attendance and its excuse rule, the shared Q&A
(信息共享: an answered question is visible to every unit, an open one only to the office and the
unit that asked), the three seats of a delegation and the expiry of a venue check-in code.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from evalflow.shared.bounds import is_ascii_number
from evalflow.shared.campaigns.rules import MAX_SEAT_NAME, SeatRole
from evalflow.shared.errors import InvalidInput
from evalflow.shared.messages import N_, Message, msg

DEFAULT_AGENDA: tuple[str, ...] = (
    N_("创建工作的意义"),
    N_("申报评选流程"),
    N_("听取汇报"),
    N_("审核材料"),
    N_("实地考察"),
    N_("问卷调查"),
)

MAX_AGENDA_ITEMS = 30
MAX_AGENDA_ITEM = 200
MAX_PLACE = 200
MAX_NOTE = 500
MAX_QUESTION = 2000
MAX_ANSWER = 10000
CHECKIN_DEFAULT_MINUTES = 30
CHECKIN_MAX_MINUTES = 480
MAX_CHECKIN_CODE = 128  # longer than any code we issue
MAX_QUERY = 100  # a Q&A search


class AttendanceStatus(enum.StrEnum):
    ATTENDED = "attended"
    EXCUSED = "excused"

    @property
    def label(self) -> str:
        return N_("已参训") if self is AttendanceStatus.ATTENDED else N_("请假")


def _text(value: object) -> str | None:
    """The stripped string, or None when *value* is not a string."""
    return value.strip() if isinstance(value, str) else None


def _required_text(data: Mapping[str, Any], key: str, limit: int, missing: str) -> tuple[str, list[Message]]:
    value = _text(data.get(key))
    if not value:
        return "", [msg(missing)]
    if len(value) > limit:
        return "", [msg(N_("最多 %(max)d 个字。"), max=limit)]
    return value, []


# --- attendance -------------------------------------------------------------------------------


def parse_attendance(data: Mapping[str, Any]) -> tuple[AttendanceStatus, str]:
    """``{"status", "note"?}`` → (status, note). An excuse (请假) needs a note."""
    fields: dict[str, list[Message]] = {}
    try:
        status = AttendanceStatus(str(data.get("status")))
    except ValueError:
        fields["status"] = [msg(N_("状态须为 attended(已参训)或 excused(请假)。"))]
        status = AttendanceStatus.ATTENDED
    note = data.get("note") if data.get("note") is not None else ""
    if not isinstance(note, str) or len(note.strip()) > MAX_NOTE:
        fields["note"] = [msg(N_("说明须为文字,最多 %(max)d 个字。"), max=MAX_NOTE)]
    elif status is AttendanceStatus.EXCUSED and not note.strip():
        fields["note"] = [msg(N_("请假须填写说明。"))]
    if fields:
        raise InvalidInput(fields=fields)
    return status, note.strip()


@dataclass(frozen=True)
class AttendanceProgress:
    """How far the training's attendance is: who attended, who is excused, who is still missing."""

    total: int
    attended: tuple[str, ...]
    excused: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def trained(self) -> int:
        return len(self.attended)

    @property
    def complete(self) -> bool:
        return not self.missing


def progress(units: Sequence[tuple[str, AttendanceStatus | None]]) -> AttendanceProgress:
    """Summarise ``(unit name, status or None)`` pairs of the accepted units."""
    return AttendanceProgress(
        total=len(units),
        attended=tuple(n for n, s in units if s is AttendanceStatus.ATTENDED),
        excused=tuple(n for n, s in units if s is AttendanceStatus.EXCUSED),
        missing=tuple(n for n, s in units if s is None),
    )


# --- schedule ---------------------------------------------------------------------------------


def parse_agenda(value: object) -> list[str]:
    """A list of topics: blanks dropped, each at most 200 characters, at most 30 topics."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(fields={"agenda": [msg(N_("议程须为文字列表。"))]})
    items = [v.strip() for v in value if v.strip()]
    if not items:
        raise InvalidInput(fields={"agenda": [msg(N_("议程至少需要一项。"))]})
    if len(items) > MAX_AGENDA_ITEMS or any(len(v) > MAX_AGENDA_ITEM for v in items):
        raise InvalidInput(
            fields={
                "agenda": [
                    msg(
                        N_("议程最多 %(n)d 项,每项最多 %(max)d 个字。"),
                        n=MAX_AGENDA_ITEMS,
                        max=MAX_AGENDA_ITEM,
                    )
                ]
            }
        )
    return items


def parse_place(value: object) -> str:
    place = _text(value if value is not None else "")
    if place is None or len(place) > MAX_PLACE:
        raise InvalidInput(fields={"place": [msg(N_("地点须为文字,最多 %(max)d 个字。"), max=MAX_PLACE)]})
    return place


def checkin_open(expires_at: datetime | None, now: datetime) -> bool:
    """A venue check-in code works until it expires (and not at all once closed)."""
    return expires_at is not None and now < expires_at


def parse_checkin_minutes(value: object) -> int:
    """How long a venue check-in stays open: a whole number of minutes (a form's digits too);
    nothing given means the default."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return CHECKIN_DEFAULT_MINUTES
    text = value.strip() if isinstance(value, str) else ""
    if is_ascii_number(text) and len(text) <= len(str(CHECKIN_MAX_MINUTES)):  # int() of 5000 digits fails
        value = int(text)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= CHECKIN_MAX_MINUTES:
        raise InvalidInput(
            fields={
                "minutes": [msg(N_("有效时间须为 1 到 %(max)d 分钟之间的整数。"), max=CHECKIN_MAX_MINUTES)]
            }
        )
    return value


# --- shared Q&A -------------------------------------------------------------------------------


def parse_faq(data: Mapping[str, Any], *, need_answer: bool) -> tuple[str, str]:
    """``{"question", "answer"}`` → (question, answer); the office always records both."""
    question, q_errors = _required_text(data, "question", MAX_QUESTION, N_("请填写问题。"))
    answer, a_errors = "", []
    if need_answer:
        answer, a_errors = _required_text(data, "answer", MAX_ANSWER, N_("请填写解答。"))
    fields = {k: v for k, v in (("question", q_errors), ("answer", a_errors)) if v}
    if fields:
        raise InvalidInput(fields=fields)
    return question, answer


def parse_answer(data: Mapping[str, Any]) -> str:
    answer, errors = _required_text(data, "answer", MAX_ANSWER, N_("请填写解答。"))
    if errors:
        raise InvalidInput(fields={"answer": errors})
    return answer


def faq_visible(answered: bool, asked_by: int | None, *, viewer_unit: int | None, office: bool) -> bool:
    """信息共享: answered entries are for everyone; an open question only for the office and its asker."""
    return answered or office or (asked_by is not None and asked_by == viewer_unit)


# --- delegations ------------------------------------------------------------------------------


def parse_seat_role(value: object) -> SeatRole:
    try:
        return SeatRole(str(value))
    except ValueError:
        raise InvalidInput(
            fields={"role": [msg(N_("席位须为 reporter(汇报人)、cadre(中层干部代表)或 public(群众代表)。"))]}
        ) from None


def parse_seat_name(value: object) -> str:
    name, errors = _required_text({"name": value}, "name", MAX_SEAT_NAME, N_("请填写代表姓名。"))
    if errors:
        raise InvalidInput(fields={"name": errors})
    return name


def parse_seat(data: Mapping[str, Any]) -> tuple[SeatRole, str]:
    """``{"role", "name"}`` → (role, name), reporting both fields' errors at once."""
    fields: dict[str, list[Message]] = {}
    role, name = SeatRole.REPORTER, ""
    try:
        role = parse_seat_role(data.get("role"))
    except InvalidInput as exc:
        fields.update(exc.fields)
    try:
        name = parse_seat_name(data.get("name"))
    except InvalidInput as exc:
        fields.update(exc.fields)
    if fields:
        raise InvalidInput(fields=fields)
    return role, name
