"""Attachments and the .docx report through the API: type by content, size caps, Chinese names,
other callers refused, nothing left on disk after a refusal."""

from __future__ import annotations

import hashlib
import io

import pytest

from tests.intake_steps import submitted
from tests.intake_world import (
    EXE,
    PDF,
    PNG,
    World,
    build,
    docx_bytes,
    file_rows,
    raw_upload,
    stored_files,
    upload,
)


@pytest.fixture
def world(app) -> World:
    return build()


# --- attachments -----------------------------------------------------------------------------------------


def test_attachment_upload_and_download_keep_chinese_name(client, world):
    response = upload(client, world, "a", PDF, "创建工作台账.pdf")
    body = response.get_json()
    assert response.status_code == 201
    assert body == {
        "id": body["id"], "filename": "创建工作台账.pdf", "size": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(), "content_type": "application/pdf", "page_count": 1,
    }  # fmt: skip
    download = client.get(world.app_url(None, f"/attachments/{body['id']}"), headers=world.headers("office"))
    assert download.status_code == 200 and download.data == PDF
    download.close()
    assert download.headers["Content-Type"] == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E5%88%9B%E5%BB%BA%E5%B7%A5%E4%BD%9C%E5%8F%B0%E8%B4%A6.pdf" in disposition
    listed = client.get(world.app_url(), headers=world.headers("a")).get_json()["attachments"]
    assert listed == [body]


@pytest.mark.parametrize(
    ("content", "name", "kind"),
    [
        (PNG, "photo.jpg", "image/png"),
        (
            docx_bytes("正文"),
            "材料",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_attachment_type_comes_from_content(client, world, content, name, kind):
    body = upload(client, world, "a", content, name).get_json()
    assert body["content_type"] == kind


@pytest.mark.parametrize(
    ("content", "name"),
    [(EXE, "申报材料.pdf"), (b"\x7fELF\x02\x01" + b"\x00" * 50, "photo.png"), (b"PK\x03\x04notreallyazip", "x.docx"),
     (b"<html><script>alert(1)</script>", "page.pdf")],
)  # fmt: skip
def test_disguised_file_is_415_and_leaves_nothing(client, app, world, content, name):
    response = upload(client, world, "a", content, name)
    error = response.get_json()["error"]
    assert response.status_code == 415
    assert error["code"] == "unsupported_type" and "PDF" in error["message"]
    assert stored_files(app) == [] and file_rows() == 0


def test_sixty_megabyte_file_is_413_and_leaves_nothing(client, app, world):
    big = b"%PDF-1.4\n" + b"0" * (60 * 1024 * 1024)
    response = raw_upload(client, world, "a", big, "big.pdf")
    error = response.get_json()["error"]
    assert response.status_code == 413
    assert error["code"] == "too_large" and "20 MB" in error["message"]
    assert stored_files(app) == [] and file_rows() == 0


def test_file_just_over_the_cap_is_413_and_leaves_nothing(client, app, world):
    response = raw_upload(client, world, "a", b"%PDF-" + b"0" * (20 * 1024 * 1024))
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"
    assert stored_files(app) == [] and file_rows() == 0


def test_missing_file_is_400(client, world):
    response = client.post(world.app_url(None, "/attachments"), data={}, headers=world.headers("a"),
                           content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 400 and "file" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("who", ["b", "stranger", "office"])
def test_other_callers_cannot_upload_and_leave_nothing(client, app, world, who):
    response = upload(client, world, who, PDF)
    assert response.status_code in (403, 404)
    assert stored_files(app) == [] and file_rows() == 0


def test_other_unit_cannot_read_attachment_by_its_own_url(client, world):
    aid = upload(client, world, "a", PDF).get_json()["id"]
    # b asks for a's file through b's own application URL: not found, no bytes.
    response = client.get(world.app_url(world.b, f"/attachments/{aid}"), headers=world.headers("b"))
    assert response.status_code == 404 and b"%PDF" not in response.data


def test_delete_attachment_removes_row_and_file(client, app, world):
    aid = upload(client, world, "a", PDF).get_json()["id"]
    assert len(stored_files(app)) == 1
    response = client.delete(world.app_url(None, f"/attachments/{aid}"), headers=world.headers("a"))
    assert response.status_code == 204
    assert stored_files(app) == [] and file_rows() == 0
    assert (
        client.get(world.app_url(None, f"/attachments/{aid}"), headers=world.headers("a")).status_code == 404
    )


def test_delete_attachment_after_submit_is_409_and_keeps_file(client, app, world):
    aid = upload(client, world, "a", PDF).get_json()["id"]
    submitted(client, world)
    response = client.delete(world.app_url(None, f"/attachments/{aid}"), headers=world.headers("a"))
    assert response.status_code == 409
    assert len(stored_files(app)) == 1 and file_rows() == 1


# --- .docx report ---------------------------------------------------------------------------------------


def test_docx_report_fills_body_and_outline(client, app, world):
    content = docx_bytes(
        "乌山社区文明创建工作汇报",
        "我们乌山社区认真学习。",
        "一、领导重视,健全组织机构",
        "正文一",
        "二、宣传发动,营造氛围",
    )
    response = client.post(world.app_url(None, "/report-docx"), data={"file": (io.BytesIO(content), "汇报.docx")},
                           headers=world.headers("a"), content_type="multipart/form-data")  # fmt: skip
    body = response.get_json()
    assert response.status_code == 200
    assert body["report_title"] == "乌山社区文明创建工作汇报"
    assert body["report_text"].startswith("我们乌山社区认真学习。\n一、领导重视")
    assert [o["text"] for o in body["outline"]] == ["领导重视,健全组织机构", "宣传发动,营造氛围"]
    assert body["status"] == "draft"
    assert body["title_action"] == "used" and len(body["import_notices"]) == 1
    assert stored_files(app) == [] and file_rows() == 0  # the Word file itself is not kept


def test_docx_report_refuses_pdf_with_415(client, world):
    response = client.post(world.app_url(None, "/report-docx"), data={"file": (io.BytesIO(PDF), "汇报.docx")},
                           headers=world.headers("a"), content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 415
