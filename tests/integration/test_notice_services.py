"""Notice and objection services on SQLite and PostgreSQL: drafting, publishing, objections, final."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from evalflow.extensions import db
from evalflow.notice import commendation, objections
from evalflow.notice import service as notice
from evalflow.notice.models import Notice, ObjectionFile
from evalflow.notice.rules import ObjectionState
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.errors import Conflict, InvalidInput, NotFound, TransitionBlocked, WrongPhase
from evalflow.shared.phases import Phase
from tests import factories
from tests.intake_world import PNG
from tests.notice_world import CONTACT, TODAY, published_world, review_world, set_phase, set_today

OBJECTION = {"name": "张三", "phone": "13800138000", "content": "该单位去年发生过安全事故,情况属实。"}


def test_proposed_unit_ids_accepted_not_vetoed(app):
    world = review_world(app)
    assert notice.proposed_unit_ids(world.campaign) == [world.a.id, world.b.id, world.c.id]


def test_proposed_unit_ids_follow_the_tallys_list_once_chosen(app):
    world = review_world(app)
    for position, (unit, included) in enumerate([(world.c, True), (world.a, False), (world.d, True)]):
        factories.proposed_entry(unit, position, included, "" if included else "另行推荐")
    db.session.commit()
    # 丙 is on the list, 甲 was left out, 丁 is vetoed and never reaches the notice.
    assert notice.proposed_unit_ids(world.campaign) == [world.c.id]


def test_create_notice_vetoed_unit_refused(app):
    world = review_world(app)
    with pytest.raises(InvalidInput) as exc:
        notice.create_notice(
            world.office, world.campaign, {"unit_ids": [world.a.id, world.d.id], "contact": CONTACT}
        )
    assert "丁单位" in str(exc.value.fields["unit_ids"][0])


def test_create_notice_unaccepted_unit_refused(app):
    world = review_world(app)
    with pytest.raises(InvalidInput) as exc:
        notice.create_notice(world.office, world.campaign, {"unit_ids": [world.e.id], "contact": CONTACT})
    assert "戊单位" in str(exc.value.fields["unit_ids"][0])
    assert [u.name for u in notice.candidate_units(world.campaign)] == ["丙公司", "乙单位", "甲单位"]


def test_create_notice_invalid_input_lists_fields(app):
    world = review_world(app)
    with pytest.raises(InvalidInput) as exc:
        notice.create_notice(world.office, world.campaign, {"unit_ids": [], "contact": {"phone": "x"}})
    assert {"unit_ids", "contact.phone", "contact.email", "contact.address", "contact.postcode"} <= set(
        exc.value.fields
    )


def test_create_notice_wrong_phase_refused(app):
    world = review_world(app)
    set_phase(world.campaign, Phase.BRIEFING)
    with pytest.raises(WrongPhase):
        notice.create_notice(world.office, world.campaign, {"unit_ids": [world.a.id], "contact": CONTACT})


def test_draft_notice_not_public_until_published(app):
    world = review_world(app)
    item = notice.create_notice(world.office, world.campaign, {"unit_ids": [world.a.id], "contact": CONTACT})
    db.session.commit()
    with pytest.raises(NotFound):
        notice.public_notice(item.id)
    assert notice.published_notices() == []


def test_publish_notice_period_over_national_day(app):
    world, item = published_world(app)
    db.session.refresh(item)
    assert (item.starts_on, item.ends_on) == (TODAY, date(2026, 10, 10))
    assert world.campaign.phase is Phase.NOTICE
    assert notice.public_notice(item.id).published_at is not None
    assert notice.status(item) == "open"
    assert [u.name for u in notice.units_of(item)] == ["丙公司", "乙单位", "甲单位"]


def test_publish_default_start_is_publication_day(app):
    world = review_world(app)
    item = notice.create_notice(world.office, world.campaign, {"unit_ids": [world.a.id], "contact": CONTACT})
    set_today(app, date(2022, 10, 31))  # published later than drafted: counted again from that day
    notice.publish(world.office, world.campaign)
    db.session.commit()
    assert (item.starts_on, item.ends_on) == (date(2022, 10, 31), date(2022, 11, 4))


def test_redraft_replaces_draft_and_past_start_moves_to_publication_day(app):
    world = review_world(app)
    first = notice.create_notice(
        world.office, world.campaign, {"unit_ids": [world.a.id, world.b.id], "contact": CONTACT}
    )
    db.session.commit()
    data = {"unit_ids": [world.b.id, world.c.id], "contact": CONTACT, "starts_on": "2026-09-30"}
    second = notice.create_notice(world.office, world.campaign, data)
    db.session.commit()
    assert db.session.scalars(sa.select(Notice.id).where(Notice.campaign_id == world.campaign.id)).all() == [
        second.id
    ]
    assert first is not second
    assert [u.name for u in notice.units_of(second)] == ["丙公司", "乙单位"]
    set_today(app, date(2026, 10, 8))  # published after the chosen first day
    notice.publish(world.office, world.campaign)
    db.session.commit()
    # 10-08, 10-09, 10-10 (make-up Saturday), 10-12, 10-13
    assert (second.starts_on, second.ends_on) == (date(2026, 10, 8), date(2026, 10, 13))


def test_publish_without_notice_blocked(app):
    world = review_world(app)
    with pytest.raises(TransitionBlocked) as exc:
        notice.publish(world.office, world.campaign)
    assert "公示名单" in str(exc.value.reasons[0])


def test_period_in_unknown_year_uses_office_table(app):
    world = review_world(app)
    notice.set_extra_day(world.office, "2027-10-04", False, "国庆节")
    notice.set_extra_day(world.office, "2027-10-05", False, "国庆节")
    notice.set_extra_day(world.office, "2027-10-05", False, "国庆节(改)")  # upsert, not a duplicate
    span = notice.period(world.campaign, date(2027, 10, 1))
    # Fri 10-01, then 10-06, 10-07, 10-08 and Mon 10-11 (10-04 and 10-05 are the office's holidays)
    assert span.ends_on == date(2027, 10, 11) and not span.beyond_known
    assert [d.note for d in notice.list_extra_days(world.office)] == ["国庆节", "国庆节(改)"]


def test_status_scheduled_open_closed(app):
    world, item = published_world(app, starts_on=date(2026, 10, 8))
    assert notice.status(item) == "scheduled"
    set_today(app, date(2026, 10, 8))
    assert notice.status(item) == "open"
    set_today(app, date(2026, 10, 15))
    assert notice.status(item) == "closed"


def test_file_objection_individual_receipt_and_deadline(app):
    world, item = published_world(app)
    objection = objections.file_objection(item.id, {**OBJECTION, "unit_id": world.a.id})
    db.session.commit()
    assert len(objection.receipt) >= 24
    # 15 working days after 09-29: 09-30, 10-08, 10-09, 10-10 (make-up Saturday), 10-12..16, 10-19..23, 10-26
    assert objection.reply_due_on == date(2026, 10, 26)
    view = objections.by_receipt(objection.receipt)
    assert view.state == "received" and view.unit.name == "甲单位"
    audit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "objection.file"))
    assert audit.to_state == "received"


def test_file_objection_anonymous_refused_with_reason(app):
    world, item = published_world(app)
    with pytest.raises(InvalidInput) as exc:
        objections.file_objection(
            item.id, {"unit_id": world.a.id, "name": "匿名", "phone": "", "content": "x" * 20}
        )
    assert {"name", "phone"} <= set(exc.value.fields)
    assert "不受理匿名异议" in str(exc.value.reasons[0])


def test_file_objection_unit_not_on_notice_refused(app):
    world, item = published_world(app)
    with pytest.raises(InvalidInput) as exc:
        objections.file_objection(item.id, {**OBJECTION, "unit_id": world.d.id})
    assert list(exc.value.fields) == ["unit_id"]


def test_file_objection_outside_period_conflict(app):
    world, item = published_world(app, starts_on=date(2026, 10, 8))
    with pytest.raises(Conflict) as exc:
        objections.file_objection(item.id, {**OBJECTION, "unit_id": world.a.id})
    assert exc.value.code == "notice_not_open"


def test_file_objection_unit_needs_seal_image(app):
    world, item = published_world(app)
    data = {
        **OBJECTION,
        "kind": "unit",
        "name": "某某街道办事处",
        "contact_name": "李四",
        "unit_id": world.b.id,
    }
    with pytest.raises(InvalidInput) as exc:
        objections.file_objection(item.id, data)
    assert "seal" in exc.value.fields
    seal = FileStorage(io.BytesIO(PNG), filename="公章.png")
    objection = objections.file_objection(item.id, data, seal=seal)
    db.session.commit()
    stored = db.session.scalars(
        sa.select(ObjectionFile).where(ObjectionFile.objection_id == objection.id)
    ).all()
    assert [(f.role.value, f.filename, f.content_type) for f in stored] == [("seal", "公章.png", "image/png")]


def test_objection_queue_investigate_resolve_audited(app):
    world, item = published_world(app)
    objection = objections.file_objection(item.id, {**OBJECTION, "unit_id": world.a.id})
    view = objections.start_investigation(world.office, objection.id, "已联系属地核查")
    assert view.state == "investigating"
    with pytest.raises(Conflict):
        objections.start_investigation(world.office, objection.id)
    with pytest.raises(InvalidInput) as exc:
        objections.resolve_objection(world.office, objection.id, {"outcome": "upheld", "reply": " "})
    assert "reply" in exc.value.fields
    view = objections.resolve_objection(
        world.office, objection.id, {"outcome": "upheld", "reply": "经核实,情况属实。"}
    )
    db.session.commit()
    assert view.objection.state is ObjectionState.UPHELD and view.state == "upheld"
    with pytest.raises(Conflict) as exc2:
        objections.resolve_objection(world.office, objection.id, {"outcome": "dismissed", "reply": "再次"})
    assert exc2.value.code == "already_resolved"
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-3:] == ["objection.file", "objection.investigate", "objection.resolve"]
    assert [u.name for u in commendation.commended_units(world.campaign)] == ["丙公司", "乙单位"]


def test_final_guard_period_and_unresolved(app):
    world, item = published_world(app)
    objection = objections.file_objection(item.id, {**OBJECTION, "unit_id": world.a.id})
    db.session.commit()
    set_today(app, date(2026, 10, 12))
    with pytest.raises(TransitionBlocked) as exc:
        phases.advance_phase(world.office, world.campaign, Phase.FINAL)
    assert len(exc.value.reasons) == 1 and "异议" in str(exc.value.reasons[0])
    db.session.rollback()
    objections.resolve_objection(
        world.office, objection.id, {"outcome": "dismissed", "reply": "经核实,不属实。"}
    )
    phases.advance_phase(world.office, world.campaign, Phase.FINAL)
    db.session.commit()
    campaign, units = commendation.public_commendation(world.campaign.id)
    assert campaign.phase is Phase.FINAL and len(units) == 3


def test_public_commendation_before_final_not_found(app):
    world, _ = published_world(app)
    with pytest.raises(NotFound):
        commendation.public_commendation(world.campaign.id)
