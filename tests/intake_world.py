"""A small campaign in ``intake`` for the report-intake tests.

Units 甲 (a) and 乙 (b) of the campaign with draft applications and unit logins, a stranger unit (外)
of another campaign with its own login, an office login, and a seat of 甲 — every caller the
access matrix needs. Also: tiny valid files of each accepted kind, and helpers to read the upload dir.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
from pypdf import PdfWriter

from evalflow.extensions import db
from evalflow.shared.access import Role
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.files.models import StoredFile
from evalflow.shared.phases import Phase
from tests import factories
from tests.factories import bearer


def pdf_bytes(pages: int = 1, password: str | None = None) -> bytes:
    """A real PDF (uploads are parsed, not only sniffed) with *pages* blank A4 pages."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if password is not None:
        writer.encrypt(user_password=password, owner_password="owner-" + password, algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    # The binary comment line replaced by as many ASCII bytes (the xref offsets stay right), so the
    # tests can read a response holding it as text.
    return buffer.getvalue().replace(b"%\xe2\xe3\xcf\xd3\n", b"%abcd\n", 1)


PDF = pdf_bytes()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def docx_bytes(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@dataclass
class World:
    campaign: Campaign
    other: Campaign
    a: Unit
    b: Unit
    stranger: Unit
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        """``office``, ``a``, ``b``, ``stranger``, ``seat`` (of 甲) or ``public`` (no header)."""
        return bearer(self.tokens[who]) if who in self.tokens else {}

    def app_url(self, unit: Unit | None = None, suffix: str = "") -> str:
        unit = unit or self.a
        return f"/api/v1/campaigns/{unit.campaign_id}/units/{unit.id}/application{suffix}"


def build(phase: Phase = Phase.INTAKE) -> World:
    """Built with ``tests.factories`` (this module is the intake tests' older entry point)."""
    campaign = factories.campaign(phase=phase)
    other = factories.campaign("另一次评选", phase=phase)
    a, b = factories.unit(campaign, "甲社区"), factories.unit(campaign, "乙社区")
    stranger = factories.unit(other, "外社区")
    _, seat_token = factories.seat(a)
    tokens = {
        "seat": seat_token,
        "office": factories.token(factories.office()),
        "a": factories.token(factories.user("unit-a", Role.UNIT, a)),
        "b": factories.token(factories.user("unit-b", Role.UNIT, b)),
        "stranger": factories.token(factories.user("unit-x", Role.UNIT, stranger)),
    }
    db.session.commit()
    return World(campaign, other, a, b, stranger, tokens)


def upload(
    client: Any, world: World, who: str, content: bytes, name: str = "材料.pdf", unit: Unit | None = None
) -> Any:
    return client.post(
        world.app_url(unit, "/attachments"),
        data={"file": (io.BytesIO(content), name)},
        headers=world.headers(who),
        content_type="multipart/form-data",
    )


def raw_upload(client: Any, world: World, who: str, content: bytes, name: str = "big.pdf") -> Any:
    """Post a large file as a prebuilt multipart body (the test client would spool it to an unclosed
    temporary file of its own)."""
    boundary = "evalflow-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body = head + content + f"\r\n--{boundary}--\r\n".encode()
    return client.post(
        world.app_url(None, "/attachments"),
        data=body,
        headers=world.headers(who),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def stored_files(app: Any) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(folder.iterdir()) if folder.exists() else []


def file_rows() -> int:
    return db.session.query(StoredFile).count()
