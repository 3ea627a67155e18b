"""Inspection teams (考察组), declared conflicts, and the balanced proposal of teams to units.

The office forms teams of inspector accounts with a leader, declares conflicts of interest beyond
the one every inspector has (the unit they work for), and asks for a proposal: every accepted unit
without a visit gets one team, no team with a member who may not inspect it, the loads even
(:func:`.rules.propose`), with half-day times from a first day (:func:`.rules.slots`). Accepting the
proposal schedules each visit through :func:`.visits.create_visit`, so every rule of a visit holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.inspection import rules
from evalflow.inspection.models import InspectionConflict, InspectionTeam, TeamMember, Visit
from evalflow.inspection.visits import create_visit, name_of
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor, Role
from evalflow.shared.accounts.models import User
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import Duplicate, InvalidInput, NotFound
from evalflow.shared.messages import N_, msg
from evalflow.shared.text import text_problem
from evalflow.training.service import accepted_units


def inspectors(actor: Actor) -> list[User]:
    """Every active inspector account, by username (what the office picks teams from)."""
    require(actor, Action.VISIT_BOARD)
    stmt = sa.select(User).where(User.role == Role.INSPECTOR, User.active).order_by(User.username)
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class Team:
    team: InspectionTeam
    members: list[User]


def teams(actor: Actor, campaign: Campaign) -> list[Team]:
    require(actor, Action.VISIT_BOARD, campaign)
    found = list(db.session.scalars(
        sa.select(InspectionTeam).where(InspectionTeam.campaign_id == campaign.id).order_by(InspectionTeam.name)
    ))  # fmt: skip
    people: dict[int, list[User]] = {}
    stmt = (sa.select(TeamMember.team_id, User).join(User, User.id == TeamMember.inspector_id)
            .where(TeamMember.team_id.in_([t.id for t in found])).order_by(User.username))  # fmt: skip
    for team_id, user in db.session.execute(stmt):
        people.setdefault(team_id, []).append(user)
    return [Team(t, people.get(t.id, [])) for t in found]


def create_team(
    actor: Actor, campaign: Campaign, name: str, inspector_ids: list[int], leader_id: int
) -> InspectionTeam:
    """A team of *inspector_ids* led by *leader_id* (400 for a bad name or team; 409 ``duplicate``)."""
    require(actor, Action.VISIT_MANAGE, campaign)
    clean = name.strip()
    fields: dict[str, list[Any]] = {}
    problem = text_problem(clean, required=True, single_line=True)
    if problem is None and len(clean) > rules.MAX_TEAM_NAME:
        problem = msg(N_("名称最多 %(max)d 个字。"), max=rules.MAX_TEAM_NAME)
    if problem is not None:
        fields["name"] = [problem]
    found = db.session.scalars(
        sa.select(User.id).where(User.id.in_(inspector_ids), User.role == Role.INSPECTOR)
    )
    team_problems = rules.team_problems(inspector_ids, leader_id)
    if len(set(found)) != len(set(inspector_ids)):
        team_problems.append(msg(N_("考察组成员须为已启用的考察组成员账号。")))
    if team_problems:
        fields["inspector_ids"] = team_problems
    if fields:
        raise InvalidInput(fields=fields)
    taken = sa.select(InspectionTeam.id).where(
        InspectionTeam.campaign_id == campaign.id, InspectionTeam.name == clean
    )
    if db.session.scalar(taken) is not None:
        raise Duplicate(msg(N_("已有同名考察组。")))
    team = InspectionTeam(campaign_id=campaign.id, name=clean, leader_id=leader_id)
    db.session.add(team)
    db.session.flush()
    db.session.add_all(TeamMember(team_id=team.id, inspector_id=i) for i in inspector_ids)
    db.session.flush()
    audit.record(actor, "inspection.team_create", campaign_id=campaign.id, subject=("inspection_team", team.id),
                 data={"name": clean, "inspector_ids": inspector_ids, "leader_id": leader_id})  # fmt: skip
    return team


def delete_team(actor: Actor, campaign: Campaign, team_id: int) -> None:
    """Remove a team (its visits stay, with their members)."""
    require(actor, Action.VISIT_MANAGE, campaign)
    team = db.session.get(InspectionTeam, team_id)
    if team is None or team.campaign_id != campaign.id:
        raise NotFound(msg(N_("考察组不存在。")))
    audit.record(actor, "inspection.team_delete", campaign_id=campaign.id, subject=("inspection_team", team.id),
                 data={"name": team.name})  # fmt: skip
    db.session.delete(team)
    db.session.flush()


# --- conflicts ----------------------------------------------------------------------------------


def conflicts(actor: Actor, campaign: Campaign) -> list[tuple[InspectionConflict, User, Unit]]:
    require(actor, Action.VISIT_BOARD, campaign)
    stmt = (sa.select(InspectionConflict, User, Unit).join(User, User.id == InspectionConflict.inspector_id)
            .join(Unit, Unit.id == InspectionConflict.unit_id)
            .where(InspectionConflict.campaign_id == campaign.id).order_by(Unit.name, User.username))  # fmt: skip
    return list(db.session.execute(stmt))


def declare_conflict(
    actor: Actor, campaign: Campaign, unit_id: int, inspector_id: int, note: str
) -> InspectionConflict:
    """This inspector never inspects this unit (*note* says why). 409 ``duplicate`` when declared."""
    require(actor, Action.VISIT_MANAGE, campaign)
    fields: dict[str, list[Any]] = {}
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.campaign_id != campaign.id:
        fields["unit_id"] = [msg(N_("申报单位不存在。"))]
    person = db.session.get(User, inspector_id)
    if person is None or person.role is not Role.INSPECTOR:
        fields["inspector_id"] = [msg(N_("考察组成员不存在。"))]
    clean = note.strip()
    problem = text_problem(clean, required=True, single_line=True)
    if problem is None and len(clean) > rules.MAX_CONFLICT_NOTE:
        problem = msg(N_("最多 %(max)d 字,现有 %(n)d 字。"), max=rules.MAX_CONFLICT_NOTE, n=len(clean))
    if problem is not None:
        fields["note"] = [problem]
    if fields:
        raise InvalidInput(fields=fields)
    taken = sa.select(InspectionConflict.id).where(
        InspectionConflict.unit_id == unit_id, InspectionConflict.inspector_id == inspector_id
    )
    if db.session.scalar(taken) is not None:
        raise Duplicate(msg(N_("该回避关系已登记。")))
    row = InspectionConflict(campaign_id=campaign.id, unit_id=unit_id, inspector_id=inspector_id, note=clean)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "inspection.conflict_declare", campaign_id=campaign.id,
                 subject=("inspection_conflict", row.id),
                 data={"unit_id": unit_id, "inspector_id": inspector_id, "note": clean})  # fmt: skip
    return row


def remove_conflict(actor: Actor, campaign: Campaign, conflict_id: int) -> None:
    require(actor, Action.VISIT_MANAGE, campaign)
    row = db.session.get(InspectionConflict, conflict_id)
    if row is None or row.campaign_id != campaign.id:
        raise NotFound(msg(N_("回避关系不存在。")))
    audit.record(actor, "inspection.conflict_remove", campaign_id=campaign.id,
                 subject=("inspection_conflict", row.id),
                 data={"unit_id": row.unit_id, "inspector_id": row.inspector_id, "note": row.note})  # fmt: skip
    db.session.delete(row)
    db.session.flush()


# --- the proposal --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    unit: Unit
    team: Team
    starts_at: datetime  # office-local


@dataclass(frozen=True)
class Plan:
    visits: list[Planned]
    unplaced: list[Unit]


def _blocked(campaign: Campaign, all_teams: list[Team], units: list[Unit]) -> set[tuple[int, int]]:
    declared = set(db.session.execute(
        sa.select(InspectionConflict.inspector_id, InspectionConflict.unit_id)
        .where(InspectionConflict.campaign_id == campaign.id)
    ))  # fmt: skip
    out = set()
    for team in all_teams:
        for unit in units:
            if any(p.affiliation_unit_id == unit.id or (p.id, unit.id) in declared for p in team.members):
                out.add((team.team.id, unit.id))
    return out


def proposal(actor: Actor, campaign: Campaign, first_day: date) -> Plan:
    """Teams for every accepted unit that has no visit yet, balanced, with suggested times."""
    require(actor, Action.VISIT_MANAGE, campaign)
    all_teams = [t for t in teams(actor, campaign) if t.members]
    visited = set(db.session.scalars(sa.select(Visit.unit_id).where(Visit.campaign_id == campaign.id)))
    units = [u for u in accepted_units(campaign.id) if u.id not in visited]
    loads: dict[int, int] = {}
    for team_id in db.session.scalars(sa.select(Visit.team_id).where(Visit.campaign_id == campaign.id)):
        if team_id is not None:
            loads[team_id] = loads.get(team_id, 0) + 1
    members = {t.team.id: [p.id for p in t.members] for t in all_teams}
    plan = rules.propose([u.id for u in units], members, _blocked(campaign, all_teams, units), loads)
    times = rules.slots(plan.teams, first_day)
    by_unit, by_team = {u.id: u for u in units}, {t.team.id: t for t in all_teams}
    planned = [Planned(by_unit[u], by_team[t], times[u]) for u, t in sorted(plan.teams.items())]
    return Plan(sorted(planned, key=lambda p: (p.starts_at, p.unit.id)), [by_unit[u] for u in plan.unplaced])


def accept_proposal(actor: Actor, campaign: Campaign, first_day: date, announced: bool = True) -> list[Visit]:
    """Schedule every proposed visit (each checked as :func:`.visits.create_visit` checks one)."""
    plan = proposal(actor, campaign, first_day)
    zone = clock.office_tz()
    made = []
    for item in plan.visits:
        ids = [p.id for p in item.team.members]
        made.append(create_visit(actor, campaign, {
            "unit_id": item.unit.id, "inspector_ids": ids, "leader_id": item.team.team.leader_id,
            "starts_at": item.starts_at.replace(tzinfo=zone).isoformat(), "announced": announced,
            "team_id": item.team.team.id,
        }))  # fmt: skip
    return made


def team_label(team: Team) -> str:
    leader = next((p for p in team.members if p.id == team.team.leader_id), None)
    return f"{team.team.name}({name_of(leader)})" if leader else team.team.name
