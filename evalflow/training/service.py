"""The all-applicants training (集中培训): schedule, materials, attendance and the venue check-in.

Every unit of a campaign sees the same schedule and the same materials. Attendance is marked by the
office (attended, or excused with a note) or by a unit scanning the venue's check-in QR code, only
while the campaign is in ``training``. Writes flush and are audited; the request commits.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from evalflow.extensions import db
from evalflow.intake.models import Application, ApplicationStatus
from evalflow.shared import bounds, clock
from evalflow.shared.access import Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import Conflict, InvalidInput, NotFound
from evalflow.shared.files import store as files
from evalflow.shared.files.models import StoredFile
from evalflow.shared.files.rules import FileKind
from evalflow.shared.messages import N_, msg
from evalflow.shared.upsert import insert
from evalflow.training import rules
from evalflow.training.models import Attendance, Training
from evalflow.training.rules import AttendanceProgress, AttendanceStatus

MATERIAL_KINDS = frozenset(FileKind)


@dataclass(frozen=True)
class Schedule:
    """What every unit sees of the training, whether or not the office has saved it yet."""

    starts_at: datetime | None
    place: str
    agenda: tuple[str, ...]
    materials: tuple[StoredFile, ...]


# --- units ------------------------------------------------------------------------------------


def accepted_units(campaign_id: int) -> list[Unit]:
    stmt = (
        sa.select(Unit)
        .join(Application, Application.unit_id == Unit.id)
        .where(Unit.campaign_id == campaign_id, Application.status == ApplicationStatus.ACCEPTED)
        .order_by(Unit.id)
    )
    return list(db.session.scalars(stmt))


def unit_of(campaign: Campaign, unit_id: int) -> Unit:
    """The unit *unit_id* of *campaign*, or 404 (a unit of another campaign is not found here)."""
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.campaign_id != campaign.id:
        raise NotFound(msg(N_("申报单位不存在。")))
    return unit


def application_status(unit_id: int) -> ApplicationStatus | None:
    return db.session.scalar(sa.select(Application.status).where(Application.unit_id == unit_id))


def _require_accepted(unit: Unit) -> None:
    if application_status(unit.id) is not ApplicationStatus.ACCEPTED:
        raise Conflict(
            msg(N_("“%(name)s”的申报尚未通过审核,不参加集中培训。"), name=unit.name), code="not_accepted"
        )


# --- schedule and materials -------------------------------------------------------------------


def training_of(campaign: Campaign) -> Training | None:
    return db.session.scalar(sa.select(Training).where(Training.campaign_id == campaign.id))


def materials(campaign: Campaign) -> list[StoredFile]:
    stmt = (
        sa.select(StoredFile)
        .where(StoredFile.campaign_id == campaign.id, StoredFile.purpose == "training")
        .order_by(StoredFile.id)
    )
    return list(db.session.scalars(stmt))


def schedule(actor: Actor, campaign: Campaign) -> Schedule:
    """The training as every unit of the campaign and the office see it (defaults until saved)."""
    require(actor, Action.TRAINING_VIEW, campaign)
    training = training_of(campaign)
    agenda = tuple(training.agenda) if training and training.agenda else rules.DEFAULT_AGENDA
    return Schedule(
        starts_at=training.starts_at if training else None,
        place=training.place if training else "",
        agenda=agenda,
        materials=tuple(materials(campaign)),
    )


def parse_starts_at(value: object) -> datetime | None:
    """ISO 8601 date-time; without an offset it is read in the office's time zone. Its day must be
    one an office could mean (``shared/bounds.py``): year 1 moved to UTC would overflow."""
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(fields={"starts_at": [msg(N_("时间格式须为 YYYY-MM-DDTHH:MM。"))]}) from None
    problem = bounds.day_problem(moment)
    if problem is not None:
        raise InvalidInput(fields={"starts_at": [problem]})
    return moment.replace(tzinfo=clock.office_tz()) if moment.tzinfo is None else moment


def _parsed_schedule(data: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    fields: dict[str, list] = {}
    parsers = {"starts_at": parse_starts_at, "place": rules.parse_place, "agenda": rules.parse_agenda}
    for key, parse in parsers.items():
        if key in data:
            try:
                clean[key] = parse(data[key])
            except InvalidInput as exc:
                fields.update(exc.fields)
    if fields:
        raise InvalidInput(fields=fields)
    return clean


def ensure_training(campaign: Campaign) -> Training:
    training = training_of(campaign)
    if training is None:
        training = Training(campaign_id=campaign.id, place="", agenda=list(rules.DEFAULT_AGENDA))
        db.session.add(training)
        db.session.flush()
    return training


def save_schedule(actor: Actor, campaign: Campaign, data: Mapping[str, Any]) -> Training:
    """Set date and time, place and agenda (``starts_at``, ``place``, ``agenda``; each optional)."""
    require(actor, Action.TRAINING_MANAGE, campaign)
    clean = _parsed_schedule(data)
    training = ensure_training(campaign)
    for key, value in clean.items():
        setattr(training, key, value)
    db.session.flush()
    audit.record(
        actor,
        "training.schedule",
        campaign_id=campaign.id,
        subject=("training", training.id),
        data={"fields": sorted(clean)},
    )
    return training


def add_material(actor: Actor, campaign: Campaign, upload: Any) -> StoredFile:
    """Upload a training material (PDF, DOCX, JPEG, PNG; same content checks as intake)."""
    require(actor, Action.TRAINING_MANAGE, campaign)
    stored = files.store_upload(campaign.id, "training", upload, allowed=MATERIAL_KINDS)
    audit.record(
        actor,
        "training.material_add",
        campaign_id=campaign.id,
        subject=("file", stored.id),
        data={"filename": stored.filename},
    )
    return stored


def material(actor: Actor, campaign: Campaign, file_id: int) -> StoredFile:
    require(actor, Action.TRAINING_VIEW, campaign)
    stored = db.session.get(StoredFile, file_id)
    if stored is None or stored.campaign_id != campaign.id or stored.purpose != "training":
        raise NotFound(msg(N_("培训资料不存在。")))
    return stored


def remove_material(actor: Actor, campaign: Campaign, file_id: int) -> None:
    require(actor, Action.TRAINING_MANAGE, campaign)
    stored = material(actor, campaign, file_id)
    audit.record(
        actor,
        "training.material_remove",
        campaign_id=campaign.id,
        subject=("file", stored.id),
        data={"filename": stored.filename},
    )
    files.delete_stored(stored)


# --- attendance -------------------------------------------------------------------------------


def attendance_of(unit_id: int) -> Attendance | None:
    stmt = (
        sa.select(Attendance).where(Attendance.unit_id == unit_id).execution_options(populate_existing=True)
    )
    return db.session.scalar(stmt)


def _upsert_attendance(unit_id: int, status: AttendanceStatus, note: str) -> Attendance:
    """One statement, so two people marking the same unit at once cannot collide."""
    values = {"status": status, "note": note, "marked_at": clock.now()}
    stmt = insert(Attendance).values(unit_id=unit_id, **values)
    db.session.execute(stmt.on_conflict_do_update(index_elements=[Attendance.unit_id], set_=values))
    return attendance_of(unit_id)  # type: ignore[return-value]


def _record_attendance(actor: Actor, unit: Unit, status: AttendanceStatus, note: str, via: str) -> Attendance:
    before = attendance_of(unit.id)
    from_state = before.status.value if before else None  # read now: the upsert refreshes *before*
    row = _upsert_attendance(unit.id, status, note)
    audit.record(
        actor,
        "attendance.mark",
        campaign_id=unit.campaign_id,
        subject=("unit", unit.id),
        from_state=from_state,
        to_state=status.value,
        reason=note,
        data={"via": via},
    )
    return row


def mark_attendance(actor: Actor, campaign: Campaign, unit_id: int, data: Mapping[str, Any]) -> Attendance:
    """The office marks an accepted unit attended, or excused with a note (phase ``training`` only)."""
    require(actor, Action.ATTENDANCE_MARK, campaign, unit_id)
    unit = unit_of(campaign, unit_id)
    status, note = rules.parse_attendance(data)
    _require_accepted(unit)
    return _record_attendance(actor, unit, status, note, "office")


@dataclass(frozen=True)
class AttendanceRow:
    unit: Unit
    attendance: Attendance | None


def attendance_rows(actor: Actor, campaign: Campaign) -> list[AttendanceRow]:
    """Every accepted unit with its attendance (None while not marked), in unit order."""
    require(actor, Action.ATTENDANCE_VIEW, campaign)
    units = accepted_units(campaign.id)
    marks = {
        a.unit_id: a
        for a in db.session.scalars(
            sa.select(Attendance).where(Attendance.unit_id.in_([u.id for u in units]))
        )
    }
    return [AttendanceRow(u, marks.get(u.id)) for u in units]


def attendance_summary(actor: Actor, campaign: Campaign) -> tuple[list[AttendanceRow], AttendanceProgress]:
    """The rows and "x / y units trained" with who is excused and who is still missing."""
    rows = attendance_rows(actor, campaign)
    marks = [(r.unit.name, r.attendance.status if r.attendance else None) for r in rows]
    return rows, rules.progress(marks)


# --- venue check-in (QR) ----------------------------------------------------------------------


def _checkin_code(training: Training) -> str:
    """The venue code, derived from the secret key, the training and its expiry.

    Only its digest is stored; the office's page can show the code again while it is valid, and
    opening a new check-in (a new expiry) retires the previous code.
    """
    assert training.checkin_expires_at is not None
    stamp = int(training.checkin_expires_at.timestamp())
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"evalflow-checkin:{training.id}:{stamp}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def open_checkin(actor: Actor, campaign: Campaign, minutes: object = None) -> tuple[str, datetime]:
    """Start (or restart) the venue check-in for *minutes*; return the code and its expiry."""
    require(actor, Action.ATTENDANCE_MARK, campaign)
    duration = rules.parse_checkin_minutes(minutes)
    training = ensure_training(campaign)
    training.checkin_expires_at = clock.now().replace(microsecond=0) + timedelta(minutes=duration)
    code = _checkin_code(training)
    training.checkin_token_hash = hashlib.sha256(code.encode()).hexdigest()
    db.session.flush()
    audit.record(
        actor,
        "training.checkin_open",
        campaign_id=campaign.id,
        subject=("training", training.id),
        data={"expires_at": training.checkin_expires_at.isoformat()},
    )
    return code, training.checkin_expires_at


def close_checkin(actor: Actor, campaign: Campaign) -> None:
    require(actor, Action.ATTENDANCE_MARK, campaign)
    training = training_of(campaign)
    if training is None or training.checkin_token_hash is None:
        return
    training.checkin_token_hash = None
    training.checkin_expires_at = None
    db.session.flush()
    audit.record(actor, "training.checkin_close", campaign_id=campaign.id, subject=("training", training.id))


def current_checkin(campaign: Campaign) -> tuple[str, datetime] | None:
    """The open check-in's code and expiry, for the office's venue display; None when closed."""
    training = training_of(campaign)
    if training is None or training.checkin_token_hash is None:
        return None
    if not rules.checkin_open(training.checkin_expires_at, clock.now()):
        return None
    return _checkin_code(training), training.checkin_expires_at  # type: ignore[return-value]


def training_for_code(code: str) -> Training | None:
    if not code:
        return None
    digest = hashlib.sha256(code.encode()).hexdigest()
    return db.session.scalar(sa.select(Training).where(Training.checkin_token_hash == digest))


def check_in(actor: Actor, code: str) -> Attendance:
    """A signed-in unit scanned the venue QR: it is marked attended (phase ``training``, code valid)."""
    training = training_for_code(code)
    if training is None:
        raise NotFound(msg(N_("签到码无效,请扫描现场最新的签到二维码。")))
    campaign = db.session.get(Campaign, training.campaign_id)
    require(actor, Action.ATTENDANCE_CHECKIN, campaign, actor.unit_id)
    if not rules.checkin_open(training.checkin_expires_at, clock.now()):
        raise Conflict(msg(N_("签到已结束,请联系文明办工作人员登记。")), code="checkin_closed")
    unit = unit_of(campaign, actor.unit_id or 0)  # type: ignore[arg-type]
    _require_accepted(unit)
    return _record_attendance(actor, unit, AttendanceStatus.ATTENDED, "", "qr")
