"""Pure rules of the public notice (公示), the objections (异议) and the commendation (审定表彰).

Limits, the validation of an objection and of the notice's contact block, the standard body of the
notice, and the states of an objection as the office works on it. No Flask, no database.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import Any

from evalflow.shared import bounds
from evalflow.shared.errors import InvalidInput
from evalflow.shared.messages import N_, Message, msg

MAX_TITLE = 200
MAX_NAME = 60
MAX_PHONE = 40
MAX_EMAIL = 120
MAX_CONTENT = 2_000
MIN_CONTENT = 10
MAX_REPLY = 2_000
MAX_ADDRESS = 200
POSTCODE_LENGTH = 6
MAX_RECEIPT = 40  # the column's length; a receipt is 24 characters
MAX_INVESTIGATION_NOTE = 500  # what the office writes when it starts investigating
MAX_NOTICE_UNITS = 1_000
MAX_EVIDENCE_FILES = 5
REPLY_WORKING_DAYS = 15  # default reply deadline, in working days after receipt
RECEIPT_BYTES = 18  # 144 random bits: receipt codes cannot be guessed or enumerated

# The steps every notice says were completed (the body of the standard notice).
STEPS: tuple[str, ...] = (N_("自愿申报"), N_("集中培训"), N_("集中汇报互评"), N_("综合评定"))

PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,38}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
POSTCODE_RE = re.compile(rf"^[0-9]{{{POSTCODE_LENGTH}}}$")
ANONYMOUS_NAMES = frozenset(
    {"匿名", "无名", "无名氏", "群众", "一群众", "知情人", "anonymous", "anon", "某某"}
)
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ObjectorKind(enum.StrEnum):
    """Who objects: a person under their real name, or a unit under its seal."""

    INDIVIDUAL = "individual"
    UNIT = "unit"


class ObjectionFileRole(enum.StrEnum):
    """What a file sent with an objection is: the objecting unit's seal image, or evidence."""

    SEAL = "seal"
    EVIDENCE = "evidence"


ANONYMOUS_REFUSED = N_(
    "不受理匿名异议:为便于调查核实和反馈处理结果,个人须提供真实姓名和联系电话,"
    "单位须提供单位名称、联系人、联系电话并加盖公章。您的信息仅用于核查,将予以保密。"
)


class ObjectionState(enum.StrEnum):
    """An objection as the office works on it: received, being investigated, then upheld or
    dismissed with a reply. The one enum the table's ``state`` column, the use cases, the pages and
    the API use; the contract's coarser ``status`` (``open`` until resolved) is read from it."""

    RECEIVED = "received"
    INVESTIGATING = "investigating"
    UPHELD = "upheld"
    DISMISSED = "dismissed"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]

    @property
    def resolved(self) -> bool:
        return self in OUTCOMES

    @property
    def status(self) -> str:
        """The API's ``status``: ``open`` while received or investigating, else the outcome."""
        return self.value if self.resolved else OPEN_STATUS


STATE_LABELS: dict[ObjectionState, str] = {
    ObjectionState.RECEIVED: N_("已受理"),
    ObjectionState.INVESTIGATING: N_("调查核实中"),
    ObjectionState.UPHELD: N_("异议成立"),
    ObjectionState.DISMISSED: N_("异议不成立"),
}
OUTCOMES: frozenset[ObjectionState] = frozenset({ObjectionState.UPHELD, ObjectionState.DISMISSED})
UNRESOLVED: frozenset[ObjectionState] = frozenset({ObjectionState.RECEIVED, ObjectionState.INVESTIGATING})
OPEN_STATUS = "open"
# The values of the API's ``status`` field, in the state's order.
STATUSES: tuple[str, ...] = tuple(dict.fromkeys(state.status for state in ObjectionState))


class NoticeStatus(enum.StrEnum):
    """A published notice's period, read from today's date: not yet begun, running, over."""

    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return NOTICE_STATUS_LABELS[self]


NOTICE_STATUS_LABELS: dict[NoticeStatus, str] = {
    NoticeStatus.SCHEDULED: N_("即将公示"),
    NoticeStatus.OPEN: N_("公示中"),
    NoticeStatus.CLOSED: N_("公示期已结束"),
}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _bad_text(value: str) -> bool:
    return bool(CONTROL_RE.search(value)) or any(0xD800 <= ord(c) <= 0xDFFF for c in value)


def _limit(errors: dict[str, list[Message]], name: str, value: str, max_len: int) -> None:
    if len(value) > max_len:
        errors.setdefault(name, []).append(msg(N_("最多 %(max)d 个字。"), max=max_len))
    elif _bad_text(value):
        errors.setdefault(name, []).append(msg(N_("包含不允许的控制字符。")))


def clean_objection(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate an objection; anonymous ones are refused with the reason why.

    Returns ``kind``, ``unit_id``, ``name``, ``contact_name``, ``phone``, ``email``, ``content``.
    Raises :class:`InvalidInput` listing every problem by field.
    """
    errors: dict[str, list[Message]] = {}
    kind = _text(data.get("kind")) or ObjectorKind.INDIVIDUAL.value
    if kind not in set(ObjectorKind):
        errors["kind"] = [msg(N_("异议人类型须为个人或单位。"))]
    unit_id = bounds.parse_id(data.get("unit_id"))
    if unit_id is None:
        errors["unit_id"] = [msg(N_("请选择被提出异议的单位。"))]
    name, contact = _text(data.get("name")), _text(data.get("contact_name"))
    phone, email, content = _text(data.get("phone")), _text(data.get("email")), _text(data.get("content"))
    anonymous = not name or name.lower() in ANONYMOUS_NAMES or not phone
    if kind == ObjectorKind.UNIT and not contact:
        anonymous = True
        errors["contact_name"] = [msg(N_("单位提出异议须填写联系人姓名。"))]
    if not name:
        errors["name"] = [msg(N_("请填写真实姓名(单位请填写单位全称)。"))]
    elif name.lower() in ANONYMOUS_NAMES:
        errors["name"] = [msg(N_("请填写真实姓名,不受理匿名异议。"))]
    if not phone:
        errors["phone"] = [msg(N_("请填写联系电话。"))]
    elif not PHONE_RE.match(phone):
        errors["phone"] = [msg(N_("联系电话格式不正确。"))]
    if email and (len(email) > MAX_EMAIL or not EMAIL_RE.match(email)):
        errors["email"] = [msg(N_("电子邮箱格式不正确。"))]
    if len(content) < MIN_CONTENT:
        errors["content"] = [msg(N_("请写明异议的具体事实,至少 %(min)d 个字。"), min=MIN_CONTENT)]
    for field, value, max_len in (
        ("name", name, MAX_NAME),
        ("contact_name", contact, MAX_NAME),
        ("phone", phone, MAX_PHONE),
        ("content", content, MAX_CONTENT),
    ):
        _limit(errors, field, value, max_len)
    if errors:
        reasons = [msg(ANONYMOUS_REFUSED)] if anonymous else []
        raise InvalidInput(msg(N_("异议内容有误,请检查后重试。")), fields=errors, reasons=reasons)
    return {
        "kind": kind,
        "unit_id": unit_id,
        "name": name,
        "contact_name": contact if kind == ObjectorKind.UNIT else "",
        "phone": phone,
        "email": email,
        "content": content,
    }


def clean_contact(data: Any) -> dict[str, str]:
    """The notice's "how to object" block: phone, e-mail, postal address and postcode, all required."""
    if not isinstance(data, Mapping):
        raise InvalidInput(fields={"contact": [msg(N_("请填写受理异议的联系方式。"))]})
    errors: dict[str, list[Message]] = {}
    out = {key: _text(data.get(key)) for key in ("phone", "email", "address", "postcode")}
    if not PHONE_RE.match(out["phone"]):
        errors["contact.phone"] = [msg(N_("请填写正确的受理电话。"))]
    if not EMAIL_RE.match(out["email"]) or len(out["email"]) > MAX_EMAIL:
        errors["contact.email"] = [msg(N_("请填写正确的电子邮箱。"))]
    if not out["address"] or len(out["address"]) > MAX_ADDRESS or _bad_text(out["address"]):
        errors["contact.address"] = [msg(N_("请填写通信地址(最多 %(max)d 个字)。"), max=MAX_ADDRESS)]
    if not POSTCODE_RE.match(out["postcode"]):
        errors["contact.postcode"] = [msg(N_("邮政编码须为 6 位数字。"))]
    if errors:
        raise InvalidInput(fields=errors)
    return out


def clean_reply(outcome: Any, reply: Any) -> tuple[ObjectionState, str]:
    """The office's outcome (upheld or dismissed) and its reply, both required."""
    errors: dict[str, list[Message]] = {}
    if outcome not in {state.value for state in OUTCOMES}:
        errors["outcome"] = [msg(N_("处理结果须为“异议成立”或“异议不成立”。"))]
    text = _text(reply)
    if not text:
        errors["reply"] = [msg(N_("请填写答复意见。"))]
    else:
        _limit(errors, "reply", text, MAX_REPLY)
    if errors:
        raise InvalidInput(fields=errors)
    return ObjectionState(outcome), text


def clean_title(value: Any, default: str) -> str:
    title = _text(value) or default
    if len(title) > MAX_TITLE or _bad_text(title):
        raise InvalidInput(fields={"title": [msg(N_("标题最多 %(max)d 个字。"), max=MAX_TITLE)]})
    return title
