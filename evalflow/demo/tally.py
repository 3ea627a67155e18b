"""A third demo campaign, in review (综合评定): a full briefing's ballots, the sealed tally, the bias
signals and a proposed list, so the chart, the signals and the list can be seen at once.

The seed's units (and the training demo's) are written directly with accepted applications; the
phase moves, attendance, seats and the proposed list go through the services. The briefing's
ballots are written directly (the ballot-casting service is another feature), with a few patterns
the bias signals are meant to catch: a flat rater, a pair grading each other up, and a delegation
grading the leading units down. Idempotent: once the campaign exists, nothing is changed.
"""

from __future__ import annotations

import random

import sqlalchemy as sa

from evalflow.briefing import seats
from evalflow.briefing.models import Ballot, Presentation
from evalflow.briefing.rules import BallotSource, PresentationState
from evalflow.extensions import db
from evalflow.intake.models import Application, ApplicationStatus
from evalflow.shared import clock
from evalflow.shared.access import Actor
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.campaigns.models import Campaign, Seat, Unit
from evalflow.shared.phases import Phase
from evalflow.tally import proposals
from evalflow.training import service as training

TITLE = "2026年度文明单位评选(综合评定演示)"
DESCRIPTION = "综合评定阶段的演示:集中汇报互评的全部选票已封存,可查看横向比较、偏差提示并确定拟表彰对象。"

# name, category, quality (0..1: how well its delegates' peers grade it)
UNITS: tuple[tuple[str, str, float], ...] = (
    ("五塔北街社区", "社区", 0.92),
    ("人民路街道xx社区", "社区", 0.84),
    ("白马河社区", "社区", 0.78),
    ("乌山社区", "社区", 0.70),
    ("道山路社区", "社区", 0.62),
    ("财源社区", "社区", 0.30),
    ("城关镇xx社区", "社区", 0.26),
    ("南一巷社区", "社区", 0.36),
)
DELEGATES = ("汇报人", "中层干部代表", "群众代表")
FLAT_RATER = ("乌山社区", "public")
PAIR = ("财源社区", "城关镇xx社区")
DOWNGRADER = "道山路社区"
PAPER = ("白马河社区", "cadre")
ABSENT = ("南一巷社区", "public", "乌山社区")


def _grade(rng: random.Random, quality: float) -> str:
    """好 / 较好 / 一般 around the unit's quality, with some disagreement between delegates."""
    x = quality + rng.uniform(-0.22, 0.22)
    return "好" if x > 0.72 else ("较好" if x > 0.42 else "一般")


def _units(campaign: Campaign) -> dict[str, Unit]:
    units = {}
    for name, category, _ in UNITS:
        unit = Unit(campaign_id=campaign.id, name=name, category=category, contact_name="联系人")
        db.session.add(unit)
        db.session.flush()
        db.session.add(
            Application(
                unit_id=unit.id, status=ApplicationStatus.ACCEPTED, report_title=f"{name}创建工作汇报"
            )
        )
        units[name] = unit
    db.session.flush()
    return units


def _ballots(units: dict[str, Unit]) -> None:
    rng = random.Random(2026)
    quality = {name: q for name, _, q in UNITS}
    seat_rows = db.session.execute(
        sa.select(Seat.id, Seat.unit_id, Seat.role).where(Seat.unit_id.in_([u.id for u in units.values()]))
    )
    by_id = {u.id: name for name, u in units.items()}
    leading = [name for name, _, _ in UNITS[:3]]
    rows = []
    for seat_id, seat_unit, role in seat_rows:
        giver = by_id[seat_unit]
        for name, unit in units.items():
            if unit.id == seat_unit or (giver, role.value, name) == ABSENT:
                continue
            grade = _grade(rng, quality[name])
            if (giver, role.value) == FLAT_RATER or giver in PAIR and name in PAIR:
                grade = "好"
            elif giver == DOWNGRADER and name in leading:
                grade = "一般"
            source = BallotSource.PAPER if (giver, role.value) == PAPER else BallotSource.ONLINE
            rows.append(
                {
                    "seat_id": seat_id,
                    "unit_id": unit.id,
                    "grade": grade,
                    "source": source,
                    "updated_at": clock.now(),
                }
            )
    db.session.execute(sa.insert(Ballot), rows)


def _close_presentations(campaign: Campaign) -> None:
    db.session.execute(
        sa.update(Presentation)
        .where(Presentation.campaign_id == campaign.id)
        .values(status=PresentationState.CLOSED, opened_at=clock.now(), closed_at=clock.now())
    )


def load(office: Actor) -> list[str]:
    """Create the review demo campaign once; report it either way."""
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.title == TITLE))
    if campaign is None:
        campaign = campaigns.create_campaign(office, {"title": TITLE, "description": DESCRIPTION})
        phases.advance_phase(office, campaign, Phase.INTAKE, "演示数据")
        units = _units(campaign)
        phases.advance_phase(office, campaign, Phase.TRAINING, "演示数据")
        for unit in units.values():
            training.mark_attendance(office, campaign, unit.id, {"status": "attended"})
            for role, label in zip(("reporter", "cadre", "public"), DELEGATES, strict=True):
                seats.create_seat(
                    office, campaign, unit.id, {"role": role, "name": f"{unit.name[:2]}{label}"}
                )
        phases.advance_phase(office, campaign, Phase.BRIEFING, "演示数据")
        _ballots(units)
        _close_presentations(campaign)
        phases.advance_phase(office, campaign, Phase.REVIEW, "演示数据:集中汇报互评结束")
        proposals.propose(office, campaign, {"rule": "top_k", "k": 4})
    return [f"tally demo campaign #{campaign.id}: {campaign.title} ({campaign.phase.value})"]
