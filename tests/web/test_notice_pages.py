"""Public notice pages, PDF, feed, objection form and receipt; office notice pages; final read-only."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import zipfile
from datetime import date
from xml.etree import ElementTree

import pytest
from PIL import Image
from pypdf import PdfReader
from pyzbar.pyzbar import decode

from evalflow.extensions import db
from evalflow.notice import objections
from evalflow.notice import service as notice
from evalflow.notice.models import Objection
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.phases import Phase
from tests.factories import PASSWORD, csrf_from
from tests.intake_world import JPEG, PDF, PNG
from tests.notice_world import CONTACT, published_world, review_world, set_phase, set_today


def login(client, username="office"):
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302


def test_notice_page_public_lists_units_without_scores(app, client):
    world, item = published_world(app)
    html = client.get(f"/notices/{item.id}").get_data(as_text=True)
    for text in (
        "甲单位",
        "乙单位",
        "丙公司",
        "自愿申报、集中培训、集中汇报互评、综合评定",
        "公示中",
        CONTACT["postcode"],
        CONTACT["address"],
    ):
        assert text in html
    assert "丁单位" not in html
    assert "2026年9月29日至2026年10月10日" in html
    assert "排名不分先后" in html
    assert not re.search(r"得分|名次|第\s*\d+\s*名|trimmed|score|rank", html)


def test_notice_page_draft_not_found(app, client):
    world = review_world(app)
    item = notice.create_notice(world.office, world.campaign, {"unit_ids": [world.a.id], "contact": CONTACT})
    db.session.commit()
    assert client.get(f"/notices/{item.id}").status_code == 404
    assert client.get(f"/notices/{item.id}.pdf").status_code == 404
    assert "公示" not in client.get("/notices/feed.atom").get_data(as_text=True).split("<entry>")[0][-1:]
    assert "<entry>" not in client.get("/notices/feed.atom").get_data(as_text=True)


def test_notice_pdf_text_lists_every_unit(app, client):
    world, item = published_world(app)
    response = client.get(f"/notices/{item.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    for name in ("甲单位", "乙单位", "丙公司"):
        assert name in text
    assert "丁单位" not in text


def test_feed_lists_published_notice(app, client):
    world, item = published_world(app)
    response = client.get("/notices/feed.atom")
    assert response.mimetype == "application/atom+xml"
    root = ElementTree.fromstring(response.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in root.findall("a:entry", ns)]
    assert titles == [item.title]


def test_landing_lists_open_notice(app, client):
    world, item = published_world(app)
    html = client.get("/").get_data(as_text=True)
    assert f'href="/notices/{item.id}"' in html
    set_today(app, date(2026, 10, 12))
    assert f'href="/notices/{item.id}"' not in client.get("/").get_data(as_text=True)


def test_objection_form_to_receipt_to_reply(app, client):
    world, item = published_world(app)
    page = client.get(f"/notices/{item.id}/objections/new")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    data = {"csrf_token": token, "kind": "individual", "unit_id": str(world.b.id), "name": "王五",
            "phone": "13900001111", "content": "<script>alert(1)</script>该单位存在违规情况。"}  # fmt: skip
    response = client.post(f"/notices/{item.id}/objections/new", data=data)
    assert response.status_code == 302
    receipt_url = response.headers["Location"].split("?")[0]
    html = client.get(receipt_url).get_data(as_text=True)
    assert "已受理" in html and "乙单位" in html
    objection = db.session.query(Objection).one()
    objections.resolve_objection(
        world.office, objection.id, {"outcome": "dismissed", "reply": "经核实,<b>不属实</b>。"}
    )
    db.session.commit()
    html = client.get(receipt_url).get_data(as_text=True)
    assert "异议不成立" in html and "经核实,&lt;b&gt;不属实&lt;/b&gt;。" in html


def test_objection_form_anonymous_explains_refusal(app, client):
    world, item = published_world(app)
    token = csrf_from(client.get(f"/notices/{item.id}/objections/new").get_data(as_text=True))
    response = client.post(
        f"/notices/{item.id}/objections/new",
        data={
            "csrf_token": token,
            "kind": "individual",
            "unit_id": str(world.a.id),
            "name": "",
            "phone": "",
            "content": "有问题有问题有问题有问题",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "不受理匿名异议" in html and "请填写联系电话" in html
    assert db.session.query(Objection).count() == 0


def test_receipt_unknown_not_found(app, client):
    published_world(app)
    assert client.get("/objections/not-a-real-receipt-code").status_code == 404


def test_office_notice_form_prefills_and_warns_past_known_calendar(app, client):
    world = review_world(app)
    login(client)
    html = client.get(f"/office/campaigns/{world.campaign.id}/notice").get_data(as_text=True)
    assert html.count("checked") >= 3 and "丁单位" not in html
    set_today(app, date(2026, 12, 28))
    html = client.get(f"/office/campaigns/{world.campaign.id}/notice").get_data(as_text=True)
    assert "2027" in html and "补充日历" in html and "flash-error" in html


def test_office_publishes_from_form(app, client):
    world = review_world(app)
    login(client)
    url = f"/office/campaigns/{world.campaign.id}/notice"
    token = csrf_from(client.get(url).get_data(as_text=True))
    data = {"csrf_token": token, "unit_ids": [str(world.a.id), str(world.c.id)], "title": "", **CONTACT}
    assert client.post(url, data=data).status_code == 302
    response = client.post(url + "/publish", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert notice.published_notices()[0].starts_on == date(2026, 9, 29)
    assert world.campaign.phase is Phase.NOTICE


def test_office_calendar_table_adds_day(app, client):
    review_world(app)
    login(client)
    token = csrf_from(client.get("/office/calendar").get_data(as_text=True))
    response = client.post(
        "/office/calendar", data={"csrf_token": token, "day": "2027-02-10", "is_workday": "0", "note": "春节"}
    )
    assert response.status_code == 302
    assert "春节" in client.get("/office/calendar").get_data(as_text=True)


def test_final_campaign_refuses_writes_and_offers_archive(app, client):
    world, item = published_world(app)
    set_today(app, date(2026, 10, 12))
    phases.advance_phase(world.office, world.campaign, Phase.FINAL)
    db.session.commit()
    login(client)
    page = client.get(f"/office/campaigns/{world.campaign.id}/notice").get_data(as_text=True)
    token = csrf_from(page)
    response = client.post(
        f"/office/campaigns/{world.campaign.id}/edit", data={"csrf_token": token, "title": "改名"}
    )
    assert response.status_code == 409
    response = client.post(
        f"/office/campaigns/{world.campaign.id}/units", data={"csrf_token": token, "name": "新单位"}
    )
    assert response.status_code == 409
    archive = client.get(f"/office/campaigns/{world.campaign.id}/archive.zip")
    bundle = zipfile.ZipFile(io.BytesIO(archive.data))
    names = bundle.namelist()
    log = list(csv.DictReader(io.StringIO(bundle.read("audit_log.csv").decode("utf-8-sig"))))
    final_row = next(r for r in log if r["action"] == "campaign.transition" and r["to"] == "final")
    assert len(final_row["entry_hash"]) == 64 and all(len(r["entry_hash"]) == 64 for r in log)
    expected = {
        "notice.pdf",
        "commendation.pdf",
        "certificates.pdf",
        "tally.pdf",
        "ballots.csv",
        "audit_log.csv",
    }
    assert expected <= set(names)
    certs = client.get(f"/office/campaigns/{world.campaign.id}/certificates.pdf")
    reader = PdfReader(io.BytesIO(certs.data))
    assert len(reader.pages) == 3 and reader.pages[0].mediabox.width > reader.pages[0].mediabox.height


def test_commendation_page_public_only_when_final(app, client):
    world, item = published_world(app)
    assert client.get(f"/commendations/{world.campaign.id}").status_code == 404
    set_phase(world.campaign, Phase.FINAL)
    db.session.commit()
    html = client.get(f"/commendations/{world.campaign.id}").get_data(as_text=True)
    assert "甲单位" in html and "丁单位" not in html


@pytest.mark.parametrize("path", ["/notices/999", "/notices/999.pdf", "/commendations/999"])
def test_public_pages_unknown_not_found(app, client, path):
    assert client.get(path).status_code == 404


def test_objection_form_unit_with_seal_and_evidence_office_downloads(app, client):
    world, item = published_world(app)
    token = csrf_from(client.get(f"/notices/{item.id}/objections/new").get_data(as_text=True))
    data = {
        "csrf_token": token, "kind": "unit", "unit_id": str(world.c.id), "name": "某某街道办事处", "contact_name": "李四",
        "phone": "0591-1234567", "content": "该公司存在拖欠农民工工资问题。",
        "seal": (io.BytesIO(PNG), "公章.png"), "evidence": [(io.BytesIO(PDF), "证明.pdf"), (io.BytesIO(JPEG), "照片.jpg")],
    }  # fmt: skip
    response = client.post(
        f"/notices/{item.id}/objections/new", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    objection = db.session.query(Objection).one()
    view = objections.get_objection(world.office, objection.id)
    assert [(f.role.value, f.filename) for f in view.files] == [
        ("seal", "公章.png"),
        ("evidence", "证明.pdf"),
        ("evidence", "照片.jpg"),
    ]
    login(client)
    page = client.get(f"/office/campaigns/{world.campaign.id}/objections").get_data(as_text=True)
    assert "某某街道办事处" in page and "李四" in page
    download = client.get(
        f"/office/campaigns/{world.campaign.id}/objections/{objection.id}/files/{view.files[0].id}"
    )
    assert download.status_code == 200 and download.data == PNG
    download.close()


def test_objection_form_unit_without_seal_refused(app, client):
    world, item = published_world(app)
    token = csrf_from(client.get(f"/notices/{item.id}/objections/new").get_data(as_text=True))
    data = {"csrf_token": token, "kind": "unit", "unit_id": str(world.c.id), "name": "某某街道办事处",
            "contact_name": "李四", "phone": "0591-1234567", "content": "该公司存在拖欠农民工工资问题。"}  # fmt: skip
    response = client.post(f"/notices/{item.id}/objections/new", data=data)
    assert response.status_code == 400 and "公章" in response.get_data(as_text=True)
    assert db.session.query(Objection).count() == 0


def test_objection_files_not_public(app, client):
    world, item = published_world(app)
    objection = objections.file_objection(
        item.id,
        {"unit_id": world.a.id, "name": "张三", "phone": "13800138000", "content": "情况属实请核查处理。"},
    )
    db.session.commit()
    assert client.get(f"/office/campaigns/{world.campaign.id}/objections").status_code == 302  # to the login
    assert (
        client.get(f"/office/campaigns/{world.campaign.id}/objections/{objection.id}/files/1").status_code
        == 302
    )


def test_office_resolve_without_reply_flashes_not_500(app, client):
    world, item = published_world(app)
    objection = objections.file_objection(
        item.id,
        {"unit_id": world.a.id, "name": "张三", "phone": "13800138000", "content": "情况属实请核查处理。"},
    )
    db.session.commit()
    login(client)
    url = f"/office/campaigns/{world.campaign.id}/objections"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(
        f"{url}/{objection.id}/resolve", data={"csrf_token": token, f"o{objection.id}-outcome": "upheld"}
    )
    assert response.status_code == 302
    assert "请填写答复意见" in client.get(url).get_data(as_text=True)
    db.session.refresh(objection)
    assert objection.state.status == "open"


def test_notice_pdf_qr_code_is_the_public_page(app, client, tmp_path):
    world, item = published_world(app)
    pdf = client.get(f"/notices/{item.id}.pdf").data
    source = tmp_path / "notice.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(source), str(tmp_path / "page")], check=True)
    found = []
    for page in sorted(tmp_path.glob("page-*.png")):
        with Image.open(page) as image:
            found += [symbol.data.decode() for symbol in decode(image)]
    assert found == [f"http://localhost/notices/{item.id}"]


def test_notice_user_text_escaped_on_page_and_drawn_as_text_in_pdf(app, client):
    world = review_world(app)
    world.a.name = "<b>甲&乙</b>单位"
    db.session.commit()
    item = notice.create_notice(world.office, world.campaign, {"unit_ids": [world.a.id], "contact": CONTACT})
    notice.publish(world.office, world.campaign)
    db.session.commit()
    html = client.get(f"/notices/{item.id}").get_data(as_text=True)
    assert "&lt;b&gt;甲&amp;乙&lt;/b&gt;单位" in html and "<b>甲" not in html
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(client.get(f"/notices/{item.id}.pdf").data)).pages
    )
    assert "<b>甲&乙</b>单位" in text


def test_notice_page_renders_in_english(app, client):
    world, item = published_world(app)
    response = client.get(f"/notices/{item.id}?lang=en")
    assert response.status_code == 200 and "甲单位" in response.get_data(as_text=True)


def test_objection_form_shares_the_api_rate_limit(app, client):
    world, item = published_world(app)
    for _ in range(10):
        client.post(f"/api/v1/notices/{item.id}/objections", json={"unit_id": world.a.id})
    token = csrf_from(client.get(f"/notices/{item.id}/objections/new").get_data(as_text=True))
    response = client.post(f"/notices/{item.id}/objections/new", data={"csrf_token": token})
    assert response.status_code == 429
    assert "每分钟最多提交 10 次" in response.get_data(as_text=True)


def test_objection_form_after_period_409(app, client):
    world, item = published_world(app)
    token = csrf_from(client.get(f"/notices/{item.id}/objections/new").get_data(as_text=True))
    set_today(app, date(2026, 10, 12))
    data = {"csrf_token": token, "kind": "individual", "unit_id": str(world.a.id), "name": "王五",
            "phone": "13900001111", "content": "该单位存在违规情况,请核查。"}  # fmt: skip
    response = client.post(f"/notices/{item.id}/objections/new", data=data)
    assert response.status_code == 409 and "只在公示期内受理异议" in response.get_data(as_text=True)
    assert db.session.query(Objection).count() == 0
