"""Pure rules of report intake (申报): application states, report limits, file kinds, the report
outline, the veto look-back window, and the comparison of two submitted versions.

Nothing here touches Flask or the database; services gather facts and call these functions.
"""

from __future__ import annotations

import calendar
import difflib
import enum
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

from evalflow.shared import bounds
from evalflow.shared.errors import Conflict, InvalidInput
from evalflow.shared.messages import N_, Message, msg
from evalflow.shared.text import text_problem

MAX_TITLE = 200
MAX_REPORT = 20_000
MAX_COMMENT = 2_000
MAX_UNIT_NAME = 120
MAX_CATEGORY = 60
MAX_CONTACT = 60
MAX_PHONE = 40
MAX_VETO_DESCRIPTION = 5_000
MAX_WITHDRAWAL_REASON = 500
MAX_DEADLINE_REASON = 1_000  # why the office moved the intake deadline
MAX_VETO_KIND = 100  # a configured type's name
DEFAULT_LOOKBACK_MONTHS = 24

DEFAULT_VETO_TYPES: tuple[str, ...] = (
    "单位领导班子成员严重违纪违法",
    "单位职工发生刑事案件",
    "发生重大安全生产事故",
    "发生重大食品药品安全事故",
    "发生重大环境污染事故",
    "发生群体性事件",
    "被列入失信黑名单",
    "申报材料弄虚作假",
)


class ApplicationStatus(enum.StrEnum):
    """The application's states: the one enum the table's ``status`` column (its values are the
    column's CHECK list), the use cases, the pages and the API schemas use."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    REJECTED = "rejected"


STATUS_LABELS: dict[ApplicationStatus, str] = {
    ApplicationStatus.DRAFT: N_("草稿"),
    ApplicationStatus.SUBMITTED: N_("已提交待审核"),
    ApplicationStatus.ACCEPTED: N_("审核通过"),
    ApplicationStatus.RETURNED: N_("退回修改"),
    ApplicationStatus.REJECTED: N_("不予通过"),
}


class RegistrationState(enum.StrEnum):
    """A self-registered unit: waiting for the office, approved, or declined (then removed)."""

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return REGISTRATION_LABELS[self]


REGISTRATION_LABELS: dict[RegistrationState, str] = {
    RegistrationState.PENDING: N_("待审批"),
    RegistrationState.APPROVED: N_("已批准"),
    RegistrationState.DECLINED: N_("未批准"),
}


EDITABLE: frozenset[ApplicationStatus] = frozenset({ApplicationStatus.DRAFT, ApplicationStatus.RETURNED})


class ReviewDecision(enum.StrEnum):
    """The office's decision on a submitted application; each leads to one status."""

    ACCEPT = "accept"
    RETURN = "return"
    REJECT = "reject"


DECISION_TARGET: dict[ReviewDecision, ApplicationStatus] = {
    ReviewDecision.ACCEPT: ApplicationStatus.ACCEPTED,
    ReviewDecision.RETURN: ApplicationStatus.RETURNED,
    ReviewDecision.REJECT: ApplicationStatus.REJECTED,
}


def require_editable(status: str) -> None:
    """Raise 409 unless the unit may still change its application (draft, or returned to it)."""
    if ApplicationStatus(status) not in EDITABLE:
        raise Conflict(
            msg(
                N_("申报材料当前状态为“%(status)s”,不能修改。"),
                status=msg(STATUS_LABELS[ApplicationStatus(status)]),
            ),
            code="not_editable",
        )


def parse_decision(value: object) -> ReviewDecision:
    try:
        return ReviewDecision(str(value))
    except ValueError:
        raise InvalidInput(
            fields={"decision": [msg(N_("审核结论须为 accept、return 或 reject。"))]}
        ) from None


def review_target(status: str, decision: ReviewDecision, comment: str) -> ApplicationStatus:
    """The status a review moves a *status* application to; only submitted ones can be reviewed.

    Returning and rejecting need a comment: the unit must learn what to change or why.
    """
    if ApplicationStatus(status) is not ApplicationStatus.SUBMITTED:
        raise Conflict(msg(N_("只能审核已提交的申报材料。")), code="not_submitted")
    if decision is not ReviewDecision.ACCEPT and not comment.strip():
        raise InvalidInput(fields={"comment": [msg(N_("退回或不予通过时须填写意见。"))]})
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(fields={"comment": [msg(N_("意见最多 %(max)d 个字。"), max=MAX_COMMENT)]})
    return DECISION_TARGET[decision]


# --- the report ---------------------------------------------------------------------------


def _text_field(value: object, name: str, limit: int, errors: dict[str, list[Message]]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[name] = [msg(N_("须为文字。"))]
        return ""
    if len(value) > limit:
        errors[name] = [msg(N_("最多 %(max)d 个字,当前 %(n)d 个字。"), max=limit, n=len(value))]
    return value


def clean_report(title: object, text: object) -> tuple[str, str]:
    """Validate a draft's title and body (both may be empty in a draft); normalise line ends."""
    errors: dict[str, list[Message]] = {}
    clean_title = _text_field(title, "report_title", MAX_TITLE, errors).strip()
    clean_text = _text_field(text, "report_text", MAX_REPORT, errors)
    if errors:
        raise InvalidInput(msg(N_("申报材料有误,请检查。")), fields=errors)
    return clean_title, clean_text.replace("\r\n", "\n").replace("\r", "\n").strip()


def submission_errors(title: str, text: str) -> dict[str, list[Message]]:
    """What is missing before an application can be submitted."""
    errors: dict[str, list[Message]] = {}
    if not title.strip():
        errors["report_title"] = [msg(N_("请填写汇报材料标题。"))]
    if not text.strip():
        errors["report_text"] = [msg(N_("请填写汇报材料正文。"))]
    return errors


def deadline_passed(deadline: date | None, today: date) -> bool:
    """Submitting is possible through the whole deadline day (office time zone)."""
    return deadline is not None and today > deadline


# --- outline (一、二、三… headings) ----------------------------------------------------------

_CN_NUM = "一二三四五六七八九十百零〇"
_LEVEL1 = re.compile(rf"^\s*([{_CN_NUM}]+)\s*[、,,.．]\s*(.+)$")
_LEVEL2 = re.compile(rf"^\s*[((]\s*([{_CN_NUM}]+)\s*[))]\s*(.+)$")
_HEADING_END = re.compile(r"[。;;::!!??]")
MAX_HEADING = 40


@dataclass(frozen=True)
class Heading:
    level: int
    number: str
    text: str


def _heading_text(rest: str) -> str:
    text = _HEADING_END.split(rest.strip(), maxsplit=1)[0].strip()
    return text if len(text) <= MAX_HEADING else text[:MAX_HEADING] + "…"


def outline(text: str) -> list[Heading]:
    """The report's outline: 一、… headings (level 1) and (一)… headings (level 2), in order."""
    result = []
    for line in text.splitlines():
        for level, pattern in ((1, _LEVEL1), (2, _LEVEL2)):
            match = pattern.match(line)
            if match:
                result.append(Heading(level, match.group(1), _heading_text(match.group(2))))
                break
    return result


def guess_title(paragraphs: Iterable[str]) -> str:
    """A document's title: its first short line that is not itself an outline heading."""
    for line in paragraphs:
        line = line.strip()
        if not line:
            continue
        if len(line) <= 60 and not outline(line) and not _HEADING_END.search(line[:-1]):
            return line.rstrip("。")
        return ""
    return ""


class TitleAction(enum.StrEnum):
    """What an import did with the document's first line (told to the user)."""

    USED = "used"  # the draft had no title: the first line became the title
    DUPLICATE = "duplicate"  # the first line equals the draft's title: not repeated in the body
    KEPT = "kept"  # the draft keeps its title; the first line stays at the top of the body
    NONE = "none"  # no line looks like a title: everything went into the body


TITLE_NOTICES: dict[TitleAction, str] = {
    TitleAction.USED: N_("已将文档第一行“%(line)s”作为标题,正文从第二行开始。"),
    TitleAction.DUPLICATE: N_("文档第一行与现有标题“%(title)s”相同,未在正文中重复。"),
    TitleAction.KEPT: N_("保留了原有标题“%(title)s”;文档第一行“%(line)s”放在正文开头。"),
    TitleAction.NONE: N_("文档中没有可作标题的第一行,全部内容已放入正文,标题未改动。"),
}


@dataclass(frozen=True)
class TitleSplit:
    title: str
    body: list[str]
    action: TitleAction

    def notice(self, first_line: str) -> Message:
        return msg(TITLE_NOTICES[self.action], title=self.title, line=first_line)


def split_title(lines: list[str], current_title: str) -> TitleSplit:
    """Decide the title and body of an imported document; never drop a line.

    The first line becomes the title only when the draft has none and the document has more than
    one line; it is left out of the body only when it became the title or equals the current title.
    """
    current = current_title.strip()
    first = lines[0] if lines else ""
    guessed = guess_title(lines[:1]) if len(lines) > 1 else ""
    if current and first and (first == current or guessed == current):
        return TitleSplit(current, lines[1:], TitleAction.DUPLICATE)
    if current:
        return TitleSplit(current, lines, TitleAction.KEPT)
    if guessed and len(guessed) <= MAX_TITLE:
        return TitleSplit(guessed, lines[1:], TitleAction.USED)
    return TitleSplit("", lines, TitleAction.NONE)


# --- files ----------------------------------------------------------------------------------


# --- veto (一票否决) -----------------------------------------------------------------------------


def months_before(day: date, months: int) -> date:
    """The same calendar day *months* earlier (clamped to the month's end)."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def veto_applies(occurred_on: date, today: date, lookback_months: int) -> bool:
    """An incident counts when it happened within the look-back window ending today."""
    return months_before(today, lookback_months) <= occurred_on <= today


def clean_veto(kind: object, occurred_on: object, description: object, kinds: Collection[str], today: date):
    """Validate an incident; return ``(kind, date, description)`` or raise with every problem."""
    errors: dict[str, list[Message]] = {}
    if not isinstance(kind, str) or kind not in kinds:
        errors["kind"] = [msg(N_("请选择列表中的否决事项类型。"))]
    day = _parse_date(occurred_on)
    if day is None:
        errors["occurred_on"] = [msg(N_("请填写发生日期(YYYY-MM-DD)。"))]
    elif not bounds.day_in_range(day):
        errors["occurred_on"] = [bounds.day_range()]
    elif day > today:
        errors["occurred_on"] = [msg(N_("发生日期不能晚于今天。"))]
    text = _text_field(description, "description", MAX_VETO_DESCRIPTION, errors).strip()
    if not text and "description" not in errors:
        errors["description"] = [msg(N_("请填写情况说明。"))]
    if errors:
        raise InvalidInput(msg(N_("否决事项记录有误。")), fields=errors)
    return kind, day, text


def clean_withdrawal_reason(reason: object) -> str:
    """Validate the reason for withdrawing an incident: required, at most 500 characters."""
    errors: dict[str, list[Message]] = {}
    text = _text_field(reason, "reason", MAX_WITHDRAWAL_REASON, errors).strip()
    if not text and "reason" not in errors:
        errors["reason"] = [msg(N_("请填写撤销原因。"))]
    if errors:
        raise InvalidInput(msg(N_("撤销原因有误。")), fields=errors)
    return text


def _parse_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        return None


def parse_optional_date(value: object, field: str) -> date | None:
    if value in (None, ""):
        return None
    day = _parse_date(value)
    if day is None:
        raise InvalidInput(fields={field: [msg(N_("日期格式须为 YYYY-MM-DD。"))]})
    if not bounds.day_in_range(day):
        raise InvalidInput(fields={field: [bounds.day_range()]})
    return day


# --- units ------------------------------------------------------------------------------------


def clean_unit(data: dict) -> dict[str, str]:
    """Validate a unit's name, category and contact; raise with every problem."""
    errors: dict[str, list[Message]] = {}
    limits = {
        "name": MAX_UNIT_NAME,
        "category": MAX_CATEGORY,
        "contact_name": MAX_CONTACT,
        "contact_phone": MAX_PHONE,
    }
    raw = {key: _text_field(data.get(key), key, limit, errors) for key, limit in limits.items()}
    for key, value in raw.items():
        if key not in errors and (problem := text_problem(value, required=False, single_line=True)):
            errors[key] = [problem]
    clean = {key: value.strip() for key, value in raw.items()}
    if not clean["name"] and "name" not in errors:
        errors["name"] = [msg(N_("请填写单位名称。"))]
    if clean["contact_phone"] and not re.fullmatch(r"[0-9+\-() ]{3,40}", clean["contact_phone"]):
        errors["contact_phone"] = [msg(N_("联系电话只能包含数字、空格和 + - ( )。"))]
    if errors:
        raise InvalidInput(msg(N_("单位信息有误。")), fields=errors)
    return clean


# --- versions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionDiff:
    title_before: str
    title_after: str
    lines: tuple[tuple[str, str], ...]  # (kind, text) with kind in " ", "+", "-", "@"
    attachments_added: tuple[str, ...]
    attachments_removed: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return (
            self.title_before != self.title_after
            or any(k in "+-" for k, _ in self.lines)
            or bool(self.attachments_added or self.attachments_removed)
        )


def diff_versions(before: tuple[str, str, list[str]], after: tuple[str, str, list[str]]) -> VersionDiff:
    """What changed between two submissions ``(title, text, attachment names)``: a line diff."""
    raw = difflib.unified_diff(before[1].splitlines(), after[1].splitlines(), lineterm="", n=2)
    lines = tuple((line[0], line[1:]) for line in list(raw)[2:] if line)
    return VersionDiff(
        before[0],
        after[0],
        lines,
        tuple(n for n in after[2] if n not in before[2]),
        tuple(n for n in before[2] if n not in after[2]),
    )
