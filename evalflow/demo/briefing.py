"""A third demo campaign, in the middle of its briefing (集中汇报互评): six units, eighteen delegates,
an order drawn by lot, two units done, the third open for scoring with some ballots cast.

A new user signs in as the office and opens the control panel at once; the ballot page of any seat
opens from the URLs printed here (the same as on its credential card). Units and their accepted
applications are written directly; everything of the briefing goes through the services. Idempotent:
once the campaign exists nothing is changed.
"""

from __future__ import annotations

import sqlalchemy as sa

from evalflow.briefing import agenda as briefing
from evalflow.briefing import ballots, seats
from evalflow.briefing import order as briefing_order
from evalflow.extensions import db
from evalflow.intake.models import Application, ApplicationStatus
from evalflow.shared.access import Actor
from evalflow.shared.accounts import actors
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.campaigns.models import Campaign, Seat, Unit
from evalflow.shared.phases import Phase
from evalflow.training.models import Attendance, AttendanceStatus

TITLE = "2025年度社区文明单位评选(集中汇报演示)"
DESCRIPTION = "集中汇报互评阶段的演示:抽签决定汇报顺序,两个单位已评完,第三个单位正在评分。"
SEED = "2025-briefing-demo"

UNITS = ("东街口社区", "西湖社区", "温泉社区", "鼓东社区", "屏山社区", "水部社区")
DELEGATES = (
    ("reporter", "汇报人"),
    ("cadre", "干部代表"),
    ("public", "群众代表"),
)
GRADES = ("好", "较好", "一般")


def _units(campaign: Campaign) -> list[Unit]:
    units = []
    for name in UNITS:
        unit = Unit(campaign_id=campaign.id, name=name, contact_name="联系人")
        db.session.add(unit)
        db.session.flush()
        db.session.add(
            Application(
                unit_id=unit.id, status=ApplicationStatus.ACCEPTED, report_title=f"{name}创建工作汇报"
            )
        )
        db.session.add(Attendance(unit_id=unit.id, status=AttendanceStatus.ATTENDED))
        units.append(unit)
    db.session.flush()
    return units


def _vote(campaign: Campaign, unit_id: int, voters: list[Seat], share: float) -> None:
    """Some of the other units' seats grade *unit_id* (deterministic, so the demo is reproducible)."""
    eligible = [s for s in voters if s.unit_id != unit_id]
    for i, seat in enumerate(eligible[: int(len(eligible) * share)]):
        ballots.cast_ballot(actors.actor_for_seat(seat), campaign, unit_id, GRADES[(i + unit_id) % 3])


def _run(office: Actor, campaign: Campaign) -> None:
    units = _units(campaign)
    phases.advance_phase(office, campaign, Phase.TRAINING, "演示数据")
    voters = []
    for index, unit in enumerate(units):
        for role, title in DELEGATES:
            name = f"{unit.name[:2]}{title}{index + 1}"
            voters.append(seats.create_seat(office, campaign, unit.id, {"role": role, "name": name}).seat)
    phases.advance_phase(office, campaign, Phase.BRIEFING, "演示数据")
    _, agenda = briefing_order.draw(office, campaign, SEED)
    order = [item.unit_id for item in agenda]
    for unit_id in order[:2]:
        briefing.open_scoring(office, campaign, unit_id)
        _vote(campaign, unit_id, voters, 1.0)
        briefing.close_scoring(office, campaign, unit_id)
    briefing.open_scoring(office, campaign, order[2])
    _vote(campaign, order[2], voters, 0.6)


def load(office: Actor) -> list[str]:
    """Create the briefing demo campaign once; report it, with a few ballot URLs, either way."""
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.title == TITLE))
    if campaign is None:
        campaign = campaigns.create_campaign(office, {"title": TITLE, "description": DESCRIPTION})
        phases.advance_phase(office, campaign, Phase.INTAKE, "演示数据")
        _run(office, campaign)
    sample = list(
        db.session.scalars(
            sa.select(Seat)
            .join(Unit, Unit.id == Seat.unit_id)
            .where(Unit.campaign_id == campaign.id)
            .order_by(Seat.id)
        )
    )[:3]
    urls = [f"  {s.name}: {seats.ballot_url(seats.derive_token(s.id, s.token_version))}" for s in sample]
    return [
        f"briefing demo campaign #{campaign.id}: {campaign.title} ({campaign.phase.value})",
        f"briefing control panel: /office/campaigns/{campaign.id}/briefing",
        "briefing ballot pages (as on the credential cards):",
        *urls,
    ]
