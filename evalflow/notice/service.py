"""The public notice (公示), the objections (异议) against it, and the commendation list (审定表彰).

- :func:`create_notice` (office, phase ``review``) drafts the notice from a list of units: vetoed units
  can never be on it; a draft is never public. :func:`publish` is the ``review → notice`` transition
  (``shared.campaigns.transitions.advance_phase``), which calls :func:`publish_current`.
- The period is counted in Chinese working days (``shared.workdays``) on the library's calendar plus
  the office's table of extra days (:func:`extra_days`, :func:`set_extra_day`).
- :func:`file_objection` (public, only while the notice is open) stores an objection with an
  unguessable receipt code; the office works it received → investigating → upheld / dismissed
  (:func:`start_investigation`, :func:`resolve_objection`), every step audited.
- :func:`commended_units`: the noticed units minus those with an upheld objection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.intake.models import Application, ApplicationStatus
from evalflow.intake.veto import vetoed_unit_ids
from evalflow.notice import rules
from evalflow.notice.models import (
    CalendarDay,
    Notice,
    NoticeUnit,
)
from evalflow.shared import bounds, clock, workdays
from evalflow.shared.access import Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import require
from evalflow.shared.campaigns.transitions import advance_phase
from evalflow.shared.errors import InvalidInput, NotFound
from evalflow.shared.files.rules import FileKind
from evalflow.shared.messages import N_, Message, msg
from evalflow.shared.phases import Phase
from evalflow.shared.upsert import insert
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


def current_notice(campaign_id: int) -> Notice | None:
    """The campaign's notice that is not withdrawn (a draft until the move into ``notice``)."""
    stmt = (
        sa.select(Notice)
        .where(Notice.campaign_id == campaign_id, Notice.withdrawn_at.is_(None))
        .order_by(Notice.id.desc())
        .limit(1)
    )
    return db.session.scalar(stmt)


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


def status(notice: Notice) -> rules.NoticeStatus:
    """Whether the notice's period is yet to begin, running, or over (by today's date)."""
    return rules.NoticeStatus(workdays.status_on(notice.starts_on, notice.ends_on, clock.today()))


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


# --- the commendation ---------------------------------------------------------------------------------
