"""Visits (实地考察): the office schedules a team's visit to a unit, moves or cancels it; everyone sees
the visits that are theirs to see.

Who may see or act on a visit (:func:`open_visit`): the office, and the inspectors on it — anyone
else is told it does not exist. A unit sees its announced visits, and a 暗访 once it is signed
(:func:`unit_visits`). Creating a visit checks, in this order: the body (400, every problem at
once), then conflicts of interest (409 ``conflict``, each inspector named with the reason). Each
member gets their (empty) 实地考察 sheet at once, so a save on the spot never has to make one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from evalflow.assessment.models import ScoreSheet
from evalflow.assessment.rules import Method
from evalflow.database import write_lock_first
from evalflow.extensions import db
from evalflow.inspection import rules
from evalflow.inspection.models import InspectionConflict, InspectionTeam, Visit, VisitMember
from evalflow.inspection.rules import ConflictKind, VisitFacts
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor, Permission, Role, decide
from evalflow.shared.accounts.models import User
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import Conflict, Forbidden, InvalidInput, NotFound, WrongPhase
from evalflow.shared.messages import N_, Message, msg
from evalflow.training.service import parse_starts_at, unit_of


@dataclass(frozen=True)
class Seen:
    """A visit as one caller reaches it: the visit, its campaign, and the caller's membership."""

    visit: Visit
    campaign: Campaign
    member: VisitMember | None  # None for the office


def notice_hours() -> int:
    return int(current_app.config.get("VISIT_NOTICE_HOURS", rules.DEFAULT_NOTICE_HOURS))


CHANGES_THE_VISIT = frozenset({Action.VISIT_MANAGE, Action.VISIT_SIGN, Action.VISIT_AMEND})


def open_visit(actor: Actor, vid: int, action: Action) -> Seen:
    """The visit *vid* for *actor*: the office, or an inspector on it (404 for anyone else, so ids
    reveal nothing); then the action's role and phase (403, 409 ``wrong_phase``). For an action that
    changes the visit (move, cancel, sign, amend) the row is locked and read afresh, so two such
    requests at once run one after the other: the second sees the first's change (or 404)."""
    locked = action in CHANGES_THE_VISIT
    if locked:
        write_lock_first()
    visit = db.session.get(Visit, vid, with_for_update=locked, populate_existing=locked)
    member = None
    if visit is not None and actor.role is Role.INSPECTOR:
        member = db.session.get(VisitMember, (visit.id, actor.user_id))
    if visit is None or (not actor.is_office and member is None):
        raise NotFound(msg(N_("考察任务不存在。")))
    campaign = db.session.get(Campaign, visit.campaign_id)
    assert campaign is not None
    decision = decide(actor, action, phase=campaign.phase)
    if decision is Permission.FORBIDDEN:
        raise Forbidden()
    if decision is Permission.WRONG_PHASE:
        raise WrongPhase(
            msg(N_("评选活动当前处于“%(phase)s”阶段,不能执行此操作。"), phase=msg(campaign.phase.label))
        )
    return Seen(visit, campaign, member)


def refuse_if_signed(visit: Visit) -> None:
    if visit.signed_at is not None:
        raise Conflict(msg(N_("组长已签字,考察评分表已锁定。")), code="signed")


def name_of(user: User) -> str:
    return user.display_name or user.username


# --- the office schedules ---------------------------------------------------------------------------


def _inspectors(ids: list[int]) -> dict[int, User]:
    found = db.session.scalars(
        sa.select(User).where(User.id.in_(ids), User.role == Role.INSPECTOR, User.active)
    )
    return {user.id: user for user in found}


def conflict_reasons(campaign: Campaign, unit: Unit, people: list[User]) -> list[Message]:
    """Why any of *people* may not inspect *unit* (empty when none)."""
    declared = {
        (row.inspector_id, row.unit_id): row.note
        for row in db.session.scalars(
            sa.select(InspectionConflict).where(
                InspectionConflict.unit_id == unit.id,
                InspectionConflict.inspector_id.in_([p.id for p in people]),
            )
        )
    }
    by_id = {p.id: p for p in people}
    affiliation = {p.id: p.affiliation_unit_id for p in people}
    out = []
    for found in rules.conflicts(by_id, unit.id, affiliation, declared):
        who = name_of(by_id[found.inspector_id])
        if found.kind is ConflictKind.WORKS_THERE:
            out.append(msg(N_("%(who)s 在“%(unit)s”工作,须回避。"), who=who, unit=unit.name))
        else:
            out.append(msg(N_("%(who)s 与“%(unit)s”有登记的利益冲突:%(note)s"), who=who, unit=unit.name,
                           note=found.note))  # fmt: skip
    return out


def _checked(
    campaign: Campaign, data: dict[str, Any]
) -> tuple[Unit | None, dict[int, User], datetime | None]:
    fields: dict[str, list[Message]] = {}
    unit = db.session.get(Unit, data["unit_id"])
    if unit is None or unit.campaign_id != campaign.id:
        fields["unit_id"] = [msg(N_("申报单位不存在。"))]
    ids = list(data["inspector_ids"])
    people = _inspectors(ids)
    if len(people) != len(set(ids)):
        fields["inspector_ids"] = [msg(N_("考察组成员须为已启用的考察组成员账号。"))]
    team = rules.team_problems(ids, data.get("leader_id"))
    if team:
        fields.setdefault("inspector_ids", []).extend(team)
    starts_at = None
    try:
        starts_at = parse_starts_at(data["starts_at"])
    except InvalidInput as exc:
        fields.update(exc.fields)
    if starts_at is not None:
        late = rules.notice_problem(bool(data.get("announced", True)), starts_at, clock.now(), notice_hours())
        if late is not None:
            fields["starts_at"] = [late]
    if fields:
        raise InvalidInput(fields=fields)
    return unit, people, starts_at


def create_visit(actor: Actor, campaign: Campaign, data: dict[str, Any]) -> Visit:
    """Schedule a visit (``unit_id``, ``inspector_ids``, ``leader_id``, ``starts_at``, ``announced``,
    ``team_id``?). Side effects: the visit, its members, one empty 实地考察 sheet per member, an
    audit entry. 400 for a bad body; 409 ``conflict`` when an inspector may not inspect the unit."""
    require(actor, Action.VISIT_MANAGE, campaign)
    unit, people, starts_at = _checked(campaign, data)
    assert unit is not None and starts_at is not None
    reasons = conflict_reasons(campaign, unit, list(people.values()))
    if reasons:
        raise Conflict(msg(N_("考察组成员须回避该单位。")), code="conflict", reasons=reasons)
    team_id = data.get("team_id")
    if team_id is not None:  # a team of this campaign, or none named: never a dangling id
        team = db.session.get(InspectionTeam, team_id)
        if team is None or team.campaign_id != campaign.id:
            raise InvalidInput(fields={"team_id": [msg(N_("考察组不存在。"))]})
    visit = Visit(campaign_id=campaign.id, unit_id=unit.id, team_id=team_id, leader_id=data["leader_id"],
                  starts_at=starts_at, announced=bool(data.get("announced", True)))  # fmt: skip
    db.session.add(visit)
    db.session.flush()
    for person in data["inspector_ids"]:
        db.session.add(VisitMember(visit_id=visit.id, inspector_id=person))
        db.session.add(ScoreSheet(campaign_id=campaign.id, unit_id=unit.id, method=Method.INSPECTION,
                                  scorer_id=person, visit_id=visit.id))  # fmt: skip
    db.session.flush()
    audit.record(actor, "inspection.visit_create", campaign_id=campaign.id, subject=("visit", visit.id),
                 data={"unit_id": unit.id, "inspector_ids": list(data["inspector_ids"]),
                       "leader_id": visit.leader_id, "starts_at": starts_at.isoformat(),
                       "announced": visit.announced})  # fmt: skip
    return visit


def reschedule(actor: Actor, vid: int, data: dict[str, Any]) -> Visit:
    """Move a visit (``starts_at``) or change whether the unit is told (``announced``) — until it is
    signed. Audited old → new."""
    seen = open_visit(actor, vid, Action.VISIT_MANAGE)
    visit = seen.visit
    refuse_if_signed(visit)
    starts_at = parse_starts_at(data["starts_at"]) if data.get("starts_at") is not None else visit.starts_at
    announced = bool(data["announced"]) if data.get("announced") is not None else visit.announced
    moved = starts_at != visit.starts_at or (announced and not visit.announced)
    late = rules.notice_problem(announced, starts_at, clock.now(), notice_hours()) if moved else None
    if late is not None:
        raise InvalidInput(fields={"starts_at": [late]})
    old = {"starts_at": visit.starts_at.isoformat(), "announced": visit.announced}
    visit.starts_at, visit.announced = starts_at, announced
    db.session.flush()
    new = {"starts_at": starts_at.isoformat(), "announced": announced}
    if old != new:
        audit.record(actor, "inspection.visit_move", campaign_id=visit.campaign_id, subject=("visit", visit.id),
                     data={"old": old, "new": new})  # fmt: skip
    return visit


def cancel(actor: Actor, vid: int) -> None:
    """Cancel a visit nobody has started scoring (409 ``started`` otherwise)."""
    seen = open_visit(actor, vid, Action.VISIT_MANAGE)
    visit = seen.visit
    if any(m.started or m.submitted_at for m in members(visit.id)) or visit.signed_at is not None:
        raise Conflict(msg(N_("考察组已开始评分,不能取消该考察。")), code="started")
    audit.record(actor, "inspection.visit_cancel", campaign_id=visit.campaign_id, subject=("visit", visit.id),
                 data={"unit_id": visit.unit_id, "starts_at": visit.starts_at.isoformat()})  # fmt: skip
    db.session.delete(visit)
    db.session.flush()


# --- who sees what --------------------------------------------------------------------------------


def members(vid: int) -> list[VisitMember]:
    return list(db.session.scalars(sa.select(VisitMember).where(VisitMember.visit_id == vid)))


def facts_of(visit: Visit, team: list[VisitMember]) -> VisitFacts:
    return VisitFacts(visit.starts_at, len(team), sum(1 for m in team if m.submitted_at),
                      any(m.started for m in team), visit.signed_at is not None)  # fmt: skip


@dataclass(frozen=True)
class VisitRow:
    """A visit as the lists show it."""

    visit: Visit
    unit: Unit
    team: list[tuple[VisitMember, User]]
    status: rules.VisitStatus
    overdue: bool

    @property
    def leader(self) -> User | None:
        return next((u for _, u in self.team if u.id == self.visit.leader_id), None)


def rows(visits: list[Visit]) -> list[VisitRow]:
    """Each visit with its unit, team, status and whether it is overdue (three queries in all)."""
    if not visits:
        return []
    ids = [v.id for v in visits]
    units = {
        u.id: u for u in db.session.scalars(sa.select(Unit).where(Unit.id.in_({v.unit_id for v in visits})))
    }
    teams: dict[int, list[tuple[VisitMember, User]]] = {}
    stmt = (sa.select(VisitMember, User).join(User, User.id == VisitMember.inspector_id)
            .where(VisitMember.visit_id.in_(ids)).order_by(User.username))  # fmt: skip
    for member, user in db.session.execute(stmt):
        teams.setdefault(member.visit_id, []).append((member, user))
    now = clock.now()
    out = []
    for visit in visits:
        team = teams.get(visit.id, [])
        facts = facts_of(visit, [m for m, _ in team])
        out.append(VisitRow(visit, units[visit.unit_id], team, rules.visit_status(facts, now),
                            rules.is_overdue(facts, now)))  # fmt: skip
    return out


def board(actor: Actor, campaign: Campaign) -> list[VisitRow]:
    """Every visit of the campaign (the office), by time."""
    require(actor, Action.VISIT_BOARD, campaign)
    stmt = sa.select(Visit).where(Visit.campaign_id == campaign.id).order_by(Visit.starts_at, Visit.id)
    return rows(list(db.session.scalars(stmt)))


def unit_visits(actor: Actor, campaign: Campaign, unit_id: int) -> list[Visit]:
    """A unit's visits: the office sees all; the unit its announced ones and signed 暗访."""
    require(actor, Action.VISIT_VIEW_UNIT, campaign, unit_id=unit_id)
    unit_of(campaign, unit_id)
    stmt = sa.select(Visit).where(Visit.unit_id == unit_id).order_by(Visit.starts_at, Visit.id)
    found = list(db.session.scalars(stmt))
    if actor.is_office:
        return found
    return [v for v in found if rules.visible_to_unit(v.announced, v.signed_at is not None)]


def my_visits(actor: Actor) -> list[VisitRow]:
    """The calling inspector's visits, soonest first."""
    if actor.role is not Role.INSPECTOR:
        raise Forbidden()
    stmt = (sa.select(Visit).join(VisitMember, VisitMember.visit_id == Visit.id)
            .where(VisitMember.inspector_id == actor.user_id).order_by(Visit.starts_at, Visit.id))  # fmt: skip
    return rows(list(db.session.scalars(stmt)))


def visit_row(seen: Seen) -> VisitRow:
    return rows([seen.visit])[0]
