"""advance_phase: the one writer of campaign.phase, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from evalflow.briefing.models import Presentation
from evalflow.extensions import db
from evalflow.intake.models import ApplicationStatus
from evalflow.shared.access import Actor, Role
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.errors import Conflict, Forbidden, InvalidTransition, TransitionBlocked
from evalflow.shared.phases import Phase
from evalflow.training.models import AttendanceStatus
from tests import factories
from tests.factories import PASSWORD


@pytest.fixture
def office(app):
    return factories.actor(factories.admin())


@pytest.fixture
def campaign(app, office):
    item = campaigns.create_campaign(office, {"title": "2026年度文明单位评选"})
    db.session.commit()
    return item


def test_advance_phase_moves_and_audits(campaign, office):
    phases.advance_phase(office, campaign, Phase.INTAKE, "开始申报")
    db.session.commit()
    assert db.session.get(Campaign, campaign.id).phase is Phase.INTAKE
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "campaign.transition"))
    assert (entry.from_state, entry.to_state, entry.reason, entry.actor_label) == (
        "draft",
        "intake",
        "开始申报",
        "office",
    )
    assert entry.actor_user_id == office.user_id


def test_advance_phase_blocked_lists_reasons_and_changes_nothing(campaign, office):
    phases.advance_phase(office, campaign, Phase.INTAKE)
    factories.unit(campaign, "乌山社区", ApplicationStatus.SUBMITTED)
    db.session.commit()
    with pytest.raises(TransitionBlocked) as info:
        phases.advance_phase(office, campaign, Phase.TRAINING)
    assert [str(r) for r in info.value.reasons] == [
        "至少需要 2 个已通过审核的申报单位,目前只有 0 个。",
        "还有 1 份已提交的申报材料未审核。",
    ]
    db.session.rollback()
    assert db.session.get(Campaign, campaign.id).phase is Phase.INTAKE


def test_advance_phase_rejects_skipping(campaign, office):
    with pytest.raises(InvalidTransition):
        phases.advance_phase(office, campaign, Phase.BRIEFING)


def test_advance_phase_refuses_unit_actor(campaign):
    unit_actor = Actor(Role.UNIT, user_id=99, unit_id=1, campaign_id=campaign.id)
    with pytest.raises(Forbidden):
        phases.advance_phase(unit_actor, campaign, Phase.INTAKE)


def test_training_guard_names_units_without_attendance(campaign, office):
    phases.advance_phase(office, campaign, Phase.INTAKE)
    a = factories.unit(campaign, "五塔北街社区", ApplicationStatus.ACCEPTED)
    factories.unit(campaign, "乌山社区", ApplicationStatus.ACCEPTED)
    factories.unit(campaign, "被退回社区", ApplicationStatus.RETURNED)
    phases.advance_phase(office, campaign, Phase.TRAINING)
    factories.attendance(a)
    facts = phases.gather_facts(campaign)
    assert facts.untrained_units == ("乌山社区",)
    assert facts.accepted_units == 2


def test_entering_briefing_creates_pending_presentations(campaign, office):
    phases.advance_phase(office, campaign, Phase.INTAKE)
    units = [factories.unit(campaign, n, ApplicationStatus.ACCEPTED) for n in ("甲社区", "乙社区")]
    phases.advance_phase(office, campaign, Phase.TRAINING)
    factories.attendance(units[0])
    factories.attendance(units[1], AttendanceStatus.EXCUSED, "因公出差")
    phases.advance_phase(office, campaign, Phase.BRIEFING)
    db.session.commit()
    rows = db.session.execute(sa.select(Presentation.unit_id, Presentation.status)).all()
    assert sorted((u, s.value) for u, s in rows) == sorted((u.id, "pending") for u in units)
    assert phases.gather_facts(campaign).unpresented_units == ("甲社区", "乙社区")


def test_stale_phase_loses_compare_and_set(campaign, office):
    """A request that read the old phase cannot write over a change made meanwhile."""
    phases.advance_phase(office, campaign, Phase.INTAKE)
    factories.unit(campaign, "甲社区", ApplicationStatus.ACCEPTED)
    factories.unit(campaign, "乙社区", ApplicationStatus.ACCEPTED)
    db.session.commit()
    assert campaign.phase is Phase.INTAKE  # loaded into the session
    with db.engine.begin() as other:
        other.execute(sa.update(Campaign).where(Campaign.id == campaign.id).values(phase="training"))
    with pytest.raises(Conflict) as info:
        phases.advance_phase(office, campaign, Phase.TRAINING)
    assert info.value.status == 409
    db.session.rollback()
    audit = db.session.scalars(
        sa.select(AuditEntry.to_state).where(AuditEntry.action == "campaign.transition")
    )
    assert list(audit) == ["intake"]


def test_concurrent_transitions_exactly_one_wins(app, campaign):
    """Two admins click "next" at the same moment: one 200, the other 409, one audit entry."""
    factories.admin("second")
    tokens = []
    for name in ("office", "second"):
        r = app.test_client().post("/api/v1/auth/token", json={"username": name, "password": PASSWORD})
        tokens.append(r.get_json()["token"])
    cid = campaign.id
    barrier = threading.Barrier(2)
    results: list[tuple[int, str]] = []

    def attempt(token: str) -> None:
        client = app.test_client()
        barrier.wait()
        r = client.post(
            f"/api/v1/campaigns/{cid}/transitions",
            json={"to": "intake"},
            headers={"Authorization": f"Bearer {token}"},
        )
        body = r.get_json()
        results.append((r.status_code, body.get("phase") or body["error"]["code"]))

    threads = [threading.Thread(target=attempt, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(s for s, _ in results) == [200, 409]
    assert {c for s, c in results if s == 409} <= {"wrong_phase", "invalid_transition", "conflict"}
    db.session.expire_all()
    assert db.session.get(Campaign, cid).phase is Phase.INTAKE
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == "campaign.transition")
    )
    assert count == 1
