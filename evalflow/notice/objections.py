"""Objections (异议) against the notice: filed with a receipt, investigated, resolved with a reply."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from evalflow.extensions import db
from evalflow.notice import rules
from evalflow.notice.models import (
    Notice,
    NoticeUnit,
    Objection,
    ObjectionFile,
    ObjectionFileRole,
    ObjectorKind,
)
from evalflow.notice.rules import UNRESOLVED, ObjectionState
from evalflow.notice.service import SEAL_KINDS, extra_days, public_notice, status
from evalflow.shared import clock, workdays
from evalflow.shared.access import PUBLIC, Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import Conflict, InvalidInput, NotFound
from evalflow.shared.files import store as files
from evalflow.shared.files.rules import FileKind
from evalflow.shared.messages import N_, msg
from evalflow.shared.phases import Phase


@dataclass(frozen=True)
class ObjectionView:
    objection: Objection
    unit: Unit
    notice: Notice
    files: list[ObjectionFile]

    @property
    def state(self) -> ObjectionState:
        return self.objection.state


def _store_file(
    objection: Objection, role: ObjectionFileRole, upload: Any, allowed: Iterable[FileKind]
) -> None:
    received = files.receive(upload, frozenset(allowed))
    db.session.add(
        ObjectionFile(
            objection_id=objection.id, role=role, filename=received.filename, stored_name=received.path.name,
            size=received.size, sha256=received.sha256, content_type=received.kind.content_type,
        )
    )  # fmt: skip


def _uploads(items: Sequence[Any] | None) -> list[Any]:
    return [f for f in (items or []) if f is not None and getattr(f, "filename", "")]


def file_objection(
    notice_id: int, data: Mapping[str, Any], seal: Any = None, evidence: Sequence[Any] = ()
) -> Objection:
    """A member of the public or a unit objects to a unit on a published notice.

    Refused: 404 for a notice that is not public; 409 ``notice_not_open`` outside its period; 400 for
    a unit not on the notice, missing real name or phone (anonymous objections are refused with the
    reason), a unit objecting without a contact person or a seal image (JPEG/PNG), more than
    ``MAX_EVIDENCE_FILES`` evidence files; 413/415 from the file checks. Side effects: the objection
    with its receipt code and reply deadline, its files, an audit entry.
    """
    notice = public_notice(notice_id)
    campaign = db.session.get(Campaign, notice.campaign_id)
    state = status(notice)
    if state != "open" or campaign is None or campaign.phase is not Phase.NOTICE:
        raise Conflict(msg(N_("公示期为 %(start)s 至 %(end)s,只在公示期内受理异议。"),
                           start=notice.starts_on.isoformat(), end=notice.ends_on.isoformat()),
                       code="notice_not_open")  # fmt: skip
    clean = rules.clean_objection(data)
    on_notice = db.session.scalar(
        sa.select(NoticeUnit.unit_id).where(
            NoticeUnit.notice_id == notice.id, NoticeUnit.unit_id == clean["unit_id"]
        )
    )
    if on_notice is None:
        raise InvalidInput(fields={"unit_id": [msg(N_("该单位不在本次公示名单中。"))]})
    evidence_files = _uploads(evidence)
    if len(evidence_files) > rules.MAX_EVIDENCE_FILES:
        raise InvalidInput(
            fields={"evidence": [msg(N_("证明材料最多 %(max)d 个文件。"), max=rules.MAX_EVIDENCE_FILES)]}
        )
    seal_files = _uploads([seal])
    if clean["kind"] == "unit" and not seal_files:
        raise InvalidInput(
            fields={"seal": [msg(N_("单位提出异议须上传加盖公章的扫描件或照片(JPG/PNG)。"))]},
            reasons=[msg(rules.ANONYMOUS_REFUSED)],
        )
    today = clock.today()
    objection = Objection(
        notice_id=notice.id, unit_id=clean["unit_id"], kind=ObjectorKind(clean["kind"]), name=clean["name"],
        contact_name=clean["contact_name"], phone=clean["phone"], email=clean["email"], content=clean["content"],
        receipt=secrets.token_urlsafe(rules.RECEIPT_BYTES), state=ObjectionState.RECEIVED,
        reply_due_on=workdays.deadline_after(today, reply_working_days(), extra_days()).ends_on,
    )  # fmt: skip
    db.session.add(objection)
    db.session.flush()
    if clean["kind"] == "unit":
        _store_file(objection, ObjectionFileRole.SEAL, seal_files[0], SEAL_KINDS)
    for upload in evidence_files:
        _store_file(objection, ObjectionFileRole.EVIDENCE, upload, FileKind)
    db.session.flush()
    audit.record(
        PUBLIC, "objection.file", campaign_id=notice.campaign_id, subject=("unit", objection.unit_id),
        to_state="received", data={"objection_id": objection.id, "kind": clean["kind"]},
    )  # fmt: skip
    return objection


def reply_working_days() -> int:
    return int(current_app.config.get("OBJECTION_REPLY_WORKING_DAYS") or rules.REPLY_WORKING_DAYS)


def _view(objection: Objection) -> ObjectionView:
    notice = db.session.get(Notice, objection.notice_id)
    unit = db.session.get(Unit, objection.unit_id)
    assert notice is not None and unit is not None
    attached = list(
        db.session.scalars(
            sa.select(ObjectionFile)
            .where(ObjectionFile.objection_id == objection.id)
            .order_by(ObjectionFile.id)
        )
    )
    return ObjectionView(objection, unit, notice, attached)


def by_receipt(receipt: str) -> ObjectionView:
    """The objection of a receipt code (public). Codes carry 144 random bits; a wrong one is 404."""
    code = (receipt or "").strip()
    objection = db.session.scalar(sa.select(Objection).where(Objection.receipt == code)) if code else None
    if objection is None:
        raise NotFound(msg(N_("回执编号不存在,请核对后重试。")))
    return _view(objection)


def list_objections(actor: Actor, campaign: Campaign) -> list[ObjectionView]:
    """Every objection against the campaign's notices, oldest first (office)."""
    require(actor, Action.OBJECTION_VIEW, campaign)
    stmt = (
        sa.select(Objection)
        .join(Notice, Notice.id == Objection.notice_id)
        .where(Notice.campaign_id == campaign.id)
        .order_by(Objection.id)
    )
    return [_view(o) for o in db.session.scalars(stmt)]


def _objection_of(campaign: Campaign | None, objection_id: int) -> tuple[Objection, Campaign]:
    objection = db.session.get(Objection, objection_id)
    notice = db.session.get(Notice, objection.notice_id) if objection else None
    owner = db.session.get(Campaign, notice.campaign_id) if notice else None
    if objection is None or owner is None or (campaign is not None and owner.id != campaign.id):
        raise NotFound(msg(N_("该异议不存在。")))
    return objection, owner


def get_objection(actor: Actor, objection_id: int) -> ObjectionView:
    objection, campaign = _objection_of(None, objection_id)
    require(actor, Action.OBJECTION_VIEW, campaign)
    return _view(objection)


def get_objection_file(actor: Actor, objection_id: int, file_id: int) -> ObjectionFile:
    view = get_objection(actor, objection_id)
    for item in view.files:
        if item.id == file_id:
            return item
    raise NotFound(msg(N_("文件不存在。")))


def start_investigation(actor: Actor, objection_id: int, note: str = "") -> ObjectionView:
    """received → investigating (office). 409 ``already_resolved`` / ``already_investigating``."""
    objection, campaign = _objection_of(None, objection_id)
    require(actor, Action.OBJECTION_MANAGE, campaign)
    result = db.session.execute(
        sa.update(Objection)
        .where(Objection.id == objection.id, Objection.state == ObjectionState.RECEIVED)
        .values(state=ObjectionState.INVESTIGATING, investigating_at=clock.now())
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if result.rowcount != 1:
        db.session.refresh(objection)
        if objection.state.resolved:
            raise Conflict(msg(N_("该异议已处理完毕。")), code="already_resolved")
        raise Conflict(msg(N_("该异议已在调查核实中。")), code="already_investigating")
    db.session.refresh(objection)
    audit.record(
        actor, "objection.investigate", campaign_id=campaign.id, subject=("unit", objection.unit_id),
        from_state=ObjectionState.RECEIVED.value, to_state=ObjectionState.INVESTIGATING.value, reason=(note or "").strip()[: rules.MAX_INVESTIGATION_NOTE],
        data={"objection_id": objection.id},
    )  # fmt: skip
    return _view(objection)


def resolve_objection(actor: Actor, objection_id: int, data: Mapping[str, Any]) -> ObjectionView:
    """received/investigating → upheld | dismissed with the office's reply (required).

    Compare-and-set on ``status = 'open'``: resolving twice is 409 ``already_resolved``. An upheld
    objection removes its unit from the commendation list. Audited with the reply.
    """
    objection, campaign = _objection_of(None, objection_id)
    require(actor, Action.OBJECTION_MANAGE, campaign)
    outcome, reply = rules.clean_reply(data.get("outcome"), data.get("reply"))
    before = objection.state
    result = db.session.execute(
        sa.update(Objection)
        .where(Objection.id == objection.id, Objection.state.in_(UNRESOLVED))
        .values(state=outcome, reply=reply, resolved_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(msg(N_("该异议已处理完毕。")), code="already_resolved")
    db.session.refresh(objection)
    audit.record(
        actor, "objection.resolve", campaign_id=campaign.id, subject=("unit", objection.unit_id),
        from_state=before.value, to_state=outcome.value, reason=reply[:1000], data={"objection_id": objection.id},
    )  # fmt: skip
    return _view(objection)
