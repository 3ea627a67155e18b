"""One way to send a stored file or a generated PDF (``shared.files.store.send_stored`` / ``send_pdf``):
404 when the stored file is gone, never cached, the Chinese file name kept."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest

from evalflow.extensions import db
from evalflow.intake.models import ApplicationStatus
from evalflow.shared.files import store as files
from evalflow.shared.phases import Phase
from tests import factories as make
from tests.intake_world import PDF  # a real PDF: uploads are parsed (issue 8)


@pytest.fixture
def material(client, auth):
    """A training material (培训讲义.pdf) uploaded by the office; a unit login of the campaign."""
    campaign = make.campaign(phase=Phase.TRAINING)
    unit = make.unit(campaign, "甲社区", ApplicationStatus.ACCEPTED)
    office, member = make.office(), make.user("unit-a", of=unit)
    db.session.commit()
    response = client.post(
        f"/api/v1/campaigns/{campaign.id}/training/materials",
        data={"file": (io.BytesIO(PDF), "培训讲义.pdf")},
        headers=auth.headers(office),
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return campaign, response.get_json()["id"], member


def _remove_from_disk(fid: int) -> None:
    from evalflow.shared.files.models import StoredFile

    files.path_of(db.session.get(StoredFile, fid)).unlink()


def test_material_download_is_private_and_keeps_the_chinese_name(client, auth, material):
    campaign, fid, member = material
    response = client.get(
        f"/api/v1/campaigns/{campaign.id}/training/materials/{fid}", headers=auth.headers(member)
    )
    assert (response.status_code, response.data) == (200, PDF)
    response.close()
    assert response.headers["Cache-Control"] == "private, no-store"
    assert f"filename*=UTF-8''{quote('培训讲义.pdf')}" in response.headers["Content-Disposition"]


def test_material_missing_on_disk_api_is_404_in_the_contract_shape(client, auth, material):
    campaign, fid, member = material
    _remove_from_disk(fid)
    response = client.get(
        f"/api/v1/campaigns/{campaign.id}/training/materials/{fid}", headers=auth.headers(member)
    )
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_material_missing_on_disk_page_is_404(auth, material):
    campaign, fid, member = material
    _remove_from_disk(fid)
    browser = auth.browser(member)
    response = browser.get(f"/campaigns/{campaign.id}/training/materials/{fid}")
    assert response.status_code == 404
    assert "文件已不存在" in response.get_data(as_text=True)


def test_send_pdf_is_a_private_download_with_the_chinese_name(app):
    with app.test_request_context():
        response = files.send_pdf(b"%PDF-1.4", "代表证-甲社区.pdf")
    assert (response.mimetype, response.get_data()) == ("application/pdf", b"%PDF-1.4")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="-.pdf"')
    assert quote("代表证-甲社区.pdf") in response.headers["Content-Disposition"]


def test_send_pdf_inline_shows_the_public_notice_in_the_browser(app):
    with app.test_request_context():
        response = files.send_pdf(b"%PDF-1.4", "notice-7.pdf", inline=True)
    assert response.headers["Content-Disposition"] == (
        "inline; filename=\"notice-7.pdf\"; filename*=UTF-8''notice-7.pdf"
    )


def test_no_view_builds_its_own_download_headers():
    """Every generated download of the app uses shared.files.store (no view builds its own headers)."""
    from tests import app_modules

    faces = app_modules.names("api", "pages")
    own_headers = [
        name for name in faces if 'Content-Disposition"] =' in app_modules.path_of(name).read_text()
    ]
    assert len(faces) > 15
    assert own_headers == []
