"""Applicant units (申报单位) and their logins: add one, import a list, self-registration with
office approval, password reset. Every change is audited; nothing is committed here.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.intake.models import Application
from evalflow.intake.rules import RegistrationState, clean_unit
from evalflow.shared.access import Action, Actor, Role
from evalflow.shared.accounts import service as accounts
from evalflow.shared.accounts.models import User
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import (
    Conflict,
    DomainError,
    Duplicate,
    InvalidInput,
    NotFound,
    UnsupportedType,
)
from evalflow.shared.messages import N_, Message, msg

MAX_IMPORT_ROWS = 500
IMPORT_COLUMNS = {
    "name": ("name", "名称", "单位名称"),
    "category": ("category", "类别", "单位类别"),
    "contact_name": ("contact", "contact_name", "联系人"),
    "contact_phone": ("phone", "contact_phone", "联系电话", "电话"),
}


@dataclass
class NewUnit:
    unit: Unit
    username: str
    password: str


def get_unit(campaign: Campaign, unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.campaign_id != campaign.id:
        raise NotFound(msg(N_("申报单位不存在。")))
    return unit


def login_of(unit: Unit) -> User | None:
    return db.session.scalar(sa.select(User).where(User.unit_id == unit.id).order_by(User.id).limit(1))


def _name_taken(campaign_id: int, name: str) -> bool:
    stmt = sa.select(Unit.id).where(Unit.campaign_id == campaign_id, Unit.name == name)
    return db.session.scalar(stmt) is not None


def _free_username(unit: Unit) -> str:
    base = f"unit{unit.id}"
    candidate = base
    while accounts.username_taken(candidate):
        candidate = f"{base}-{accounts.new_secret(3).lower()}"
    return candidate


def _insert_unit(campaign: Campaign, clean: Mapping[str, str], approved: bool = True) -> Unit:
    if _name_taken(campaign.id, clean["name"]):
        raise Duplicate(msg(N_("本次评选中已有名为“%(name)s”的单位。"), name=clean["name"]))
    unit = Unit(campaign_id=campaign.id, approved=approved, **clean)
    db.session.add(unit)
    db.session.flush()
    db.session.add(Application(unit_id=unit.id))
    return unit


def create_unit(actor: Actor, campaign: Campaign, data: Mapping[str, Any]) -> NewUnit:
    """Add a unit with a login; the returned password is shown once and stored only as a hash."""
    require(actor, Action.UNIT_MANAGE, campaign)
    unit = _insert_unit(campaign, clean_unit(dict(data)))
    password = accounts.new_password()
    user = accounts.create_user(
        _free_username(unit), password, Role.UNIT, unit_id=unit.id, display_name=unit.name
    )
    audit.record(
        actor, "unit.create", campaign_id=campaign.id, subject=("unit", unit.id), data={"name": unit.name}
    )
    return NewUnit(unit, user.username, password)


def list_units(actor: Actor, campaign: Campaign) -> list[Unit]:
    """Office: every unit (pending registrations included); a unit: only itself."""
    require(actor, Action.UNIT_VIEW, campaign)
    stmt = sa.select(Unit).where(Unit.campaign_id == campaign.id).order_by(Unit.id)
    if not actor.is_office:
        stmt = stmt.where(Unit.id == actor.unit_id)
    return list(db.session.scalars(stmt))


def reset_password(actor: Actor, campaign: Campaign, unit: Unit) -> tuple[str, str]:
    """Give the unit's login a new password; every old session and token stops working."""
    require(actor, Action.UNIT_MANAGE, campaign)
    user = login_of(unit)
    if user is None:
        raise NotFound(msg(N_("该单位没有登录账号。")))
    password = accounts.new_password()
    user.password_hash = accounts.hash_password(password)
    accounts.end_sessions(user, actor, "password_reset")
    audit.record(actor, "unit.password_reset", campaign_id=campaign.id, subject=("unit", unit.id))
    return user.username, password


# --- self-registration --------------------------------------------------------------------------


RESERVED_USERNAMES = frozenset({"admin", "administrator", "root", "office", "system", "evalflow"})
_GENERATED_USERNAME = re.compile(r"^unit\d+(-.*)?$")


def _reserved_username(username: str) -> bool:
    """Names a unit cannot choose: staff-like names and the pattern of generated unit logins."""
    key = username.strip().lower()
    return key in RESERVED_USERNAMES or bool(_GENERATED_USERNAME.match(key))


def register(campaign: Campaign, data: Mapping[str, Any]) -> Unit:
    """A unit registers itself; its login stays disabled until the office approves it."""
    from evalflow.shared.access import PUBLIC

    require(PUBLIC, Action.UNIT_REGISTER, campaign)
    clean = clean_unit(dict(data))
    username, password = str(data.get("username") or "").strip(), str(data.get("password") or "")
    accounts.validate_credentials(username, password)
    unit = _insert_unit(campaign, clean, approved=False)
    # Checked last, so that a probe costs a complete valid registration (and the page's rate
    # limit); the answer is "not available", which a reserved name gets too: it does not prove
    # that an account exists, nor say whose it is.
    if _reserved_username(username) or accounts.username_taken(username):
        unavailable = msg(N_("该用户名不可用,请换一个。"))
        raise Duplicate(unavailable, fields={"username": [unavailable]})
    user = accounts.create_user(username, password, Role.UNIT, unit_id=unit.id, display_name=unit.name)
    user.active = False
    db.session.flush()
    audit.record(
        PUBLIC, "unit.register", campaign_id=campaign.id, subject=("unit", unit.id), to_state="pending"
    )
    return unit


def decide_registration(actor: Actor, campaign: Campaign, unit: Unit, approve: bool) -> None:
    """Approve (the login becomes active) or decline (the unit and its login are removed)."""
    require(actor, Action.UNIT_MANAGE, campaign)
    if unit.approved:
        raise Conflict(msg(N_("该单位不是待审批的注册申请。")), code="not_pending")
    user = login_of(unit)
    state = RegistrationState.APPROVED if approve else RegistrationState.DECLINED
    action = "unit.registration_approved" if approve else "unit.registration_declined"
    audit.record(
        actor, action, campaign_id=campaign.id, subject=("unit", unit.id),
        from_state=RegistrationState.PENDING.value, to_state=state.value, data={"name": unit.name},
    )  # fmt: skip
    if approve:
        unit.approved = True
        if user is not None:
            user.active = True
    else:  # the database cascades to the application and the login
        db.session.execute(sa.delete(Unit).where(Unit.id == unit.id))
        for obj in (unit, user, unit.application):
            if obj is not None and obj in db.session:
                db.session.expunge(obj)
    db.session.flush()


# --- import ------------------------------------------------------------------------------------


@dataclass
class ImportRow:
    row: int
    name: str
    created: NewUnit | None = None
    reasons: list[Message] = field(default_factory=list)


class ImportRefused(InvalidInput):
    """Some rows were refused; nothing was imported. Carries the per-row report."""

    def __init__(self, rows: list[ImportRow]) -> None:
        self.rows = rows
        bad = [r for r in rows if r.reasons]
        reasons = [
            msg(N_("第 %(row)d 行(%(name)s):%(why)s"), row=r.row, name=r.name or "—", why=_joined(r.reasons))
            for r in bad
        ]
        super().__init__(
            msg(N_("有 %(n)d 行有误,未导入任何单位,请修改后重新上传。"), n=len(bad)), reasons=reasons
        )


def _joined(reasons: list[Message]) -> str:
    return ";".join(r.render() for r in reasons)


def _header_map(header: list[str]) -> dict[str, int]:
    mapping = {}
    for index, raw in enumerate(header):
        name = str(raw or "").strip().lower()
        for key, aliases in IMPORT_COLUMNS.items():
            if name in aliases:
                mapping[key] = index
    if "name" not in mapping:
        raise InvalidInput(msg(N_("表头须包含 name(或“单位名称”)列;可选 category、contact、phone 列。")))
    return mapping


def _read_table(content: bytes) -> list[list[str]]:
    """An XLSX workbook (a ZIP) or a CSV text, recognised by content; anything else is 415."""
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content)
    if b"\x00" not in content[:4096]:
        return _read_csv(content)
    raise UnsupportedType(msg(N_("只接受 CSV 或 XLSX 文件。")))


def _read_csv(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return list(csv.reader(io.StringIO(content.decode(encoding))))
        except UnicodeDecodeError:
            continue
    raise InvalidInput(msg(N_("无法识别 CSV 文件的编码,请保存为 UTF-8。")))


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    except (zipfile.BadZipFile, KeyError, ValueError, IndexError, OSError):
        raise UnsupportedType(msg(N_("无法读取该 XLSX 文件。"))) from None


def parse_rows(filename: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """The data rows of a CSV/XLSX list as ``(row number, {name, category, …})``; blank rows skipped."""
    table = _read_table(content)
    if not table:
        raise InvalidInput(msg(N_("文件是空的。")))
    columns = _header_map(table[0])
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        values = {k: (cells[i].strip() if i < len(cells) else "") for k, i in columns.items()}
        if any(values.values()):
            rows.append((number, values))
    if len(rows) > MAX_IMPORT_ROWS:
        raise InvalidInput(msg(N_("一次最多导入 %(max)d 个单位。"), max=MAX_IMPORT_ROWS))
    return rows


def import_units(actor: Actor, campaign: Campaign, filename: str, content: bytes) -> list[ImportRow]:
    """Create every unit of the list, or none: any refused row raises :class:`ImportRefused`
    (the request then rolls back) with a report of every row."""
    require(actor, Action.UNIT_MANAGE, campaign)
    report, seen = [], set()
    for number, values in parse_rows(filename, content):
        item = ImportRow(number, values.get("name", ""))
        if item.name in seen:
            item.reasons.append(msg(N_("与前面的行重复。")))
        seen.add(item.name)
        try:
            item.created = create_unit(actor, campaign, values) if not item.reasons else None
        except DomainError as exc:
            item.reasons.extend(
                [exc.message] if not exc.fields else [r for v in exc.fields.values() for r in v]
            )
        report.append(item)
    if not report:
        raise InvalidInput(msg(N_("文件中没有单位数据。")))
    if any(r.reasons for r in report):
        raise ImportRefused(report)
    return report
