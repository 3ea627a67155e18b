"""Accounts of reviewers (材料审核 experts) and inspectors (实地考察 group members), made by the office.

Such a person signs in like anyone else and acts for no unit. ``affiliation_unit_id`` names the
applicant unit they work for, if any — kept apart from ``unit_id`` (a unit's own login acts *as*
that unit): it only keeps them from ever scoring it.
"""

from __future__ import annotations

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared.access import Actor, Role
from evalflow.shared.accounts.models import User
from evalflow.shared.accounts.service import create_user, require_office
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.errors import InvalidInput
from evalflow.shared.messages import N_, msg
from evalflow.shared.phases import Phase
from evalflow.shared.text import text_problem

ASSESSOR_ROLES = (Role.REVIEWER, Role.INSPECTOR)
MAX_NAME = 120  # the display name's column
ROLE_LABELS = {Role.REVIEWER: N_("评审专家"), Role.INSPECTOR: N_("考察组成员")}


def _checked_name(name: str) -> str:
    clean = name.strip()
    problem = text_problem(clean, required=True, single_line=True)
    if problem is None and len(clean) > MAX_NAME:
        problem = msg(N_("姓名最多 %(max)d 个字。"), max=MAX_NAME)
    if problem is not None:
        raise InvalidInput(fields={"name": [problem]})
    return clean


def add_assessor(
    actor: Actor, username: str, password: str, name: str, role: Role, unit_id: int | None = None
) -> User:
    """A reviewer's or inspector's account (``POST /accounts``). 400 for a role other than these, an
    unknown unit or a bad name; 409 ``duplicate`` for a username in use."""
    require_office(actor)
    if role not in ASSESSOR_ROLES:
        raise InvalidInput(fields={"role": [msg(N_("角色须为评审专家(reviewer)或考察组成员(inspector)。"))]})
    clean = _checked_name(name)
    if unit_id is not None and db.session.get(Unit, unit_id) is None:
        raise InvalidInput(fields={"unit_id": [msg(N_("所在单位不存在。"))]})
    user = create_user(username.strip(), password, role, display_name=clean)
    user.affiliation_unit_id = unit_id
    db.session.flush()
    action = "account.create_reviewer" if role is Role.REVIEWER else "account.create_inspector"
    audit.record(actor, action, subject=("user", user.id), data={"unit_id": unit_id})
    return user


def assessor_accounts(actor: Actor, role: Role | None = None) -> list[User]:
    """Every reviewer and inspector (or those of *role*), by username."""
    require_office(actor)
    roles = [role] if role is not None else list(ASSESSOR_ROLES)
    stmt = sa.select(User).where(User.role.in_(roles)).order_by(User.username)
    return list(db.session.scalars(stmt))


def affiliation_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """The units a person may be said to work for, by campaign (newest first; finished campaigns
    left out): what the account page offers."""
    rows = db.session.execute(
        sa.select(Campaign.id, Campaign.title, Unit.id, Unit.name)
        .join(Unit, Unit.campaign_id == Campaign.id)
        .where(Campaign.phase != Phase.FINAL)
        .order_by(Campaign.id.desc(), Unit.name)
    ).all()
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    for cid, title, uid, name in rows:
        groups.setdefault(cid, (f"{title}(#{cid})", []))[1].append((uid, name))
    return list(groups.values())


def affiliations(users: list[User]) -> dict[int, str]:
    """The name of each account's affiliation unit, by user id (for the account page)."""
    ids = {u.affiliation_unit_id for u in users if u.affiliation_unit_id}
    if not ids:
        return {}
    names = dict(db.session.execute(sa.select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all())
    return {u.id: names.get(u.affiliation_unit_id, "") for u in users if u.affiliation_unit_id}
