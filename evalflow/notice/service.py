"""The public notice (公示), the objections (异议) against it, and the commendation list (审定表彰).

- :func:`create_notice` (office, phase ``review``) drafts the notice from a list of units: vetoed units
  can never be on it; a draft is never public. :func:`publish` is the ``review → notice`` transition
  (``office.transitions.advance_phase``), which calls :func:`publish_current`.
- The period is counted in Chinese working days (``shared.workdays``) on the library's calendar plus
  the office's table of extra days (:func:`extra_days`, :func:`set_extra_day`).
- :func:`file_objection` (public, only while the notice is open) stores an objection with an
  unguessable receipt code; the office works it received → investigating → upheld / dismissed
  (:func:`start_investigation`, :func:`resolve_objection`), every step audited.
- :func:`commended_units`: the noticed units minus those with an upheld objection.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app

from evalflow.extensions import db
from evalflow.intake.models import Application, ApplicationStatus
from evalflow.intake.veto import vetoed_unit_ids
from evalflow.notice import rules
from evalflow.notice.models import (
    CalendarDay,
    Notice,
    NoticeUnit,
    Objection,
    ObjectionFile,
    ObjectionFileRole,
    ObjectionStatus,
    ObjectorKind,
)
from evalflow.office.transitions import advance_phase, current_notice
from evalflow.shared import bounds, clock, workdays
from evalflow.shared.access import PUBLIC, Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import Conflict, InvalidInput, NotFound
from evalflow.shared.files import store as files
from evalflow.shared.files.rules import FileKind
from evalflow.shared.messages import N_, Message, msg
from evalflow.shared.phases import Phase
from evalflow.tally import service as tally

SEAL_KINDS = frozenset({FileKind.JPEG, FileKind.PNG})

# --- the office's calendar table ------------------------------------------------------------------


def extra_days() -> dict[date, bool]:
    return {row.day: row.is_workday for row in db.session.scalars(sa.select(CalendarDay))}


def list_extra_days(actor: Actor) -> list[CalendarDay]:
    require(actor, Action.CALENDAR_MANAGE)
    return list(db.session.scalars(sa.select(CalendarDay).order_by(CalendarDay.day)))


def set_extra_day(actor: Actor, day: Any, is_workday: Any, note: Any = "") -> CalendarDay:
    """Add or change one day of the office's table (an upsert: one statement, race-free)."""
    require(actor, Action.CALENDAR_MANAGE)
    parsed, flag, text = workdays.clean_extra_day(day, is_workday, note)
    table = CalendarDay.__table__
    values = {"day": parsed, "is_workday": flag, "note": text, "updated_at": clock.now()}
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    stmt = insert(table).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["day"], set_={k: v for k, v in values.items() if k != "day"}
    )
    db.session.execute(stmt)
    audit.record(
        actor, "calendar.set", subject=("calendar_day", None),
        to_state="workday" if flag else "holiday", reason=text, data={"day": parsed.isoformat()},
    )  # fmt: skip
    row = db.session.get(CalendarDay, parsed, populate_existing=True)
    assert row is not None
    return row


def delete_extra_day(actor: Actor, day: Any) -> None:
    require(actor, Action.CALENDAR_MANAGE)
    parsed, _, _ = workdays.clean_extra_day(day, False, "")
    result = db.session.execute(sa.delete(CalendarDay).where(CalendarDay.day == parsed))
    if result.rowcount != 1:
        raise NotFound(msg(N_("该日期不在补充日历中。")))
    audit.record(actor, "calendar.delete", subject=("calendar_day", None), data={"day": parsed.isoformat()})


def period(campaign: Campaign, starts_on: date) -> workdays.Period:
    return workdays.working_period(starts_on, campaign.notice_working_days, extra_days())


# --- the proposed list ------------------------------------------------------------------------------


def proposed_unit_ids(campaign: Campaign) -> list[int]:
    """The units the office's notice form starts from: the proposed list (拟表彰对象) chosen in the
    tally, or, until the office has chosen one, every accepted unit (in unit order) — never a
    vetoed or unaccepted unit either way."""
    allowed = _accepted_ids(campaign) - vetoed_unit_ids(campaign.id)
    chosen = tally.proposed_unit_ids(campaign)
    if chosen:
        return [uid for uid in chosen if uid in allowed]
    return sorted(allowed)


def _accepted_ids(campaign: Campaign) -> set[int]:
    stmt = (
        sa.select(Unit.id)
        .join(Application, Application.unit_id == Unit.id)
        .where(Unit.campaign_id == campaign.id, Application.status == ApplicationStatus.ACCEPTED)
    )
    return set(db.session.scalars(stmt))


def candidate_units(campaign: Campaign) -> list[Unit]:
    """The units that may be put on the notice: accepted and not vetoed, by category and name."""
    allowed = _accepted_ids(campaign) - vetoed_unit_ids(campaign.id)
    stmt = sa.select(Unit).where(Unit.id.in_(allowed)) if allowed else sa.select(Unit).where(sa.false())
    return sorted(db.session.scalars(stmt), key=lambda u: (u.category, u.name))


# --- the notice --------------------------------------------------------------------------------------


def default_title(campaign: Campaign) -> str:
    return msg(N_("关于%(title)s拟表彰单位名单的公示"), title=campaign.title).render()


def _unit_ids(value: Any) -> list[int]:
    if not isinstance(value, list) or not value:
        raise InvalidInput(fields={"unit_ids": [msg(N_("请至少选择一个单位。"))]})
    ids: list[int] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int):
            raise InvalidInput(fields={"unit_ids": [msg(N_("单位编号须为整数。"))]})
        if not bounds.id_in_range(item):
            raise InvalidInput(fields={"unit_ids": [bounds.id_range()]})
        if item not in ids:
            ids.append(item)
    return ids


def _starts_on(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(fields={"starts_on": [msg(N_("请填写有效的日期(YYYY-MM-DD)。"))]}) from None
    if not bounds.day_in_range(day):
        raise InvalidInput(fields={"starts_on": [bounds.day_range()]})
    if day < clock.today():
        raise InvalidInput(fields={"starts_on": [msg(N_("公示开始日期不能早于今天。"))]})
    return day


def _check_units(campaign: Campaign, ids: list[int]) -> list[Unit]:
    units = {u.id: u for u in db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids)))}
    strangers = [i for i in ids if i not in units or units[i].campaign_id != campaign.id]
    if strangers:
        raise InvalidInput(
            fields={
                "unit_ids": [
                    msg(N_("以下单位编号不属于本次评选:%(ids)s。"), ids="、".join(map(str, strangers)))
                ]
            }
        )
    accepted = _accepted_ids(campaign)
    unaccepted = [units[i].name for i in ids if i not in accepted]
    if unaccepted:
        raise InvalidInput(
            fields={
                "unit_ids": [
                    msg(N_("以下单位的申报未通过审核,不能列入公示:%(units)s。"), units="、".join(unaccepted))
                ]
            }
        )
    vetoed = vetoed_unit_ids(campaign.id)
    banned = [units[i].name for i in ids if i in vetoed]
    if banned:
        raise InvalidInput(
            msg(N_("被一票否决的单位不能列入公示名单。")),
            fields={"unit_ids": [msg(N_("以下单位已被一票否决:%(units)s。"), units="、".join(banned))]},
        )
    return [units[i] for i in ids]


def create_notice(actor: Actor, campaign: Campaign, data: Mapping[str, Any]) -> Notice:
    """Draft the notice of *campaign* (office, phase ``review``); it replaces an earlier draft.

    ``unit_ids`` (required, units of this campaign, none vetoed), ``title`` (default: the standard
    title), ``starts_on`` (default: the day it is published; not before today) and ``contact`` (phone,
    e-mail, address, postcode). ``ends_on`` is the last of ``notice_working_days`` working days.
    Side effects: the notice and its units, an audit entry; an earlier draft is deleted.
    """
    require(actor, Action.NOTICE_PUBLISH, campaign)
    errors: dict[str, list[Message]] = {}
    ids: list[int] = []
    starts: date | None = None
    title = contact = None
    for check in ("unit_ids", "starts_on", "title", "contact"):
        try:
            if check == "unit_ids":
                ids = _unit_ids(data.get("unit_ids"))
            elif check == "starts_on":
                starts = _starts_on(data.get("starts_on"))
            elif check == "title":
                title = rules.clean_title(data.get("title"), default_title(campaign))
            else:
                contact = rules.clean_contact(data.get("contact"))
        except InvalidInput as exc:
            errors.update(exc.fields)
    if errors:
        raise InvalidInput(fields=errors)
    units = _check_units(campaign, ids)
    drafts = db.session.scalars(
        sa.select(Notice).where(Notice.campaign_id == campaign.id, Notice.published_at.is_(None))
    )
    for draft in drafts:
        db.session.delete(draft)
    first = starts or clock.today()
    span = period(campaign, first)
    notice = Notice(
        campaign_id=campaign.id, title=title, starts_on=first, ends_on=span.ends_on, contact=contact,
        starts_on_default=starts is None, published_at=None,
    )  # fmt: skip
    db.session.add(notice)
    db.session.flush()
    db.session.add_all(NoticeUnit(notice_id=notice.id, unit_id=u.id) for u in units)
    db.session.flush()
    audit.record(
        actor, "notice.create", campaign_id=campaign.id, subject=("notice", notice.id),
        data={"units": [u.id for u in units], "starts_on": first.isoformat(), "ends_on": span.ends_on.isoformat()},
    )  # fmt: skip
    return notice


def publish(actor: Actor, campaign: Campaign, reason: str = "") -> Campaign:
    """Publish the drafted notice: the ``review → notice`` transition (guards included)."""
    return advance_phase(actor, campaign, Phase.NOTICE, reason)


def publish_current(campaign: Campaign) -> None:
    """Called by the transition into ``notice``: the draft becomes public. A period without a chosen
    start date, or whose chosen start has passed meanwhile, starts today (the office's date) and its
    end is counted again: a notice is never published backdated."""
    notice = current_notice(campaign.id)
    if notice is None:
        return
    if notice.starts_on_default or notice.starts_on < clock.today():
        notice.starts_on = clock.today()
        notice.ends_on = period(campaign, notice.starts_on).ends_on
    notice.published_at = clock.now()
    db.session.flush()


def status(notice: Notice) -> str:
    return workdays.status_on(notice.starts_on, notice.ends_on, clock.today())


def draft_notice(actor: Actor, campaign: Campaign) -> Notice | None:
    require(actor, Action.OBJECTION_VIEW, campaign)
    return current_notice(campaign.id)


def published_notices(open_only: bool = False) -> list[Notice]:
    """Published, not withdrawn notices, newest first; *open_only*: those not yet closed."""
    stmt = sa.select(Notice).where(Notice.published_at.is_not(None), Notice.withdrawn_at.is_(None))
    if open_only:
        stmt = stmt.where(Notice.ends_on >= clock.today())
    return list(db.session.scalars(stmt.order_by(Notice.published_at.desc(), Notice.id.desc())))


def public_notice(notice_id: int) -> Notice:
    """The notice as the public sees it: 404 unless published (and not withdrawn)."""
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.published_at is None or notice.withdrawn_at is not None:
        raise NotFound(msg(N_("公示不存在或尚未发布。")))
    return notice


def units_of(notice: Notice) -> list[Unit]:
    """The units on *notice*, by category then name (sorted here, the same on every database)."""
    stmt = (
        sa.select(Unit)
        .join(NoticeUnit, NoticeUnit.unit_id == Unit.id)
        .where(NoticeUnit.notice_id == notice.id)
    )
    return sorted(db.session.scalars(stmt), key=lambda u: (u.category, u.name))


def grouped(units: Iterable[Unit]) -> list[tuple[str, list[Unit]]]:
    """Units grouped by category, in the order given."""
    groups: dict[str, list[Unit]] = {}
    for unit in units:
        groups.setdefault(unit.category or "", []).append(unit)
    return list(groups.items())


# --- objections -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectionView:
    objection: Objection
    unit: Unit
    notice: Notice
    files: list[ObjectionFile]

    @property
    def state(self) -> str:
        o = self.objection
        return rules.objection_state(o.status.value, o.investigating_at is not None)


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
        receipt=secrets.token_urlsafe(rules.RECEIPT_BYTES), status=ObjectionStatus.OPEN,
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
        .where(Objection.id == objection.id, Objection.status == ObjectionStatus.OPEN,
               Objection.investigating_at.is_(None))
        .values(investigating_at=clock.now())
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if result.rowcount != 1:
        db.session.refresh(objection)
        if objection.status is not ObjectionStatus.OPEN:
            raise Conflict(msg(N_("该异议已处理完毕。")), code="already_resolved")
        raise Conflict(msg(N_("该异议已在调查核实中。")), code="already_investigating")
    db.session.refresh(objection)
    audit.record(
        actor, "objection.investigate", campaign_id=campaign.id, subject=("unit", objection.unit_id),
        from_state="received", to_state="investigating", reason=(note or "").strip()[:1000],
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
    before = rules.objection_state(objection.status.value, objection.investigating_at is not None)
    result = db.session.execute(
        sa.update(Objection)
        .where(Objection.id == objection.id, Objection.status == ObjectionStatus.OPEN)
        .values(status=ObjectionStatus(outcome), reply=reply, resolved_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(msg(N_("该异议已处理完毕。")), code="already_resolved")
    db.session.refresh(objection)
    audit.record(
        actor, "objection.resolve", campaign_id=campaign.id, subject=("unit", objection.unit_id),
        from_state=before, to_state=outcome, reason=reply[:1000], data={"objection_id": objection.id},
    )  # fmt: skip
    return _view(objection)


# --- the commendation ---------------------------------------------------------------------------------


def final_notice(campaign: Campaign) -> Notice | None:
    notice = current_notice(campaign.id)
    return notice if notice is not None and notice.published_at is not None else None


def commended_units(campaign: Campaign) -> list[Unit]:
    """The noticed units minus those with an upheld objection, by category and name."""
    notice = final_notice(campaign)
    if notice is None:
        return []
    upheld = set(
        db.session.scalars(
            sa.select(Objection.unit_id).where(
                Objection.notice_id == notice.id, Objection.status == ObjectionStatus.UPHELD
            )
        )
    )
    return [u for u in units_of(notice) if u.id not in upheld]


def public_commendation(campaign_id: int) -> tuple[Campaign, list[Unit]]:
    """The commendation list, public once the campaign is ``final`` (404 before)."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.phase is not Phase.FINAL:
        raise NotFound(msg(N_("表彰名单尚未审定公布。")))
    return campaign, commended_units(campaign)


def campaign_of_notice(notice: Notice) -> Campaign:
    campaign = db.session.get(Campaign, notice.campaign_id)
    assert campaign is not None
    return campaign
