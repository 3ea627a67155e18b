"""The 问卷调查 and 征求意见 demo: a campaign in training whose tree has survey, opinions and deduction
leaves, an open questionnaire answered by residents and staff of three units — ten answers to one
unit came from one address within minutes (the 同一地址集中提交 signal the office sees) — and two
departments, one of which reported a problem still waiting for the office's decision. Built through
the use cases."""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa

from evalflow.assessment import tree
from evalflow.assessment.parse import parse_tree
from evalflow.demo.training import _unit
from evalflow.extensions import db
from evalflow.shared.access import Actor
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.phases import Phase
from evalflow.survey import answers, departments, form_text, questionnaire
from evalflow.survey.answers import Sender

TITLE = "2026年度社区文明单位评选(问卷调查演示)"
DESCRIPTION = "问卷调查与征求意见的演示:扫码问卷、满意率、样本量、异常提示,以及相关部门的意见。"
UNITS = (("鼓楼街道", "gulou"), ("南街社区", "nanjie"), ("西湖社区", "xihu"))
BURST_ADDRESS = "223.5.5.5"


def _tree() -> dict[str, Any]:
    return {"mode": "points", "items": [
        {"code": "S", "title": "群众满意度", "children": [
            {"code": "S1", "title": "群众满意度问卷调查", "points": 20, "method": "survey"},
            {"code": "S2", "title": "相关部门意见", "points": 10, "method": "opinions"},
        ]},
        {"code": "B", "title": "创建工作汇报", "points": 10, "method": "briefing"},
        {"code": "D", "title": "负面清单", "deduction": True, "children": [
            {"code": "D1", "title": "群众反映强烈的问题", "points": 5, "method": "opinions"},
        ]},
    ]}  # fmt: skip


def _sender(tag: str, address: str) -> Sender:
    return Sender(hashlib.sha256(tag.encode()).hexdigest(), address)


def _answers(campaign: Campaign, units: list[Unit]) -> None:
    """Twelve answers per unit from distinct phones and networks, then the burst to the first unit."""
    for n, unit in enumerate(units):
        for i in range(12):
            choices = [(i + n) % 3 if i % 4 else 0, (i // 2) % 2, (i * (n + 1)) % 3 if i % 5 else 1]
            body = {"respondent": "resident" if i % 2 else "staff", "choices": choices}
            answers.submit(campaign.id, unit.id, body, _sender(f"demo-{unit.id}-{i}", f"36.{n * 20 + i}.7.8"))
    for i in range(10):
        body = {"respondent": "resident", "choices": [i % 3, (i // 3) % 3, (i // 2) % 3]}
        answers.submit(campaign.id, units[0].id, body, _sender(f"demo-burst-{i}", BURST_ADDRESS))


def load(office: Actor, password: str) -> list[str]:
    """Create the survey demo campaign once; report it either way."""
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.title == TITLE))
    if campaign is None:
        campaign = campaigns.create_campaign(office, {"title": TITLE, "description": DESCRIPTION})
        phases.advance_phase(office, campaign, Phase.INTAKE, "演示数据")
        units = [_unit(campaign, name, username, password) for name, username in UNITS]
        tree.save_tree(office, campaign, parse_tree(_tree()), source="demo")
        questions = form_text.from_text(form_text.DEFAULT_TEXT)
        questionnaire.put_survey(office, campaign, {"mode": "open", "sample": 5, "questions": questions,
                                                    "respondents": ["staff", "resident"]})  # fmt: skip
        phases.advance_phase(office, campaign, Phase.TRAINING, "演示数据")
        _answers(campaign, units)
        police, _ = departments.create_department(office, campaign, "区公安分局")
        departments.create_department(office, campaign, "区市场监管局")
        for unit in units:
            verdict = {"verdict": "problem", "text": "辖区内一处餐饮店油烟扰民,群众多次投诉未整改。"} if unit is units[1] \
                else {"verdict": "none"}  # fmt: skip
            departments.give_opinion(police, campaign, unit.id, verdict)
    return [
        f"survey demo campaign #{campaign.id}: {campaign.title} ({campaign.phase.value})",
        "survey demo: open questionnaire with answers and one anomaly signal; 区市场监管局 has not answered yet",
    ]
