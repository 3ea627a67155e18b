"""Intake services against a real database: files follow the transaction, status changes are
compare-and-set, veto window, demo data, and the migration of the ``unit.approved`` column."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from evalflow.extensions import db
from evalflow.intake import applications as intake
from evalflow.intake import veto
from evalflow.intake.models import Application, ApplicationStatus, ApplicationVersion, VetoIncident
from evalflow.shared.access import Actor, Role
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.errors import Conflict, InvalidInput, TooLarge, UnsupportedType
from evalflow.shared.files import store as files
from evalflow.shared.files.models import StoredFile
from evalflow.shared.files.rules import FileKind
from tests import factories
from tests.intake_world import EXE, PDF, World, build, stored_files

OFFICE = Actor(Role.OFFICE, user_id=None, label="test")


@pytest.fixture
def world(app) -> World:
    return build()


def unit_actor(unit: Unit) -> Actor:
    return Actor(Role.UNIT, user_id=None, unit_id=unit.id, campaign_id=unit.campaign_id, label="u")


def storage(content: bytes, name: str = "材料.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(content), filename=name)


def test_store_upload_records_metadata(app, world):
    stored = files.store_upload(world.campaign.id, "training", storage(PDF, "培训课件.pdf"))
    db.session.commit()
    assert (stored.filename, stored.size, stored.content_type, stored.purpose) == (
        "培训课件.pdf",
        len(PDF),
        "application/pdf",
        "training",
    )
    assert files.path_of(stored).read_bytes() == PDF
    assert stored.stored_name != stored.filename and len(stored.stored_name) == 40


def test_store_upload_rolled_back_leaves_no_file(app, world):
    files.store_upload(world.campaign.id, "attachment", storage(PDF))
    assert len(stored_files(app)) == 1
    db.session.rollback()
    assert stored_files(app) == []
    assert db.session.query(StoredFile).count() == 0


def test_store_upload_refusals_leave_no_file(app, world):
    with pytest.raises(UnsupportedType):
        files.store_upload(world.campaign.id, "attachment", storage(EXE))
    with pytest.raises(TooLarge):
        files.store_upload(world.campaign.id, "attachment", storage(PDF), max_bytes=10)
    with pytest.raises(UnsupportedType):
        files.store_upload(world.campaign.id, "training", storage(PDF), allowed={FileKind.PNG})
    assert stored_files(app) == []


def test_delete_stored_keeps_file_until_commit(app, world):
    stored = files.store_upload(world.campaign.id, "attachment", storage(PDF))
    db.session.commit()
    files.delete_stored(stored)
    db.session.rollback()
    assert len(stored_files(app)) == 1  # the removal was undone, so the file stays
    stored = db.session.query(StoredFile).one()
    files.delete_stored(stored)
    db.session.commit()
    assert stored_files(app) == []


def test_content_disposition_has_ascii_fallback_and_rfc5987_name():
    value = files.content_disposition("申报 材料(终稿).pdf")
    assert value.startswith('attachment; filename="download.pdf"; ')
    assert "filename*=UTF-8''%E7%94%B3%E6%8A%A5%20%E6%9D%90%E6%96%99%28%E7%BB%88%E7%A8%BF%29.pdf" in value


def _draft(world: World, unit: Unit, text: str = "一、正文") -> None:
    intake.save_draft(
        unit_actor(unit), world.campaign, unit.id, {"report_title": "标题", "report_text": text}
    )


def test_submit_twice_conflicts_and_keeps_one_version(app, world):
    _draft(world, world.a)
    intake.submit(unit_actor(world.a), world.campaign, world.a.id)
    db.session.commit()
    with pytest.raises(Conflict):
        intake.submit(unit_actor(world.a), world.campaign, world.a.id)
    db.session.rollback()
    assert db.session.query(ApplicationVersion).count() == 1


def test_status_cas_loses_against_concurrent_change(app, world):
    _draft(world, world.a)
    intake.submit(unit_actor(world.a), world.campaign, world.a.id)
    db.session.commit()
    application = db.session.scalar(sa.select(Application).where(Application.unit_id == world.a.id))
    # Another request accepted it meanwhile: a stale compare-and-set must not overwrite it.
    db.session.execute(
        sa.update(Application).where(Application.id == application.id).values(status="accepted")
    )
    with pytest.raises(Conflict):
        intake._set_status(
            application, {intake.ApplicationStatus.SUBMITTED}, intake.ApplicationStatus.RETURNED
        )
    db.session.commit()
    assert db.session.get(Application, application.id).status == ApplicationStatus.ACCEPTED


def test_versions_are_numbered_per_submission(app, world):
    _draft(world, world.a, "第一版")
    intake.submit(unit_actor(world.a), world.campaign, world.a.id)
    intake.review(OFFICE, world.campaign, world.a.id, "return", "改")
    _draft(world, world.a, "第二版")
    intake.submit(unit_actor(world.a), world.campaign, world.a.id)
    db.session.commit()
    versions = intake.versions(OFFICE, world.campaign, world.a.id)
    assert [(v.number, v.report_text) for v in versions] == [(1, "第一版"), (2, "第二版")]


def test_vetoed_unit_ids_respect_window_and_campaign(app, world):
    app.config["FROZEN_TODAY"] = date(2026, 11, 28)
    factories.veto(world.a, date(2026, 1, 1), "x")
    factories.veto(world.b, date(2023, 1, 1), "x")
    factories.veto(world.stranger, date(2026, 1, 1), "x")
    db.session.commit()
    assert veto.vetoed_unit_ids(world.campaign.id) == {world.a.id}
    app.config["VETO_LOOKBACK_MONTHS"] = 48
    assert veto.vetoed_unit_ids(world.campaign.id) == {world.a.id, world.b.id}


def _vetoed_acceptance(app, world: World) -> VetoIncident:
    """甲 accepted in intake, then an applying incident recorded: the acceptance is withdrawn."""
    app.config["FROZEN_TODAY"] = date(2026, 11, 28)
    _draft(world, world.a)
    intake.submit(unit_actor(world.a), world.campaign, world.a.id)
    intake.review(OFFICE, world.campaign, world.a.id, "accept", "")
    data = {"kind": "发生群体性事件", "occurred_on": "2026-06-01", "description": "误录"}
    view = veto.record_incident(OFFICE, world.campaign, world.a.id, data)
    db.session.commit()
    assert app_status(world.a) == ApplicationStatus.REJECTED
    return view.incident


def app_status(unit: Unit) -> ApplicationStatus:
    return db.session.scalar(sa.select(Application.status).where(Application.unit_id == unit.id))


def test_withdrawn_incident_no_longer_counts_but_does_not_reaccept(app, world):
    incident = _vetoed_acceptance(app, world)
    view = veto.withdraw_incident(OFFICE, world.campaign, incident.id, "  录入错误,实为另一单位  ")
    db.session.commit()
    assert view.applies is False and view.incident.withdrawal_reason == "录入错误,实为另一单位"
    stored = db.session.get(VetoIncident, incident.id)
    assert stored.withdrawn_at is not None and stored.withdrawn_at.tzinfo is not None
    assert veto.vetoed_unit_ids(world.campaign.id) == set()
    # Kept, listed, marked as not applying; the acceptance it withdrew stays withdrawn.
    assert [(v.incident.id, v.applies) for v in veto.list_incidents(OFFICE, world.campaign)] == [
        (incident.id, False)
    ]
    assert app_status(world.a) == ApplicationStatus.REJECTED
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "veto.withdraw"))
    assert (entry.subject_type, entry.subject_id, entry.reason) == (
        "unit",
        world.a.id,
        "录入错误,实为另一单位",
    )
    assert entry.data["incident_id"] == incident.id and entry.campaign_id == world.campaign.id
    # The office reviews again: the unit resubmits and can now be accepted.
    application = db.session.scalar(sa.select(Application).where(Application.unit_id == world.a.id))
    application.status = ApplicationStatus.SUBMITTED
    db.session.commit()
    intake.review(OFFICE, world.campaign, world.a.id, "accept", "")
    db.session.commit()
    assert app_status(world.a) == ApplicationStatus.ACCEPTED


def test_withdraw_twice_is_409_and_keeps_first_reason(app, world):
    incident = _vetoed_acceptance(app, world)
    veto.withdraw_incident(OFFICE, world.campaign, incident.id, "第一次")
    db.session.commit()
    with pytest.raises(Conflict) as raised:
        veto.withdraw_incident(OFFICE, world.campaign, incident.id, "第二次")
    assert (raised.value.status, raised.value.code) == (409, "already_withdrawn")
    db.session.rollback()
    assert db.session.get(VetoIncident, incident.id).withdrawal_reason == "第一次"
    assert db.session.query(AuditEntry).filter_by(action="veto.withdraw").count() == 1


@pytest.mark.parametrize("reason", ["", "   ", None, 42, "长" * 501])
def test_withdraw_needs_a_reason_and_changes_nothing(app, world, reason):
    incident = _vetoed_acceptance(app, world)
    with pytest.raises(InvalidInput) as raised:
        veto.withdraw_incident(OFFICE, world.campaign, incident.id, reason)
    assert raised.value.status == 400 and list(raised.value.fields) == ["reason"]
    db.session.rollback()
    stored = db.session.get(VetoIncident, incident.id)
    assert (stored.withdrawn_at, stored.withdrawal_reason) == (None, "")
    assert veto.vetoed_unit_ids(world.campaign.id) == {world.a.id}
    assert db.session.query(AuditEntry).filter_by(action="veto.withdraw").count() == 0


def test_withdraw_is_office_only_and_per_campaign(app, world):
    from evalflow.shared.errors import Forbidden, NotFound

    incident = _vetoed_acceptance(app, world)
    with pytest.raises(Forbidden):
        veto.withdraw_incident(unit_actor(world.a), world.campaign, incident.id, "我说错了")
    with pytest.raises(NotFound):
        veto.withdraw_incident(OFFICE, world.other, incident.id, "别的评选")
    with pytest.raises(NotFound):
        veto.withdraw_incident(OFFICE, world.campaign, incident.id + 1000, "不存在")
    db.session.rollback()
    assert db.session.get(VetoIncident, incident.id).withdrawn_at is None


@pytest.mark.parametrize(
    ("setting", "expected"),
    [(None, 8), (["甲", "乙"], 2), ('["甲", "乙", "丙"]', 3), ("甲、乙,丙,丁", 4)],
)
def test_veto_types_from_config(app, setting, expected):
    app.config["VETO_TYPES"] = setting
    assert len(veto.veto_types()) == expected


def test_demo_loads_seed_reports_in_various_states(app):
    from evalflow.demo import load_demo

    load_demo("demo-pass-123")
    load_demo("demo-pass-123")  # idempotent
    db.session.commit()
    campaign = db.session.scalar(sa.select(Campaign).order_by(Campaign.id).limit(1))  # the first: intake
    rows = db.session.execute(
        sa.select(Unit.name, Application.status, Application.report_text)
        .join(Application, Application.unit_id == Unit.id)
        .where(Unit.campaign_id == campaign.id)
        .order_by(Unit.id)
    ).all()
    assert [r.name for r in rows] == [
        "人民路街道xx社区",
        "五塔北街社区",
        "财源社区",
        "城关镇xx社区",
        "乌山社区",
    ]
    assert {r.status.value for r in rows} == {"accepted", "submitted", "returned"}
    assert rows[4].report_text.startswith("乌山社区位于乌山路") and "相关文章" not in rows[4].report_text
    assert rows[1].report_text.endswith("逐步打造社区为民服务的一流优秀团队。")
    assert db.session.query(ApplicationVersion).count() == 6  # 五塔北街 submitted twice


def test_migration_adds_and_removes_unit_approved(tmp_path, db_url):
    """Upgrade to 0002 and back on a fresh database: the column appears, defaults true, and goes."""
    from alembic import command
    from alembic.config import Config

    from evalflow import create_app
    from tests.factories import make_config

    application = create_app(make_config(db_url, tmp_path))
    with application.app_context():
        config = Config(str(application.extensions["migrate"].directory) + "/alembic.ini")
        config.set_main_option("script_location", application.extensions["migrate"].directory)
        command.upgrade(config, "0002")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("unit")}
        assert "approved" in columns
        command.downgrade(config, "0001")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("unit")}
        assert "approved" not in columns
        db.engine.dispose()
