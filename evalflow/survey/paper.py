"""Paper questionnaires keyed in twice (纸质问卷双录入), as the 评定表 is.

Each paper form gets a sheet number (written on it) and is keyed twice, pass 1 and pass 2, ideally
by two people. When the second pass agrees with the first — the same respondent type and the same
choices — the answer is made (no device, no address: it counts like any answer) and both passes point
at it; when they differ, the mismatch is listed until one pass is keyed again after a look at the
paper. A sheet whose answer is made cannot be keyed again (409 ``matched``); the office invalidates
the answer instead, with a reason. Every keying is audited.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import Conflict, InvalidInput
from evalflow.shared.messages import N_, msg
from evalflow.shared.text import text_problem
from evalflow.shared.upsert import insert
from evalflow.survey import rules
from evalflow.survey.answers import clean
from evalflow.survey.models import PaperEntry, SurveyAnswer
from evalflow.survey.questionnaire import stored, survey_unit


class Status(enum.StrEnum):
    WAITING = "waiting"  # the other pass is not keyed yet
    MATCHED = "matched"  # both agree: the answer is made
    MISMATCH = "mismatch"  # they differ: look at the paper and key one pass again


@dataclass(frozen=True)
class Keyed:
    entry: PaperEntry
    status: Status


def _sheet(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    problem = text_problem(text, required=True, single_line=True)
    if problem is None and len(text) > rules.MAX_SHEET:
        problem = msg(N_("最多 %(max)d 个字。"), max=rules.MAX_SHEET)
    if problem is not None:
        raise InvalidInput(fields={"sheet": [problem]})
    return text


def _write(values: dict[str, Any]) -> None:
    """This pass of the sheet written — inserted, or keyed again over the earlier keying of the same
    pass — unless the sheet is matched (``answer_id`` set): then nothing is written."""
    table = PaperEntry.__table__
    stmt = insert(table)
    changed = {name: stmt.excluded[name] for name in ("respondent", "choices", "keyed_by", "keyed_at")}
    db.session.execute(stmt.on_conflict_do_update(index_elements=[table.c.unit_id, table.c.sheet, table.c.pass_no],
                                                  set_=changed, where=table.c.answer_id.is_(None)), values)  # fmt: skip


def _entries(unit_id: int, sheet: str) -> dict[int, PaperEntry]:
    stmt = sa.select(PaperEntry).where(PaperEntry.unit_id == unit_id, PaperEntry.sheet == sheet)
    return {e.pass_no: e for e in db.session.scalars(stmt.execution_options(populate_existing=True))}


def _status(entry: PaperEntry, other: PaperEntry | None) -> Status:
    if other is None:
        return Status.WAITING
    same = (other.respondent, other.choices) == (entry.respondent, entry.choices)
    return Status.MATCHED if same else Status.MISMATCH


def key_paper(actor: Actor, campaign: Campaign, unit_id: int, data: Mapping[str, Any]) -> Keyed:
    """Key one pass of a paper form (``sheet``, ``pass_no`` 1 or 2, ``respondent``, ``choices``).

    Two keyings of one unit take turns, so that of two passes keyed at the same moment exactly one
    sees the other: on PostgreSQL the unit's row is locked first (:func:`survey_unit`); on SQLite the
    pass is written before the other pass is read (the first write takes the database's one writer
    lock, and what is read after it is what the other writer committed). The write itself is an
    upsert, so the same pass keyed twice at once is keyed again, never a unique-key error."""
    require(actor, Action.SURVEY_PAPER, campaign)
    unit = survey_unit(campaign.id, unit_id, lock=True)
    questionnaire = stored(campaign.id)
    if questionnaire is None:
        raise Conflict(msg(N_("请先设置问卷。")), code="no_survey")
    sheet, pass_no = _sheet(data.get("sheet")), data.get("pass_no")
    if pass_no not in range(1, rules.PAPER_PASSES + 1) or isinstance(pass_no, bool):
        raise InvalidInput(fields={"pass_no": [msg(N_("录入遍次须为 1 或 2。"))]})
    respondent, choices = clean(questionnaire, data)
    _write({"campaign_id": campaign.id, "unit_id": unit.id, "sheet": sheet, "pass_no": pass_no,
            "respondent": respondent, "choices": choices, "keyed_by": actor.user_id, "keyed_at": clock.now()})  # fmt: skip
    found = _entries(unit.id, sheet)
    if any(e.answer_id is not None for e in found.values()):
        raise Conflict(msg(N_("第 %(sheet)s 号问卷两遍录入已一致,不能再录入。"), sheet=sheet), code="matched")
    entry, other = found[pass_no], found.get(rules.PAPER_PASSES + 1 - pass_no)
    status = _status(entry, other)
    if status is Status.MATCHED:
        satisfied, chosen = rules.counts(questionnaire, choices)
        answer = SurveyAnswer(campaign_id=campaign.id, unit_id=unit.id, respondent=respondent, choices=choices,
                              satisfied=satisfied, chosen=chosen, device=None, address="", created_at=clock.now())  # fmt: skip
        db.session.add(answer)
        db.session.flush()
        entry.answer_id = other.answer_id = answer.id  # type: ignore[union-attr]
        db.session.flush()
    audit.record(actor, "survey.paper_key", campaign_id=campaign.id, subject=("unit", unit.id),
                 data={"sheet": sheet, "pass": pass_no, "status": status.value})  # fmt: skip
    return Keyed(entry, status)


@dataclass(frozen=True)
class Mismatch:
    unit: Unit
    sheet: str
    first: PaperEntry
    second: PaperEntry


def mismatches(actor: Actor, campaign: Campaign) -> list[Mismatch]:
    """Every sheet whose two passes differ, by unit and sheet."""
    require(actor, Action.SURVEY_VIEW, campaign)
    stmt = (sa.select(PaperEntry, Unit).join(Unit, Unit.id == PaperEntry.unit_id)
            .where(PaperEntry.campaign_id == campaign.id, PaperEntry.answer_id.is_(None))
            .order_by(Unit.id, PaperEntry.sheet, PaperEntry.pass_no))  # fmt: skip
    pairs: dict[tuple[int, str], list[tuple[PaperEntry, Unit]]] = {}
    for entry, unit in db.session.execute(stmt):
        pairs.setdefault((unit.id, entry.sheet), []).append((entry, unit))
    return [Mismatch(found[0][1], sheet, found[0][0], found[1][0])
            for (_, sheet), found in pairs.items() if len(found) == 2]  # fmt: skip
