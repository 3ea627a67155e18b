"""The survey's answers as a CSV for the office (through ``shared/files/csvfile``): one row per
answer — unit, type, choices as the options' labels, time, where it came from, valid or invalidated
with the reason, and the anomaly signals that point at it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from flask_babel import gettext

from evalflow.shared import clock
from evalflow.shared.access import Actor
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.i18n import tr
from evalflow.survey import results, rules
from evalflow.survey.questionnaire import stored
from evalflow.training.service import accepted_units


def _choices(questionnaire: rules.Questionnaire | None, choices: Sequence[Any]) -> list[str]:
    if questionnaire is None:
        return [str(c) for c in choices]
    out = []
    for question, choice in zip(questionnaire.questions, choices, strict=False):
        out.append(
            question.options[choice].label
            if choice is not None and 0 <= choice < len(question.options)
            else ""
        )
    return out


def rows(actor: Actor, campaign: Campaign, fast_seconds: int) -> Iterator[list[Any]]:
    """The header, then one row per answer, oldest first."""
    questionnaire = stored(campaign.id)
    names = {u.id: u.name for u in accepted_units(campaign.id)}
    flagged: dict[int, list[str]] = {}
    for signal in results.anomalies(actor, campaign, fast_seconds):
        for answer_id in signal.answer_ids:
            flagged.setdefault(answer_id, []).append(gettext(signal.kind.label))
    count = len(questionnaire.questions) if questionnaire else 0
    yield [gettext("编号"), gettext("单位"), gettext("身份"), *[f"Q{i + 1}" for i in range(count)],
           gettext("提交时间"), gettext("来源"), gettext("状态"), gettext("作废理由"), gettext("异常提示")]  # fmt: skip
    for answer in results.answers_of(actor, campaign):
        source = (
            gettext("调查码")
            if answer.code_id
            else (gettext("纸质问卷") if not answer.address else answer.address)
        )
        yield [answer.id, names.get(answer.unit_id, answer.unit_id), tr(rules.Respondent(answer.respondent).label),
               *_choices(questionnaire, answer.choices), clock.local(answer.created_at).strftime("%Y-%m-%d %H:%M:%S"),
               source, gettext("已作废") if answer.invalidated_at else gettext("有效"), answer.invalid_reason,
               "、".join(flagged.get(answer.id, []))]  # fmt: skip
