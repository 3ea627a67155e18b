"""Word import through the API and the unit portal: nothing lost, bounded, clear refusals."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.intake.models import Application
from tests.intake_steps import as_unit, post_file
from tests.intake_world import World, build, docx_bytes, file_rows, stored_files
from tests.word_docs import CHINESE_OUTLINE, build_docx, flood_docx, p, table


@pytest.fixture
def world(app) -> World:
    return build()


def import_api(client, world, content, name="汇报.docx"):
    return client.post(world.app_url(None, "/report-docx"), data={"file": (io.BytesIO(content), name)},
                       headers=world.headers("a"), content_type="multipart/form-data")  # fmt: skip


def row(world) -> Application:
    return db.session.scalar(sa.select(Application).where(Application.unit_id == world.a.id))


def set_title(world, title):
    row(world).report_title = title
    db.session.commit()


def test_import_keeps_document_order_numbering_and_footnotes(client, world):
    body = (
        p("乌山社区文明创建工作汇报") + p("领导重视", num=(1, 0)) + p("街道党工委十分重视。")
        + table([["活动", "次数"], ["志愿服务", "12"]]) + p("宣传发动", num=(1, 0))
        + '<w:p><w:r><w:t>见注</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r></w:p>'
    )  # fmt: skip
    response = import_api(
        client, world, build_docx(body, numbering=CHINESE_OUTLINE, footnotes=["数据来自台账"])
    )
    data = response.get_json()
    assert response.status_code == 200
    assert data["report_title"] == "乌山社区文明创建工作汇报"
    assert data["report_text"] == (
        "一、领导重视\n街道党工委十分重视。\n活动     | 次数\n志愿服务 | 12\n二、宣传发动\n见注[1]\n注释:\n[1] 数据来自台账"
    )
    assert [(o["number"], o["text"]) for o in data["outline"]] == [("一", "领导重视"), ("二", "宣传发动")]


def test_import_keeps_first_line_when_draft_has_another_title(client, world):
    set_title(world, "已有的标题")
    data = import_api(client, world, docx_bytes("文档里的标题", "正文第一段")).get_json()
    assert data["report_title"] == "已有的标题"
    assert data["report_text"] == "文档里的标题\n正文第一段"


def test_import_one_line_document_is_accepted(client, world):
    response = import_api(client, world, docx_bytes("只有一行的汇报"))
    assert response.status_code == 200
    assert response.get_json()["report_text"] == "只有一行的汇报"


def test_import_main_part_named_document2_is_accepted(client, world):
    response = import_api(client, world, build_docx(p("标题") + p("正文"), main_name="word/document2.xml"))
    assert response.status_code == 200
    assert (response.get_json()["report_title"], response.get_json()["report_text"]) == ("标题", "正文")


def test_import_flood_of_empty_paragraphs_is_413_and_keeps_draft(client, app, world):
    set_title(world, "原标题")
    response = import_api(client, world, flood_docx())
    error = response.get_json()["error"]
    assert response.status_code == 413 and error["code"] == "too_large"
    assert "段落数超过" in error["message"]
    assert row(world).report_text == "" and stored_files(app) == [] and file_rows() == 0


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "汇报.doc", ".doc"),
        (None, "汇报.odt", ".odt"),
    ],
)
def test_import_doc_and_odt_are_415_with_save_as_hint(client, world, content, name, words):
    if content is None:
        buffer = io.BytesIO()
        import zipfile

        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
            archive.writestr("content.xml", "<office:document-content/>")
        content = buffer.getvalue()
    response = import_api(client, world, content, name)
    error = response.get_json()["error"]
    assert response.status_code == 415
    assert words in error["message"] and "另存为” .docx" in error["message"]


def test_import_over_the_report_length_is_refused_with_the_count(client, world):
    response = import_api(client, world, docx_bytes("标题", *["很长的段落" * 100] * 45))
    error = response.get_json()["error"]
    assert response.status_code == 413
    assert "正文有 22544 字,超过汇报材料 20000 字的上限" in error["message"]


def test_portal_import_says_what_happened_to_the_title(client, world):
    set_title(world, "原标题")
    as_unit(client)
    page = post_file(client, "/unit/application/docx", docx_bytes("文档标题", "正文"), "汇报.docx")
    text = page.get_data(as_text=True)
    assert "保留了原有标题“原标题”;文档第一行“文档标题”放在正文开头。" in text
    assert row(world).report_text == "文档标题\n正文"


def test_portal_import_of_flood_shows_message_not_500(client, world):
    as_unit(client)
    page = post_file(client, "/unit/application/docx", flood_docx(), "汇报.docx")
    assert page.status_code == 200
    assert re.search(r"该 Word 文件过于复杂,无法导入\(段落数超过 \d+\)", page.get_data(as_text=True))


def test_portal_import_says_a_table_of_contents_was_left_out(client, world):
    import docx
    from docx.enum.style import WD_STYLE_TYPE

    document = docx.Document()
    toc = document.styles.add_style("TOC 1", WD_STYLE_TYPE.PARAGRAPH)
    for text, style in (("汇报", None), ("一、领导重视\t3", toc), ("一、领导重视", None), ("正文", None)):
        document.add_paragraph(text, style=style)
    buffer = io.BytesIO()
    document.save(buffer)
    as_unit(client)
    page = post_file(client, "/unit/application/docx", buffer.getvalue(), "汇报.docx").get_data(as_text=True)
    assert "文档中的目录(1 行)未导入,提纲会根据正文自动生成。" in page
    assert row(world).report_text == "一、领导重视\n正文"
