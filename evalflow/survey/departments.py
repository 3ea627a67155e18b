"""征求相关部门意见: departments asked by token link, their verdicts per unit, and the office's cases.

The office lists a department (``POST …/departments``) and gets its token once (only a SHA-256 is
stored); the department answers each unit 无意见 or 有问题 with a text and optional evidence by its
deadline, through its page or ``PUT …/units/{uid}/opinion`` with the token as bearer. Each answer may
be changed until the office decides its case and until the deadline (through the whole deadline day;
409 ``deadline_passed`` after it). Only units that take part are asked — the survey's one rule,
:func:`evalflow.survey.questionnaire.survey_unit` (the application accepted); any other is 404. A new
evidence file replaces the old one, whose file leaves the disk once the request commits. A 有问题
opens a case the office decides: 一票否决 (an incident in the existing veto records,
:func:`evalflow.intake.veto.record_incident`, holding the department's evidence), a deduction (points
from a deduction leaf of the 测评体系, at most the leaf's), or no effect — each with a reason.
Everything is audited.

Requests race (two tabs, a double tap, two offices), so no write here is check-then-insert: a
department is one ``INSERT … ON CONFLICT DO NOTHING`` (nothing written: 409 ``duplicate``); an
opinion is inserted the same way, or else its row is locked (``FOR UPDATE``; SQLite's one writer is
already ours after the insert) before it is checked and changed — the last answer wins, as a
resubmission does; a decision claims its case with a compare-and-set on ``outcome IS NULL`` before it
writes anything else, so of two decisions one wins and the other is 409 ``decided``
(``tests/web/test_survey_opinion_races.py``).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from evalflow.assessment.rules import Kind, points_of
from evalflow.assessment.tree_rows import load_tree
from evalflow.extensions import db
from evalflow.intake import veto
from evalflow.intake.rules import MAX_VETO_DESCRIPTION, deadline_passed
from evalflow.shared import bounds, clock
from evalflow.shared.access import Action, Actor, Role
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import Conflict, Duplicate, InvalidInput, NotFound, Unauthenticated
from evalflow.shared.files import store as files
from evalflow.shared.files.models import StoredFile
from evalflow.shared.messages import N_, Message, msg
from evalflow.shared.text import text_problem
from evalflow.shared.upsert import insert
from evalflow.survey import rules
from evalflow.survey.models import Department, Opinion
from evalflow.survey.questionnaire import survey_unit, survey_units

# Points as a person writes them: ASCII digits, at most one decimal point. ``Decimal`` alone would also
# take "0_1" (1) and full-width "３" (3).
PLAIN_POINTS = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)
ELLIPSIS = "…"


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
    """A department asked for its opinion, and its token (shown once). 409 ``duplicate`` for a name
    the campaign already has — also when two requests add it at once (UNIQUE decides, one statement)."""
    require(actor, Action.DEPARTMENT_MANAGE, campaign)
    clean = _text(name, "name", rules.MAX_DEPARTMENT_NAME, required=True, single_line=True)
    if deadline is not None and not bounds.day_in_range(deadline):
        raise InvalidInput(fields={"deadline": [bounds.day_range()]})
    token = secrets.token_urlsafe(32)
    stmt = insert(Department).values(campaign_id=campaign.id, name=clean, token_hash=rules.token_digest(token),
                                     deadline=deadline, created_at=clock.now())  # fmt: skip
    made = db.session.execute(
        stmt.on_conflict_do_nothing(index_elements=["campaign_id", "name"]).returning(Department.id)
    ).scalar()
    if made is None:
        raise Duplicate(msg(N_("已有同名部门。")))
    department = db.session.get(Department, made)
    assert department is not None
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


def past_deadline(department: Department) -> bool:
    """Whether the department's deadline has passed (it may answer through the whole deadline day)."""
    return deadline_passed(department.deadline, clock.today())


def late(department: Department) -> Message:
    """What a department is told once its deadline has passed."""
    day = department.deadline.isoformat() if department.deadline else ""
    return msg(N_("反馈截止日期(%(day)s)已过,不能再提交或修改意见。"), day=day)


def _decided() -> Conflict:
    return Conflict(msg(N_("文明办已对该意见作出处理,不能再修改。")), code="decided")


def give_opinion(department: Department, campaign: Campaign, unit_id: int, data: Mapping[str, Any],
                 evidence: Any = None) -> Opinion:  # fmt: skip
    """The department's verdict on one unit (``none`` / ``problem``, a text — required for a problem)
    and optionally an evidence file, which replaces the one sent before. 404 for a unit that does not
    take part, 409 ``deadline_passed`` after the deadline, 409 ``decided`` once the office decided."""
    actor = department_actor(department)
    require(actor, Action.OPINION_GIVE, campaign)
    unit = survey_unit(campaign.id, unit_id, missing=N_("申报单位不存在。"))  # 404 unless it takes part
    if past_deadline(department):
        raise Conflict(late(department), code="deadline_passed")
    verdict = data.get("verdict")
    if verdict not in {v.value for v in rules.Verdict}:
        raise InvalidInput(fields={"verdict": [msg(N_("请选择“无意见”或“有问题”。"))]})
    text = _text(data.get("text"), "text", rules.MAX_OPINION_TEXT, required=verdict == rules.Verdict.PROBLEM)
    known = db.session.get(Opinion, (department.id, unit.id))
    if known is not None and known.outcome is not None:
        raise _decided()  # before the upload is stored; checked again under the lock below
    stored = files.store_upload(campaign.id, "veto_evidence", evidence) if evidence else None
    row = _write_opinion(department.id, unit.id, verdict, text, stored)
    audit.record(actor, "survey.opinion", campaign_id=campaign.id, subject=("unit", unit.id),
                 data={"department_id": department.id, "verdict": verdict})  # fmt: skip
    return row


def _write_opinion(
    department_id: int, unit_id: int, verdict: str, text: str, stored: StoredFile | None
) -> Opinion:
    """Insert the opinion, or — when it exists, also when another request has just made it — lock
    it, check it is not decided, and replace the answer (and the evidence: the old file is deleted)."""
    values = {"verdict": verdict, "text": text, "answered_at": clock.now(),
              "evidence_file_id": stored.id if stored else None}  # fmt: skip
    made = db.session.execute(
        insert(Opinion).values(department_id=department_id, unit_id=unit_id, **values)
        .on_conflict_do_nothing(index_elements=["department_id", "unit_id"]).returning(Opinion.unit_id)
    ).scalar()  # fmt: skip
    locked = (sa.select(Opinion).where(Opinion.department_id == department_id, Opinion.unit_id == unit_id)
              .with_for_update().execution_options(populate_existing=True))  # fmt: skip
    row = db.session.scalars(locked).one()
    if made is not None:
        return row
    if row.outcome is not None:
        raise _decided()
    replaced = row.evidence_file_id if stored is not None else None
    row.verdict, row.text, row.answered_at = verdict, text, values["answered_at"]
    if stored is not None:
        row.evidence_file_id = stored.id
    db.session.flush()
    old = db.session.get(StoredFile, replaced) if replaced is not None else None
    if old is not None:
        files.delete_stored(old)  # the row now, the file once the request commits
    return row


def evidence_files(ids: Collection[int | None]) -> dict[int, StoredFile]:
    """The evidence files with these ids (``Opinion.evidence_file_id``), by id, in one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {f.id: f for f in db.session.scalars(sa.select(StoredFile).where(StoredFile.id.in_(wanted)))}


def opinion_evidence(actor: Actor, campaign: Campaign, department_id: int, unit_id: int) -> StoredFile:
    """The evidence file a department sent with its opinion on a unit (office), or 404."""
    require(actor, Action.SURVEY_VIEW, campaign)
    row = db.session.get(Opinion, (department_id, unit_id))
    department = db.session.get(Department, department_id)
    stored = db.session.get(StoredFile, row.evidence_file_id) if row and row.evidence_file_id else None
    if stored is None or department is None or department.campaign_id != campaign.id:
        raise NotFound(msg(N_("证明材料不存在。")))
    return stored


@dataclass(frozen=True)
class Board:
    """Every opinion of a campaign with its department and unit, who has not answered yet, and the
    opinions' evidence files by id."""

    opinions: list[tuple[Opinion, Department, Unit]]
    missing: list[tuple[Department, list[Unit]]]
    files: dict[int, StoredFile]


def board(actor: Actor, campaign: Campaign) -> Board:
    """The office's view (``GET …/opinions``)."""
    require(actor, Action.SURVEY_VIEW, campaign)
    stmt = (sa.select(Opinion, Department, Unit).join(Department, Department.id == Opinion.department_id)
            .join(Unit, Unit.id == Opinion.unit_id).where(Department.campaign_id == campaign.id)
            .order_by(Unit.id, Department.name))  # fmt: skip
    rows = [tuple(r) for r in db.session.execute(stmt)]
    units = survey_units(campaign.id)
    done = {(o.department_id, o.unit_id) for o, _, _ in rows}
    missing = []
    for department in departments(actor, campaign):
        lacking = [u for u in units if (department.id, u.id) not in done]
        if lacking:
            missing.append((department, lacking))
    return Board(rows, missing, evidence_files([o.evidence_file_id for o, _, _ in rows]))  # type: ignore[arg-type]


def _points(value: Any, most: Decimal) -> Decimal | None:
    """Deducted points: a number, or a plain ASCII decimal text; above 0, at most *most*, 2 decimals."""
    if isinstance(value, str) and PLAIN_POINTS.fullmatch(value.strip()) is None:
        return None
    if not isinstance(value, int | float | str):  # a bool is an int, and points_of refuses it
        return None
    return points_of(value, most)


def _deduction(campaign: Campaign, data: Mapping[str, Any]) -> tuple[str, Decimal]:
    tree = load_tree(campaign.id)
    leaves = {leaf.code: leaf for leaf in tree.leaves(Kind.DEDUCTION)} if tree else {}
    code = data.get("code")
    if code not in leaves:
        raise InvalidInput(fields={"code": [msg(N_("请选择测评体系中的一个扣分项。"))]})
    points = _points(data.get("points"), leaves[code].points)
    if points is None:
        raise InvalidInput(
            fields={"points": [msg(N_("扣分须大于 0 且不超过该项的 %(max)s 分。"), max=leaves[code].points)]}
        )
    return str(code), points


def veto_description(department: str, text: str, reason: str) -> str:
    """The incident's description: the department's text quoted, then the office's reason — the
    reason always whole; the quote cut (ending in "…") to fit the veto's limit."""

    def quoted(part: str) -> str:
        return msg(N_("%(department)s反映:%(text)s"), department=department, text=part).render()

    tail = f"\n{reason}"
    room = MAX_VETO_DESCRIPTION - len(quoted("")) - len(tail)
    if len(text) > room:
        text = text[: max(room - len(ELLIPSIS), 0)] + ELLIPSIS
    return f"{quoted(text)}{tail}"


def _claim(row: Opinion, outcome: str, reason: str, deduction: tuple[str, Decimal] | None) -> None:
    """Write the decision on the open case — compare-and-set on ``outcome IS NULL``: of two decisions
    at once one wins, the other is 409 ``decided`` (404 when the problem was just withdrawn)."""
    code, points = deduction if deduction else (None, None)
    won = db.session.execute(
        sa.update(Opinion)
        .where(Opinion.department_id == row.department_id, Opinion.unit_id == row.unit_id,
               Opinion.outcome.is_(None), Opinion.verdict == rules.Verdict.PROBLEM)
        .values(outcome=outcome, outcome_reason=reason, decided_at=clock.now(), deduction_code=code,
                deduction_points=points)
        .execution_options(synchronize_session=False)
    ).rowcount  # fmt: skip
    db.session.refresh(row)
    if won != 1:
        if row.outcome is not None:
            raise Conflict(msg(N_("该问题已处理。")), code="decided")
        raise NotFound(msg(N_("没有该部门反映的问题。")))


def decide(
    actor: Actor, campaign: Campaign, department_id: int, unit_id: int, data: Mapping[str, Any]
) -> Opinion:
    """The office's decision on a reported problem: ``veto`` (with the veto's ``kind`` and
    ``occurred_on``; the incident holds the department's evidence), ``deduction`` (``code`` of a
    deduction leaf, ``points``) or ``no_effect``, always with a ``reason``. 409 ``decided`` once
    decided; 404 for no such problem, or a unit that does not take part."""
    require(actor, Action.OPINION_DECIDE, campaign)
    row = db.session.get(Opinion, (department_id, unit_id))
    department = db.session.get(Department, department_id)
    if row is None or department is None or department.campaign_id != campaign.id \
            or row.verdict != rules.Verdict.PROBLEM:  # fmt: skip
        raise NotFound(msg(N_("没有该部门反映的问题。")))
    survey_unit(campaign.id, unit_id, missing=N_("没有该部门反映的问题。"))  # 404 unless it takes part
    if row.outcome is not None:
        raise Conflict(msg(N_("该问题已处理。")), code="decided")
    outcome = data.get("outcome")
    if outcome not in {o.value for o in rules.Outcome}:
        raise InvalidInput(fields={"outcome": [msg(N_("请选择处理方式。"))]})
    reason = _text(data.get("reason"), "reason", rules.MAX_REASON, required=True)
    deduction = _deduction(campaign, data) if outcome == rules.Outcome.DEDUCTION else None
    _claim(row, outcome, reason, deduction)
    if outcome == rules.Outcome.VETO:
        made = veto.record_incident(actor, campaign, unit_id, {
            "kind": data.get("kind"), "occurred_on": data.get("occurred_on") or clock.today().isoformat(),
            "description": veto_description(department.name, row.text, reason),
        })  # fmt: skip
        made.incident.evidence_file_id = row.evidence_file_id
        row.veto_id = made.incident.id
        db.session.flush()
    audit.record(actor, "survey.case_decide", campaign_id=campaign.id, subject=("unit", unit_id), reason=reason,
                 data={"department_id": department_id, "outcome": outcome, "code": row.deduction_code,
                       "points": str(row.deduction_points) if row.deduction_points is not None else None})  # fmt: skip
    return row
