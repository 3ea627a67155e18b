"""征求相关部门意见: departments asked by token link, their verdicts per unit, and the office's cases.

The office lists a department (``POST …/departments``) and gets its token once (only a SHA-256 is
stored); the department answers each unit 无意见 or 有问题 with a text and optional evidence by its
deadline, through its page or ``PUT …/units/{uid}/opinion`` with the token as bearer. Each answer may
be changed until the office decides its case. A 有问题 opens a case the office decides: 一票否决 (an
incident in the existing veto records, :func:`evalflow.intake.veto.record_incident`), a deduction
(points from a deduction leaf of the 测评体系, at most the leaf's), or no effect — each with a reason.
Everything is audited.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from evalflow.assessment.rules import Kind
from evalflow.assessment.tree_rows import load_tree
from evalflow.extensions import db
from evalflow.intake import veto
from evalflow.shared import bounds, clock
from evalflow.shared.access import Action, Actor, Role
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import Conflict, Duplicate, InvalidInput, NotFound, Unauthenticated
from evalflow.shared.files import store as files
from evalflow.shared.messages import N_, Message, msg
from evalflow.shared.text import text_problem
from evalflow.survey import rules
from evalflow.survey.models import Department, Opinion
from evalflow.training.service import accepted_units, unit_of


def _text(value: Any, name: str, limit: int, *, required: bool, single_line: bool = False) -> str:
    text = value.strip() if isinstance(value, str) else ""
    problem: Message | None = None
    if value is not None and not isinstance(value, str):
        problem = msg(N_("须为文字。"))
    else:
        problem = text_problem(text, required=required, single_line=single_line)
    if problem is None and len(text) > limit:
        problem = msg(N_("最多 %(max)d 个字。"), max=limit)
    if problem is not None:
        raise InvalidInput(fields={name: [problem]})
    return text


def create_department(
    actor: Actor, campaign: Campaign, name: Any, deadline: date | None = None
) -> tuple[Department, str]:
    """A department asked for its opinion, and its token (shown once)."""
    require(actor, Action.DEPARTMENT_MANAGE, campaign)
    clean = _text(name, "name", rules.MAX_DEPARTMENT_NAME, required=True, single_line=True)
    if deadline is not None and not bounds.day_in_range(deadline):
        raise InvalidInput(fields={"deadline": [bounds.day_range()]})
    taken = sa.select(Department.id).where(Department.campaign_id == campaign.id, Department.name == clean)
    if db.session.scalar(taken) is not None:
        raise Duplicate(msg(N_("已有同名部门。")))
    token = secrets.token_urlsafe(32)
    department = Department(campaign_id=campaign.id, name=clean, token_hash=rules.token_digest(token),
                            deadline=deadline, created_at=clock.now())  # fmt: skip
    db.session.add(department)
    db.session.flush()
    audit.record(actor, "survey.department_add", campaign_id=campaign.id, subject=("survey_department", department.id),
                 data={"name": clean, "deadline": deadline.isoformat() if deadline else None})  # fmt: skip
    return department, token


def departments(actor: Actor, campaign: Campaign) -> list[Department]:
    require(actor, Action.SURVEY_VIEW, campaign)
    stmt = sa.select(Department).where(Department.campaign_id == campaign.id).order_by(Department.name)
    return list(db.session.scalars(stmt))


def by_token(token: str | None) -> tuple[Department, Campaign]:
    """The department holding *token* (401 when none does)."""
    if not token or len(token) > 200:
        raise Unauthenticated(msg(N_("链接无效,请使用文明办发来的完整链接。")))
    department = db.session.scalar(
        sa.select(Department).where(Department.token_hash == rules.token_digest(token))
    )
    if department is None:
        raise Unauthenticated(msg(N_("链接无效,请使用文明办发来的完整链接。")))
    return department, db.session.get(Campaign, department.campaign_id)


def wrong_campaign() -> NotFound:
    """A department's token used on another campaign's URL: nothing there for it."""
    return NotFound(msg(N_("未找到该内容。")))


def department_of(campaign: Campaign, department_id: int) -> Department:
    department = db.session.get(Department, department_id)
    if department is None or department.campaign_id != campaign.id:
        raise NotFound(msg(N_("部门不存在。")))
    return department


def department_actor(department: Department) -> Actor:
    """Who a department is in the audit trail: no account, its name."""
    return Actor(Role.PUBLIC, campaign_id=department.campaign_id, label=f"department:{department.name}"[:60])


def give_opinion(department: Department, campaign: Campaign, unit_id: int, data: Mapping[str, Any],
                 evidence: Any = None) -> Opinion:  # fmt: skip
    """The department's verdict on one unit (``none`` / ``problem``, a text — required for a problem)."""
    actor = department_actor(department)
    require(actor, Action.OPINION_GIVE, campaign)
    unit = unit_of(campaign, unit_id)
    verdict = data.get("verdict")
    if verdict not in {v.value for v in rules.Verdict}:
        raise InvalidInput(fields={"verdict": [msg(N_("请选择“无意见”或“有问题”。"))]})
    text = _text(data.get("text"), "text", rules.MAX_OPINION_TEXT, required=verdict == rules.Verdict.PROBLEM)
    row = db.session.get(Opinion, (department.id, unit.id))
    if row is not None and row.outcome is not None:
        raise Conflict(msg(N_("文明办已对该意见作出处理,不能再修改。")), code="decided")
    stored = files.store_upload(campaign.id, "veto_evidence", evidence) if evidence else None
    if row is None:
        row = Opinion(department_id=department.id, unit_id=unit.id)
        db.session.add(row)
    row.verdict, row.text, row.answered_at = verdict, text, clock.now()
    if stored is not None:
        row.evidence_file_id = stored.id
    db.session.flush()
    audit.record(actor, "survey.opinion", campaign_id=campaign.id, subject=("unit", unit.id),
                 data={"department_id": department.id, "verdict": verdict})  # fmt: skip
    return row


@dataclass(frozen=True)
class Board:
    """Every opinion of a campaign with its department and unit, and who has not answered yet."""

    opinions: list[tuple[Opinion, Department, Unit]]
    missing: list[tuple[Department, list[Unit]]]


def board(actor: Actor, campaign: Campaign) -> Board:
    """The office's view (``GET …/opinions``)."""
    require(actor, Action.SURVEY_VIEW, campaign)
    stmt = (sa.select(Opinion, Department, Unit).join(Department, Department.id == Opinion.department_id)
            .join(Unit, Unit.id == Opinion.unit_id).where(Department.campaign_id == campaign.id)
            .order_by(Unit.id, Department.name))  # fmt: skip
    rows = [tuple(r) for r in db.session.execute(stmt)]
    units = accepted_units(campaign.id)
    done = {(o.department_id, o.unit_id) for o, _, _ in rows}
    missing = []
    for department in departments(actor, campaign):
        lacking = [u for u in units if (department.id, u.id) not in done]
        if lacking:
            missing.append((department, lacking))
    return Board(rows, missing)  # type: ignore[arg-type]


def _deduction(campaign: Campaign, data: Mapping[str, Any]) -> tuple[str, Decimal]:
    tree = load_tree(campaign.id)
    leaves = {leaf.code: leaf for leaf in tree.leaves(Kind.DEDUCTION)} if tree else {}
    code = data.get("code")
    if code not in leaves:
        raise InvalidInput(fields={"code": [msg(N_("请选择测评体系中的一个扣分项。"))]})
    try:
        points = Decimal(str(data.get("points")))
    except InvalidOperation:
        points = Decimal(-1)
    if isinstance(data.get("points"), bool) or not points.is_finite() or not 0 < points <= leaves[code].points \
            or points != round(points, 2):  # fmt: skip
        raise InvalidInput(
            fields={"points": [msg(N_("扣分须大于 0 且不超过该项的 %(max)s 分。"), max=leaves[code].points)]}
        )
    return str(code), points


def decide(
    actor: Actor, campaign: Campaign, department_id: int, unit_id: int, data: Mapping[str, Any]
) -> Opinion:
    """The office's decision on a reported problem: ``veto`` (with the veto's ``kind`` and
    ``occurred_on``), ``deduction`` (``code`` of a deduction leaf, ``points``) or ``no_effect``,
    always with a ``reason``. 409 ``decided`` once decided; 404 for no such problem."""
    require(actor, Action.OPINION_DECIDE, campaign)
    row = db.session.get(Opinion, (department_id, unit_id))
    department = db.session.get(Department, department_id)
    if row is None or department is None or department.campaign_id != campaign.id \
            or row.verdict != rules.Verdict.PROBLEM:  # fmt: skip
        raise NotFound(msg(N_("没有该部门反映的问题。")))
    if row.outcome is not None:
        raise Conflict(msg(N_("该问题已处理。")), code="decided")
    outcome = data.get("outcome")
    if outcome not in {o.value for o in rules.Outcome}:
        raise InvalidInput(fields={"outcome": [msg(N_("请选择处理方式。"))]})
    reason = _text(data.get("reason"), "reason", rules.MAX_REASON, required=True)
    if outcome == rules.Outcome.DEDUCTION:
        row.deduction_code, row.deduction_points = _deduction(campaign, data)
    elif outcome == rules.Outcome.VETO:
        description = msg(
            N_("%(department)s反映:%(text)s"), department=department.name, text=row.text
        ).render()
        incident = veto.record_incident(actor, campaign, unit_id, {
            "kind": data.get("kind"), "occurred_on": data.get("occurred_on") or clock.today().isoformat(),
            "description": f"{description}\n{reason}"[:2000],
        })  # fmt: skip
        row.veto_id = incident.incident.id
    row.outcome, row.outcome_reason, row.decided_at = outcome, reason, clock.now()
    db.session.flush()
    audit.record(actor, "survey.case_decide", campaign_id=campaign.id, subject=("unit", unit_id), reason=reason,
                 data={"department_id": department_id, "outcome": outcome, "code": row.deduction_code,
                       "points": str(row.deduction_points) if row.deduction_points is not None else None})  # fmt: skip
    return row
