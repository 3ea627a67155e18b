"""The tally service: figures from the database, access, settings, the seal and the proposed list."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared.access import PUBLIC, Actor, Role
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.campaigns.models import Unit
from evalflow.shared.campaigns.rules import SeatRole
from evalflow.shared.errors import Forbidden, InvalidInput, NotFound, WrongPhase
from evalflow.shared.phases import Phase
from evalflow.tally import checks, proposals
from evalflow.tally import service as tally
from evalflow.tally import settings as tally_settings
from evalflow.tally.models import TallySeal
from evalflow.tally.rules import TallyMethod
from tests import factories
from tests.factories import office_actor
from tests.tally_world import build, present_all, set_phase, uniform

NAMES = ["甲社区", "乙社区", "丙社区", "丁社区"]


def ladder(giver: int, role: SeatRole, unit: int) -> str:
    """Unit 0 gets all 好, unit 1 好 from reporters else 较好, unit 2 较好, unit 3 一般."""
    if unit == 0:
        return "好"
    if unit == 1:
        return "好" if role is SeatRole.REPORTER else "较好"
    return "较好" if unit == 2 else "一般"


def test_compute_tally_counts_means_and_ranks(app):
    world = build(NAMES, ladder)
    t = tally.compute_tally(office_actor(), world.campaign)
    assert t.method is TallyMethod.TRIMMED_MEAN
    rows = [(r.name, r.counts, r.ballots, r.expected, r.score, r.rank) for r in t.results]
    assert rows == [
        ("甲社区", {"好": 9, "较好": 0, "一般": 0}, 9, 9, 100, 1),
        ("乙社区", {"好": 3, "较好": 6, "一般": 0}, 9, 9, Fraction(600, 7), 2),
        ("丙社区", {"好": 0, "较好": 9, "一般": 0}, 9, 9, 80, 3),
        ("丁社区", {"好": 0, "较好": 0, "一般": 9}, 9, 9, 60, 4),
    ]
    assert t.results[1].figures.mean == Fraction(780, 9)


def test_compute_tally_ties_share_a_rank(app):
    world = build(NAMES, lambda giver, role, unit: "一般" if unit == 3 else "好")
    t = tally.compute_tally(office_actor(), world.campaign)
    assert [(r.name, r.rank) for r in t.results] == [
        ("甲社区", 1),
        ("乙社区", 1),
        ("丙社区", 1),
        ("丁社区", 4),
    ]


def test_compute_tally_breakdown_by_role_and_source(app):
    world = build(NAMES, ladder, paper=lambda giver, role, unit: role is SeatRole.PUBLIC)
    t = tally.compute_tally(office_actor(), world.campaign)
    unit1 = world.units[1].id
    assert t.breakdown.by_role[unit1]["reporter"].counts == {"好": 3, "较好": 0, "一般": 0}
    assert t.breakdown.by_role[unit1]["cadre"].figures.mean == 80
    assert t.breakdown.by_source[unit1]["paper"].figures.ballots == 3
    assert t.breakdown.by_source[unit1]["online"].figures.ballots == 6


def test_tally_report_names_missing_seats_and_flat_raters(app):
    def grade_of(giver, role, unit):
        if giver == 1 and role is SeatRole.PUBLIC and unit == 3:
            return None
        return ladder(giver, role, unit)

    world = build(NAMES, grade_of)
    report = checks.tally_report(office_actor(), world.campaign)
    assert [(m.seat_unit_id, m.role, m.unit_ids) for m in report.missing] == [
        (world.units[1].id, "public", (world.units[3].id,))
    ]
    assert report.ballots == 35
    assert report.digest == checks.tally_report(office_actor(), world.campaign).digest
    flat = [s for s in report.signals if s.kind == "flat"]
    assert flat == []  # nobody graded 5 units: only 3 others each
    assert len(tally.sealed_ballots(world.campaign, report.settings.pseudonym_salt)) == 35


@pytest.mark.parametrize(
    ("actor", "error"),
    [
        (Actor(Role.UNIT, unit_id=1, campaign_id=1), Forbidden),
        (Actor(Role.SEAT, unit_id=1, campaign_id=1, seat_id=1), Forbidden),
        (PUBLIC, NotFound),
        (Actor(Role.UNIT, unit_id=99, campaign_id=99), NotFound),
    ],
)
def test_compute_tally_refused_to_everyone_but_the_office(app, actor, error):
    world = build(NAMES[:2], uniform("好"))
    assert world.campaign.id == 1
    with pytest.raises(error):
        tally.compute_tally(actor, world.campaign)
    with pytest.raises(error):
        tally.export_ballots_csv(actor, world.campaign)


def test_compute_tally_before_briefing_is_wrong_phase(app):
    world = build(NAMES[:2], uniform("好"), phase=Phase.TRAINING)
    with pytest.raises(WrongPhase):
        tally.compute_tally(office_actor(), world.campaign)


def test_update_settings_only_in_draft_and_audited(app):
    world = build(NAMES, ladder, phase=Phase.DRAFT)
    settings = tally_settings.update_settings(
        office_actor(), world.campaign, {"method": "mean", "flat_min_ballots": 3}
    )
    assert (settings.method, settings.flat_min_ballots) == (TallyMethod.MEAN, 3)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "tally.settings"))
    assert entry.data["after"]["method"] == "mean" and entry.data["before"]["method"] == "trimmed_mean"
    set_phase(world.campaign, Phase.BRIEFING)
    t = tally.compute_tally(office_actor(), world.campaign)
    assert t.method is TallyMethod.MEAN and t.results[1].score == Fraction(780, 9)
    with pytest.raises(WrongPhase):
        tally_settings.update_settings(office_actor(), world.campaign, {"method": "median"})
    with pytest.raises(InvalidInput):
        set_phase(world.campaign, Phase.DRAFT)
        tally_settings.update_settings(office_actor(), world.campaign, {"method": "max"})


def test_advance_to_review_seals_the_ballot_set(app):
    world = build(NAMES, ladder)
    present_all(world)
    db.session.commit()
    live = checks.tally_report(office_actor(), world.campaign).digest
    phases.advance_phase(office_actor(), world.campaign, Phase.REVIEW)
    db.session.commit()
    seal = db.session.scalar(sa.select(TallySeal))
    assert (seal.digest, seal.ballots, seal.method) == (live, 36, TallyMethod.TRIMMED_MEAN)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "tally.seal"))
    assert entry.data["digest"] == live
    assert tally.compute_tally(office_actor(), world.campaign).seal.digest == live


# --- the proposed list -------------------------------------------------------------------------


def review_world(categories=None):
    return build(NAMES, ladder, phase=Phase.REVIEW, categories=categories)


def test_propose_top_k_takes_the_best_and_feeds_the_notice(app):
    world = review_world()
    proposal = proposals.propose(office_actor(), world.campaign, {"rule": "top_k", "k": 2})
    assert proposal.included == [world.units[0].id, world.units[1].id]
    assert tally.proposed_unit_ids(world.campaign) == [world.units[0].id, world.units[1].id]
    assert all(not e.deviation for e in proposal.entries)


def test_propose_vetoed_unit_is_left_out_automatically(app):
    world = review_world()
    factories.veto(world.units[0], date.today(), "安全生产事故")
    db.session.commit()
    proposal = proposals.propose(office_actor(), world.campaign, {"rule": "top_k", "k": 2})
    assert proposal.included == [world.units[1].id, world.units[2].id]
    factories.veto(world.units[2], date.today(), "安全生产事故")
    db.session.commit()
    assert tally.proposed_unit_ids(world.campaign) == [world.units[1].id]  # vetoed after the choice
    with pytest.raises(InvalidInput) as exc:
        proposals.propose(office_actor(), world.campaign, {"rule": "manual", "unit_ids": [world.units[0].id]})
    assert "一票否决" in exc.value.fields["unit_ids"][0].render()


def test_propose_deviation_without_reason_is_refused_with_every_unit_named(app):
    world = review_world()
    ids = [world.units[0].id, world.units[2].id]
    with pytest.raises(InvalidInput) as exc:
        proposals.propose(office_actor(), world.campaign, {"rule": "top_k", "k": 2, "unit_ids": ids})
    assert [m.render() for m in exc.value.fields["reasons"]] == [
        "“丙社区”排在入选线以下,列入须写明理由。",
        "“乙社区”按排名应当入选,不列入须写明理由。",
    ]


def test_propose_deviation_with_reasons_is_stored_and_audited(app):
    world = review_world()
    u = world.units
    reasons = {str(u[2].id): "群众满意度调查第一", str(u[1].id): "整改未完成"}
    proposal = proposals.propose(
        office_actor(), world.campaign, {"rule": "manual", "unit_ids": [u[0].id, u[2].id], "reasons": reasons}
    )
    assert proposal.included == [u[0].id, u[2].id]
    left_off = [(e.unit_id, e.reason) for e in proposal.entries if not e.included]
    assert left_off == [(u[1].id, "整改未完成")]
    log = db.session.execute(
        sa.select(AuditEntry.action, AuditEntry.subject_id, AuditEntry.reason)
        .where(AuditEntry.action.like("proposal.%"))
        .order_by(AuditEntry.id)
    ).all()
    assert [tuple(r) for r in log] == [
        ("proposal.set", world.campaign.id, ""),
        ("proposal.add_below_cut", u[2].id, "群众满意度调查第一"),
        ("proposal.skip", u[1].id, "整改未完成"),
    ]


def test_propose_threshold_and_per_category(app):
    world = review_world(categories={"甲社区": "社区", "乙社区": "社区", "丙社区": "企业", "丁社区": "企业"})
    by_threshold = proposals.propose(office_actor(), world.campaign, {"rule": "threshold", "threshold": "80"})
    assert by_threshold.included == [world.units[0].id, world.units[1].id, world.units[2].id]
    per_category = proposals.propose(
        office_actor(), world.campaign, {"rule": "top_k", "k": 1, "per_category": True}
    )
    assert per_category.included == [world.units[0].id, world.units[2].id]


def test_propose_outside_review_is_wrong_phase_and_invalid_rule_400(app):
    world = build(NAMES, ladder)
    with pytest.raises(WrongPhase):
        proposals.propose(office_actor(), world.campaign, {"rule": "top_k", "k": 1})
    set_phase(world.campaign, Phase.REVIEW)
    with pytest.raises(InvalidInput) as exc:
        proposals.propose(office_actor(), world.campaign, {"rule": "top_k", "k": 0})
    assert set(exc.value.fields) == {"k"}


def test_seat_of_a_unit_outside_the_tally_counts_as_expected_and_its_ballots_count(app):
    world = build(NAMES[:2], uniform("好"))
    outsider = db.session.query(Unit).filter_by(name="未通过").one()
    seat, _ = factories.seat(outsider, SeatRole.PUBLIC, "外")
    factories.ballots([{"seat_id": seat.id, "unit_id": world.units[0].id, "grade": "一般"}])
    db.session.commit()
    report = checks.tally_report(office_actor(), world.campaign)
    first = next(r for r in report.tally.results if r.unit_id == world.units[0].id)
    assert (first.ballots, first.expected, first.counts["一般"]) == (4, 4, 1)
    assert [(m.seat_unit_id, m.unit_ids) for m in report.missing] == [(outsider.id, (world.units[1].id,))]
