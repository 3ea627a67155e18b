"""Uploaded files checked for real (issue 8): PDFs parsed, names follow the type, duplicates and the
attachment cap, sizes shown for people, an over-size plain form answered with a message."""

from __future__ import annotations

import io
import re

import pytest

from evalflow.extensions import db
from evalflow.shared.files import store as files
from evalflow.shared.files.models import StoredFile
from evalflow.shared.files.rules import human_size
from tests.intake_steps import as_office, as_unit, post_file
from tests.intake_world import PDF, PNG, World, build, file_rows, pdf_bytes, raw_upload, stored_files, upload


@pytest.fixture
def world(app) -> World:
    return build()


def test_pdf_page_count_is_stored_returned_and_shown(client, world):
    body = upload(client, world, "a", pdf_bytes(3), "台账.pdf").get_json()
    stored = db.session.get(StoredFile, body["id"])
    assert stored.page_count == 3 and body["page_count"] == 3
    as_unit(client)
    page = client.get("/unit/").get_data(as_text=True)
    assert re.search(r"台账\.pdf</a>\s*<span class=\"muted small\">\d+ B · 3 页</span>", page)


def test_encrypted_pdf_is_415_saying_so_and_leaves_nothing(client, app, world):
    response = upload(client, world, "a", pdf_bytes(password="secret"), "加密.pdf")
    error = response.get_json()["error"]
    assert response.status_code == 415 and error["code"] == "unsupported_type"
    assert "设有密码(已加密),文明办无法打开" in error["message"]
    assert stored_files(app) == [] and file_rows() == 0


def test_pdf_with_owner_password_only_is_accepted(client, world):
    response = upload(client, world, "a", pdf_bytes(2, password=""), "只限打印.pdf")
    assert response.status_code == 201
    assert db.session.get(StoredFile, response.get_json()["id"]).page_count == 2


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",  # the header only
        PDF[: len(PDF) // 2],  # cut in the middle
        b"%PDF-1.7\n" + b"\x00" * 5000,
    ],
)
def test_damaged_pdf_is_415_and_leaves_nothing(client, app, world, content):
    response = upload(client, world, "a", content, "坏的.pdf")
    error = response.get_json()["error"]
    assert response.status_code == 415 and "已损坏或无法解析" in error["message"]
    assert stored_files(app) == [] and file_rows() == 0


@pytest.mark.parametrize(("name", "expected"), [("报告.exe", "报告.pdf"), ("x.html", "x.pdf")])
def test_stored_and_downloaded_name_follows_detected_type(client, world, name, expected):
    body = upload(client, world, "a", PDF, name).get_json()
    assert body["filename"] == expected
    download = client.get(world.app_url(None, f"/attachments/{body['id']}"), headers=world.headers("a"))
    download.close()
    disposition = download.headers["Content-Disposition"]
    assert disposition.endswith(".pdf") and ".exe" not in disposition and ".html" not in disposition


def test_download_of_an_older_row_gets_the_extension_of_its_type(client, world):
    aid = upload(client, world, "a", PNG, "照片.png").get_json()["id"]
    db.session.get(StoredFile, aid).filename = "照片.html"  # as stored before names were corrected
    db.session.commit()
    download = client.get(world.app_url(None, f"/attachments/{aid}"), headers=world.headers("a"))
    download.close()
    assert download.headers["Content-Disposition"].endswith("%E7%85%A7%E7%89%87.png")


def test_same_file_twice_in_one_application_is_409_duplicate(client, app, world):
    upload(client, world, "a", PDF, "第一次.pdf")
    response = upload(client, world, "a", PDF, "第二次.pdf")
    error = response.get_json()["error"]
    assert response.status_code == 409 and error["code"] == "duplicate"
    assert "已上传的附件“第一次.pdf”内容完全相同" in error["message"]
    assert file_rows() == 1 and len(stored_files(app)) == 1


def test_same_file_in_two_applications_is_accepted(client, world):
    assert upload(client, world, "a", PDF).status_code == 201
    assert upload(client, world, "b", PDF, unit=world.b).status_code == 201


def test_duplicate_racing_past_the_check_is_refused_by_the_database(client, app, world, monkeypatch):
    upload(client, world, "a", PDF, "第一次.pdf")
    monkeypatch.setattr(files, "attachment_of", lambda *_: None)  # as if both requests checked at once
    response = upload(client, world, "a", PDF, "第二次.pdf")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "duplicate"
    assert file_rows() == 1 and len(stored_files(app)) == 1


def test_attachment_cap_is_configurable_and_409(client, app, world):
    app.config["MAX_ATTACHMENTS"] = 2
    assert upload(client, world, "a", pdf_bytes(1)).status_code == 201
    assert upload(client, world, "a", pdf_bytes(2)).status_code == 201
    response = upload(client, world, "a", pdf_bytes(3))
    error = response.get_json()["error"]
    assert response.status_code == 409 and error["code"] == "too_many_files"
    assert "最多 2 个附件" in error["message"]
    assert file_rows() == 2


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (0, "0 B"),
        (45, "45 B"),
        (1023, "1023 B"),
        (1024, "1.0 KB"),
        (1536, "1.5 KB"),
        (5 * 1024 * 1024, "5.0 MB"),
    ],
)
def test_human_size_never_shows_zero_kilobytes(size, expected):
    assert human_size(size) == expected


def test_office_sees_small_file_size_in_bytes(client, world):
    upload(client, world, "a", PNG, "小图.png")
    as_office(client)
    page = client.get(f"/office/campaigns/{world.campaign.id}/units/{world.a.id}/application").get_data(
        as_text=True
    )
    assert f"{len(PNG)} B · SHA-256" in page and "0.0 KB" not in page


def test_portal_duplicate_upload_shows_message(client, world):
    as_unit(client)
    post_file(client, "/unit/application/attachments", PDF, "台账.pdf")
    page = post_file(client, "/unit/application/attachments", PDF, "台账副本.pdf").get_data(as_text=True)
    assert "内容完全相同,无需重复上传" in page and "台账副本.pdf" not in page


def test_portal_oversize_plain_form_gets_friendly_message(client, app, world):
    as_unit(client)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    big = b"%PDF-1.4\n" + b"0" * (200 * 1024)
    response = post_file(client, "/unit/application/attachments", big, "大文件.pdf")
    assert response.status_code == 200
    assert "文件过大:单个文件不能超过" in response.get_data(as_text=True)
    assert file_rows() == 0


def test_portal_over_cap_attachment_is_refused_with_message(client, app, world):
    app.config["MAX_ATTACHMENTS"] = 1
    as_unit(client)
    post_file(client, "/unit/application/attachments", PDF, "一.pdf")
    page = post_file(client, "/unit/application/attachments", pdf_bytes(2), "二.pdf").get_data(as_text=True)
    assert "每份申报材料最多 1 个附件" in page


def test_refused_body_is_read_to_its_end_before_answering(app):
    from evalflow.shared.web import drain

    body = io.BytesIO(b"x" * (3 * 1024 * 1024))
    with app.test_request_context("/unit/application/attachments", method="POST", input_stream=body,
                                  content_length=3 * 1024 * 1024):  # fmt: skip
        assert drain.drain_request_body() == 3 * 1024 * 1024
    assert body.read() == b""


def test_endless_body_is_not_drained(app):
    from evalflow.shared.web import drain

    declared = drain.DRAIN_FACTOR * app.config["MAX_CONTENT_LENGTH"] + 1
    body = io.BytesIO(b"x" * 1024)
    with app.test_request_context(
        "/", method="POST", input_stream=body, environ_overrides={"CONTENT_LENGTH": str(declared)}
    ):
        assert drain.drain_request_body() == 0


def _pdf_of(objects: list[bytes]) -> bytes:
    """A PDF with these objects (1 is the catalog) and a correct cross-reference table."""
    parts, offsets, position = [b"%PDF-1.4\n"], [], 9
    for number, body in enumerate(objects, start=1):
        offsets.append(position)
        chunk = b"%d 0 obj\n%s\nendobj\n" % (number, body)
        parts.append(chunk)
        position += len(chunk)
    table = b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    parts.append(b"xref\n0 %d\n0000000000 65535 f \n%s" % (len(objects) + 1, table))
    parts.append(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, position)
    )
    return b"".join(parts)


def test_pdf_with_a_looping_page_tree_is_415_damaged(client, world):
    looping = _pdf_of([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>",
    ])  # fmt: skip
    response = upload(client, world, "a", looping, "循环.pdf")
    assert response.status_code == 415 and "已损坏或无法解析" in response.get_json()["error"]["message"]


def test_pdf_with_too_many_objects_is_413_before_parsing(client, app, world):
    count = 50_001
    kids = b" ".join(b"%d 0 R" % (n + 3) for n in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
    ]
    crowded = _pdf_of(objects + [b"<< /Type /Page /Parent 2 0 R >>"] * count)
    response = raw_upload(client, world, "a", crowded, "many.pdf")  # 2.6 MB: no spooled temp file
    error = response.get_json()["error"]
    assert response.status_code == 413 and "结构过于复杂" in error["message"]
    assert stored_files(app) == [] and file_rows() == 0
