"""Training, shared Q&A and seat services against the database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from evalflow.briefing import seats
from evalflow.extensions import db
from evalflow.intake.models import ApplicationStatus
from evalflow.shared.access import Actor, Role
from evalflow.shared.accounts import service as accounts
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.campaigns.models import Seat
from evalflow.shared.errors import (
    Conflict,
    Duplicate,
    Forbidden,
    InvalidInput,
    NotFound,
    WrongPhase,
)
from evalflow.shared.phases import Phase
from evalflow.training import faq
from evalflow.training import service as training
from evalflow.training.models import Attendance, AttendanceStatus, Training
from tests import factories
from tests.factories import office_actor


@pytest.fixture
def setup(app):
    campaign = factories.campaign("评选", Phase.TRAINING)
    a = factories.unit(campaign, "甲社区", ApplicationStatus.ACCEPTED)
    b = factories.unit(campaign, "乙社区", ApplicationStatus.ACCEPTED)
    rejected = factories.unit(campaign, "丁社区", ApplicationStatus.REJECTED)
    db.session.commit()
    return campaign, a, b, rejected


def unit_actor(unit) -> Actor:
    return Actor(Role.UNIT, user_id=None, unit_id=unit.id, campaign_id=unit.campaign_id, label=unit.name)


def test_mark_attendance_updates_existing_row_and_audits_the_change(setup):
    campaign, a, _, _ = setup
    factories.attendance(a, AttendanceStatus.EXCUSED, "病假")
    training.mark_attendance(office_actor(), campaign, a.id, {"status": "attended"})
    rows = db.session.scalars(sa.select(Attendance)).all()
    assert [(r.unit_id, r.status, r.note) for r in rows] == [(a.id, AttendanceStatus.ATTENDED, "")]
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "attendance.mark"))
    assert (entry.from_state, entry.to_state, entry.data) == ("excused", "attended", {"via": "office"})


def test_mark_attendance_bad_input_writes_nothing(setup):
    campaign, a, _, _ = setup
    with pytest.raises(InvalidInput):
        training.mark_attendance(office_actor(), campaign, a.id, {"status": "excused", "note": " "})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_attendance_summary_and_phase_guard_agree_on_who_is_missing(setup):
    campaign, a, _, _ = setup
    training.mark_attendance(office_actor(), campaign, a.id, {"status": "attended"})
    _, summary = training.attendance_summary(office_actor(), campaign)
    facts = phases.gather_facts(campaign)
    assert (summary.trained, summary.total, summary.missing) == (1, 2, ("乙社区",))
    assert facts.untrained_units == summary.missing


def test_schedule_defaults_to_the_process_agenda_without_writing(setup):
    campaign, *_ = setup
    plan = training.schedule(office_actor(), campaign)
    assert plan.agenda[0] == "创建工作的意义" and len(plan.agenda) == 6
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Training)) == 0


def test_schedule_naive_time_is_read_in_office_time_zone(setup):
    campaign, *_ = setup
    saved = training.save_schedule(office_actor(), campaign, {"starts_at": "2026-12-03T09:30"})
    db.session.commit()
    assert db.session.get(Training, saved.id).starts_at.isoformat() == "2026-12-03T01:30:00+00:00"


def test_schedule_after_briefing_started_is_wrong_phase(setup):
    campaign, *_ = setup
    campaign.phase = Phase.BRIEFING
    with pytest.raises(WrongPhase):
        training.save_schedule(office_actor(), campaign, {"place": "礼堂"})


def test_checkin_current_code_matches_opened_code_until_expiry(setup):
    campaign, a, _, _ = setup
    code, expires_at = training.open_checkin(office_actor(), campaign, 15)
    assert training.current_checkin(campaign) == (code, expires_at)
    training.training_of(campaign).checkin_expires_at = expires_at - timedelta(minutes=20)
    assert training.current_checkin(campaign) is None
    with pytest.raises(Conflict) as exc:
        training.check_in(unit_actor(a), code)
    assert exc.value.code == "checkin_closed"


def test_checkin_turns_an_excuse_into_attended(setup):
    campaign, a, _, _ = setup
    factories.attendance(a, AttendanceStatus.EXCUSED, "可能迟到")
    code, _ = training.open_checkin(office_actor(), campaign)
    row = training.check_in(unit_actor(a), code)
    assert (row.status, row.note) == (AttendanceStatus.ATTENDED, "")


def test_checkin_by_rejected_unit_is_refused(setup):
    campaign, _, _, rejected = setup
    code, _ = training.open_checkin(office_actor(), campaign)
    with pytest.raises(Conflict) as exc:
        training.check_in(unit_actor(rejected), code)
    assert exc.value.code == "not_accepted"


def test_faq_newest_first_and_open_question_private(setup):
    campaign, a, b, _ = setup
    first = faq.add_entry(office_actor(), campaign, {"question": "一", "answer": "答一"})
    asked = faq.ask(unit_actor(a), campaign, {"question": "二"})
    db.session.commit()
    assert [e.id for e in faq.list_entries(unit_actor(a), campaign)] == [asked.id, first.id]
    assert [e.id for e in faq.list_entries(unit_actor(b), campaign)] == [first.id]
    with pytest.raises(NotFound):
        faq.entry_of(unit_actor(b), campaign, asked.id)


def test_faq_search_escapes_like_wildcards(setup):
    campaign, *_ = setup
    faq.add_entry(office_actor(), campaign, {"question": "达标率要求?", "answer": "80%以上"})
    faq.add_entry(office_actor(), campaign, {"question": "其他", "answer": "800 人"})
    assert [e.answer for e in faq.list_entries(office_actor(), campaign, "80%")] == ["80%以上"]
    assert [e.answer for e in faq.list_entries(office_actor(), campaign, "8_0")] == []


def test_faq_ask_in_review_is_wrong_phase(setup):
    campaign, a, _, _ = setup
    campaign.phase = Phase.REVIEW
    with pytest.raises(WrongPhase):
        faq.ask(unit_actor(a), campaign, {"question": "还能问吗?"})


def test_seat_token_is_stored_hashed_and_reissue_retires_it(setup):
    campaign, a, _, _ = setup
    issued = seats.create_seat(office_actor(), campaign, a.id, {"role": "reporter", "name": "张三"})
    assert issued.seat.token_hash == accounts.token_digest(issued.token)
    again = seats.reissue_seat(office_actor(), campaign, a.id, issued.seat.id)
    assert seats.credential(issued.token) is None
    assert seats.credential(again.token).seat.id == issued.seat.id


def test_seat_duplicate_role_raises_duplicate(setup):
    campaign, a, _, _ = setup
    seats.create_seat(unit_actor(a), campaign, a.id, {"role": "cadre", "name": "王芳"})
    with pytest.raises(Duplicate):
        seats.create_seat(office_actor(), campaign, a.id, {"role": "cadre", "name": "李四"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Seat)) == 1


def test_seat_cards_for_whole_campaign_only_for_office(setup):
    campaign, a, _, _ = setup
    with pytest.raises(Forbidden):
        seats.issue_cards(unit_actor(a), campaign)


def test_seat_url_outside_request_uses_public_base_url(setup, app):
    campaign, a, _, _ = setup
    app.config["PUBLIC_BASE_URL"] = "https://pingxuan.example.cn"
    issued = seats.create_seat(office_actor(), campaign, a.id, {"role": "public", "name": "李娜"})
    assert issued.url == f"https://pingxuan.example.cn/s/{issued.token}"


def test_seat_every_change_is_audited(setup):
    campaign, a, _, _ = setup
    issued = seats.create_seat(office_actor(), campaign, a.id, {"role": "public", "name": "李娜"})
    seats.rename_seat(office_actor(), campaign, a.id, issued.seat.id, {"name": "李娜娜"})
    seats.reissue_seat(office_actor(), campaign, a.id, issued.seat.id)
    seats.issue_cards(office_actor(), campaign, a.id)
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["seat.create", "seat.rename", "seat.reissue", "seat.cards"]
