"""A world for the 问卷调查 and 征求意见 tests: a campaign in training with a tree that has survey,
opinions and deduction (D1, 5 points) leaves, two accepted units 甲 and 乙, the office, and a
two-question questionnaire (满意 / 基本满意 / 不满意, the first two satisfied)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.intake.models import ApplicationStatus
from evalflow.shared.accounts.models import User
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.phases import Phase
from tests import factories

OPTIONS = [{"label": "满意", "points": 10, "satisfied": True}, {"label": "基本满意", "points": 8, "satisfied": True},
           {"label": "不满意", "points": 0, "satisfied": False}]  # fmt: skip


def survey_body(mode: str = "open", sample: int = 2, **extra: Any) -> dict[str, Any]:
    return {"mode": mode, "sample": sample, "respondents": ["staff", "resident"],
            "questions": [{"text": "您对该单位的服务是否满意?", "options": OPTIONS},
                          {"text": "您对周边环境是否满意?", "options": OPTIONS}], **extra}  # fmt: skip


def tree_data() -> dict[str, Any]:
    return {
        "mode": "points",
        "items": [
            {"code": "S", "title": "群众满意度", "children": [
                {"code": "S1", "title": "问卷调查", "points": 10, "method": "survey"},
                {"code": "S2", "title": "部门意见", "points": 5, "method": "opinions"},
            ]},
            {"code": "B", "title": "汇报", "points": 10, "method": "briefing"},
            {"code": "D", "title": "负面清单", "deduction": True, "children": [
                {"code": "D1", "title": "群众反映问题", "points": 5, "method": "opinions"},
            ]},
        ],
    }  # fmt: skip


@dataclass
class World:
    campaign: Campaign
    a: Unit
    b: Unit
    office: User


def build(phase: Phase = Phase.TRAINING, mode: str | None = "open", tree: bool = True) -> World:
    campaign = factories.campaign("问卷调查评选", phase=phase)
    a = factories.unit(campaign, "甲社区", ApplicationStatus.ACCEPTED, report=True)
    b = factories.unit(campaign, "乙社区", ApplicationStatus.ACCEPTED, report=True)
    if tree:
        factories.indicators(campaign, tree_data())
    if mode is not None:
        factories.survey(campaign, survey_body(mode))
    world = World(campaign, a, b, factories.office())
    db.session.commit()
    return world


def answer_url(world: World, unit: Unit | None = None) -> str:
    return f"/api/v1/campaigns/{world.campaign.id}/units/{(unit or world.a).id}/survey-answers"


def pdf_qr_codes(pdf: bytes, tmp_path: Any) -> list[str]:
    """Render every page of *pdf* at 100 dpi with poppler and decode every QR code on it, page order."""
    import subprocess

    from PIL import Image
    from pyzbar.pyzbar import decode

    source = tmp_path / "posters.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(source), str(tmp_path / "page")], check=True)
    found: list[str] = []
    for page in sorted(tmp_path.glob("page-*.png")):
        with Image.open(page) as image:
            found += [symbol.data.decode() for symbol in decode(image)]
    return found


def count_rows(model: Any, *where: Any) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0


def audit_entries(action: str) -> list[AuditEntry]:
    """The audit entries of *action*, oldest first, read afresh."""
    db.session.expire_all()
    return list(
        db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
    )


def files_on_disk(app: Any) -> list[bytes]:
    """The contents of every stored file in the upload folder, sorted."""
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(p.read_bytes() for p in folder.iterdir()) if folder.exists() else []
