"""Backup: one campaign's rows, audit chain and files out to a zip, back into an empty database,
also across engines (SQLite → PostgreSQL and back), losing nothing."""

from __future__ import annotations

import hashlib
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from evalflow import create_app
from evalflow.demo.tally import TITLE
from evalflow.extensions import db
from evalflow.inspection.models import VisitPhoto
from evalflow.intake.models import Application, VetoIncident
from evalflow.notice import service as notice
from evalflow.notice.models import ObjectionFile
from evalflow.office import backup
from evalflow.shared.audit import verify
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.files.models import StoredFile
from evalflow.shared.files.store import upload_dir
from evalflow.tally import service as tally
from evalflow.tally import settings
from evalflow.tally.seal_rules import digest
from tests import factories
from tests.backup_craft import empty_target
from tests.backup_world import final_world
from tests.conftest import PG_URL, pg_schema
from tests.factories import login, make_config

PDF = b"%PDF-1.4\n" + "培训材料".encode() * 100 + b"\n%%EOF\n"


def _source_world(app: Any) -> int:
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.title == TITLE))
    factories.stored_file(campaign, PDF, "培训材料.pdf")
    notice.set_extra_day(factories.office_actor(), "2026-10-11", True, "国庆调休上班")
    db.session.commit()
    return campaign.id


def _snapshot(campaign_id: int) -> tuple[Any, ...]:
    """Every row, every file, the audit chain, the tally and the ballot digest of the campaign."""
    documents = backup.table_documents(backup.collect(campaign_id))
    files = {
        row["stored_name"]: (upload_dir() / row["stored_name"]).read_bytes()
        for row in documents["stored_file"]
    }
    chains = [(r.chain, r.length, r.head, r.broken) for r in verify.verify([campaign_id])]
    campaign = db.session.get(Campaign, campaign_id)
    ballots = tally.sealed_ballots(campaign, settings.settings_of(campaign).pseudonym_salt)
    seal = tally.current_seal(campaign_id)
    tallied = (repr(tally.tally_of(campaign).results), digest(ballots), seal.digest if seal else "")
    return documents, files, chains, tallied


def _restore_into(
    url: str, tmp_path: Path, archive: Path
) -> tuple[dict[str, Any], dict[str, bytes], list[Any]]:
    target = create_app(make_config(url, tmp_path / ("target-" + uuid.uuid4().hex[:6])))
    with target.app_context():
        db.create_all()
        try:
            result = target.test_cli_runner().invoke(args=["import", str(archive)])
            assert result.exit_code == 0, result.output
            cid = json.loads(zipfile.ZipFile(archive).read("manifest.json"))["campaign_id"]
            restored = _snapshot(cid)
            # the sequences moved on: a new row gets a fresh id
            extra = factories.campaign("恢复后新建")
            db.session.commit()
            assert extra.id > cid
            verified = target.test_cli_runner().invoke(args=["verify-audit"])
            assert verified.exit_code == 0, verified.output
            return restored
        finally:
            db.session.remove()
            db.engine.dispose()


def test_backup_round_trip_loses_nothing_across_engines(app, tmp_path):
    cid = _source_world(app)
    before = _snapshot(cid)
    documents = before[0]
    assert {
        "campaign",
        "unit",
        "application",
        "seat",
        "ballot",
        "audit_entry",
        "audit_chain_head",
        "calendar_day",
    } <= set(documents)
    assert len(documents["ballot"]) > 50 and before[3][1] == before[3][2]  # the sealed digest holds
    assert before[2][0][1] > 3 and before[2][0][3] is None
    assert [r["id"] for r in documents["campaign"]] == [cid]  # the other demo campaign stays out
    archive = tmp_path / "out" / "backup.zip"
    result = app.test_cli_runner().invoke(args=["export", str(cid), str(archive)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(archive) as z:
        manifest = json.loads(z.read("manifest.json"))
        assert set(manifest["parts"]) == set(z.namelist()) - {"manifest.json"}
        assert all(hashlib.sha256(z.read(n)).hexdigest() == h for n, h in manifest["parts"].items())
    assert manifest["rows"] == {name: len(rows) for name, rows in documents.items()}
    restored_sqlite = _restore_into(f"sqlite:///{tmp_path / 'restored.sqlite3'}", tmp_path, archive)
    assert restored_sqlite == before
    if PG_URL:  # SQLite → PostgreSQL, PostgreSQL → PostgreSQL
        with pg_schema() as url:
            assert _restore_into(url, tmp_path, archive) == before


def test_backup_import_refuses_a_database_that_is_not_empty(app, tmp_path):
    cid = _source_world(app)
    archive = tmp_path / "b.zip"
    assert app.test_cli_runner().invoke(args=["export", str(cid), str(archive)]).exit_code == 0
    result = app.test_cli_runner().invoke(args=["import", str(archive)])
    assert result.exit_code == 1 and "只能恢复到空数据库" in result.output


def test_backup_import_refuses_a_tampered_part(app, tmp_path):
    cid = _source_world(app)
    archive, forged = tmp_path / "b.zip", tmp_path / "forged.zip"
    assert app.test_cli_runner().invoke(args=["export", str(cid), str(archive)]).exit_code == 0
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(forged, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(
                name,
                data.replace(b'"grade": "', b'"grade": "x') if name == "tables/ballot.json" else data,
            )
    target = create_app(make_config(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path / "t"))
    with target.app_context():
        db.create_all()
        result = target.test_cli_runner().invoke(args=["import", str(forged)])
        assert result.exit_code == 1 and "tables/ballot.json 的 SHA-256 与清单不符" in result.output
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)) == 0
        db.session.remove()
        db.engine.dispose()


def test_backup_export_of_an_unknown_campaign_fails(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["export", "999", str(tmp_path / "x.zip")])
    assert result.exit_code == 1 and "未找到该评选活动" in result.output
    assert not (tmp_path / "x.zip").exists()


def _downloads(final: Any) -> dict[str, str]:
    """The office's download URL of every uploaded file of the final campaign, by role."""
    w = final.world
    cid = w.campaign.id
    stored = {row.purpose: row for row in db.session.scalars(sa.select(StoredFile))}
    application = db.session.scalar(sa.select(Application).where(Application.unit_id == w.a.id))
    incident = db.session.scalar(sa.select(VetoIncident).where(VetoIncident.unit_id == w.d.id))
    assert stored["attachment"].application_id == application.id and incident.evidence_file_id
    urls = {
        "attachment": f"/office/campaigns/{cid}/units/{w.a.id}/application/attachments/{stored['attachment'].id}",
        "training": f"/campaigns/{cid}/training/materials/{stored['training'].id}",
        "veto_evidence": f"/office/campaigns/{cid}/vetoes/{incident.id}/evidence",
    }
    for f in db.session.scalars(sa.select(ObjectionFile).order_by(ObjectionFile.id)):
        role = (
            "seal"
            if f.role.value == "seal"
            else ("evidence_pdf" if f.content_type == "application/pdf" else "evidence_jpeg")
        )
        urls[role] = f"/office/campaigns/{cid}/objections/{f.objection_id}/files/{f.id}"
    photo = db.session.scalars(sa.select(VisitPhoto)).one()
    urls["visit_photo"] = f"/api/v1/visits/{photo.visit_id}/photos/{photo.id}"
    urls["visit_thumbnail"] = f"{urls['visit_photo']}/thumbnail"
    return urls


def _office_gets(app: Any, urls: dict[str, str]) -> dict[str, bytes]:
    client = app.test_client()
    assert login(client, "office").status_code == 302
    got = {}
    for role, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (role, url, response.status_code)
        got[role] = response.data
        response.close()
    return got


def test_backup_of_a_final_campaign_restores_every_row_and_byte_on_the_other_engine(app, tmp_path):
    final = final_world(app)
    cid = final.world.campaign.id
    before = backup.table_documents(backup.collect(cid))
    assert len(before["stored_file"]) == 3 and len(before["objection_file"]) == 3
    assert len(before["visit_photo"]) == 1 and len(before["visit_photo_thumbnail"]) == 1
    urls = _downloads(final)
    assert _office_gets(app, urls) == final.contents
    archive = tmp_path / "final.zip"
    result = app.test_cli_runner().invoke(args=["export", str(cid), str(archive)])
    assert result.exit_code == 0 and "8 files" in result.output, result.output
    with zipfile.ZipFile(archive) as z:
        tables = ("stored_file", "objection_file", "visit_photo", "visit_photo_thumbnail")
        names = {f"files/{r['stored_name']}" for t in tables for r in before[t]}
        assert names <= set(z.namelist())
        assert sorted(z.read(n) for n in names) == sorted(final.contents.values())
    with empty_target(app, tmp_path, other_engine=True) as target:
        result = target.run("import", str(archive))
        assert result.exit_code == 0 and "8 files" in result.output, result.output
        with target.app.app_context():
            assert backup.table_documents(backup.collect(cid)) == before
            assert _office_gets(target.app, urls) == final.contents
        verified = target.run("verify-audit")
        assert verified.exit_code == 0 and "audit log intact" in verified.output, verified.output
