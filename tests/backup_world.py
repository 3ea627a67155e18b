"""A campaign that reached ``final`` with every kind of uploaded file, for the backup and archive tests.

Built on ``notice_world.review_world`` (units 甲 a, 乙 b, 丙 c accepted, 丁 d vetoed, 戊 e rejected):
an application attachment of 甲, a training material, the veto evidence of 丁, a unit's objection
against 乙 with its seal image and two evidence files, an individual's objection against 甲, both
answered; a 实地考察 visit to 甲 with a photo and its thumbnail; the notice period over, the campaign
moved to ``final`` through the services.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from evalflow.extensions import db
from evalflow.intake.models import Application, VetoIncident
from evalflow.notice import objections
from evalflow.notice import service as notice
from evalflow.shared.access import Role
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.files import store as files
from evalflow.shared.phases import Phase
from tests import factories
from tests.intake_world import JPEG, PNG, pdf_bytes
from tests.notice_world import CONTACT, NoticeWorld, review_world, set_today

ATTACHMENT, MATERIAL, EVIDENCE_PDF = pdf_bytes(2), pdf_bytes(3), pdf_bytes(4)
VETO_PNG = PNG + b"veto-evidence"
SEAL_PNG = PNG + b"seal-image"
VISIT_JPEG, VISIT_THUMB = JPEG + b"visit-photo", JPEG + b"visit-thumbnail"
INSPECTION_TREE = {
    "mode": "points",
    "items": [{"code": "A1", "title": "阵地建设", "points": 10, "method": "inspection"}],
}
EVIDENCE_JPEG = JPEG + b"objection-evidence"


def _upload(content: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(content), filename=name)


@dataclass
class FinalWorld:
    world: NoticeWorld
    contents: dict[str, bytes]  # the bytes of every upload, by role


def _visit_with_photo(world: NoticeWorld) -> None:
    """A 实地考察 visit to 甲 with one photo (and its thumbnail), for the backup's file tables."""
    factories.indicators(world.campaign, INSPECTION_TREE)
    lead = factories.user("inspector-lead", Role.INSPECTOR)
    factories.visit_photo(factories.visit(world.a, lead), lead, "A1", VISIT_JPEG, VISIT_THUMB)


def final_world(app: Any, unit_name: str = "甲单位", reply: str = "经核查,情况属实,不予表彰。") -> FinalWorld:
    """The final campaign; *unit_name* renames 甲, *reply* answers the individual's objection."""
    world = review_world(app)
    world.a.name = unit_name
    cid = world.campaign.id
    application = db.session.scalar(sa.select(Application).where(Application.unit_id == world.a.id))
    files.store_upload(
        cid, "attachment", _upload(ATTACHMENT, "创建工作汇报附件.pdf"), application_id=application.id
    )
    files.store_upload(cid, "training", _upload(MATERIAL, "培训课件.pdf"))
    evidence = files.store_upload(cid, "veto_evidence", _upload(VETO_PNG, "通报.png"))
    incident = db.session.scalar(sa.select(VetoIncident).where(VetoIncident.unit_id == world.d.id))
    incident.evidence_file_id = evidence.id
    db.session.flush()
    item = notice.create_notice(
        world.office, world.campaign, {"unit_ids": [world.a.id, world.b.id, world.c.id], "contact": CONTACT}
    )
    notice.publish(world.office, world.campaign)
    by_unit = objections.file_objection(
        item.id,
        {"kind": "unit", "unit_id": world.b.id, "name": "某某社区居委会", "contact_name": "王五",
         "phone": "13800000005", "content": "该单位门前长期占道经营,影响通行,多次反映未解决。"},
        seal=_upload(SEAL_PNG, "公章.png"),
        evidence=[_upload(EVIDENCE_PDF, "照片说明.pdf"), _upload(EVIDENCE_JPEG, "现场照片.jpg")],
    )  # fmt: skip
    objections.resolve_objection(
        world.office, by_unit.id, {"outcome": "dismissed", "reply": "经核查,已整改到位。"}
    )
    individual = objections.file_objection(
        item.id,
        {"unit_id": world.a.id, "name": "李明", "phone": "13800000001",
         "content": "该单位服务窗口态度生硬,群众反映较多,请予核查。"},
    )  # fmt: skip
    objections.resolve_objection(world.office, individual.id, {"outcome": "upheld", "reply": reply})
    _visit_with_photo(world)
    set_today(app, date(2026, 10, 20))
    phases.advance_phase(world.office, world.campaign, Phase.FINAL, "公示期满")
    db.session.commit()
    contents = {
        "attachment": ATTACHMENT, "training": MATERIAL, "veto_evidence": VETO_PNG,
        "seal": SEAL_PNG, "evidence_pdf": EVIDENCE_PDF, "evidence_jpeg": EVIDENCE_JPEG,
        "visit_photo": VISIT_JPEG, "visit_thumbnail": VISIT_THUMB,
    }  # fmt: skip
    return FinalWorld(world, contents)
