"""Credential cards: the printed QR codes open the right ballot pages; the text names every unit."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from pypdf import PdfReader
from pyzbar.pyzbar import decode

from evalflow.briefing.cards import COLS, ROWS, Card, build_cards
from tests.training_world import World, build

WQY = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


@pytest.fixture
def world(client) -> World:
    return build(client)


def _qr_codes(pdf: bytes, tmp_path: Path) -> list[str]:
    """Render every page at 150 dpi with poppler and decode every QR code on it."""
    source = tmp_path / "cards.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(source), str(tmp_path / "page")], check=True)
    found = []
    for page in sorted(tmp_path.glob("page-*.png")):
        with Image.open(page) as image:
            found += [symbol.data.decode() for symbol in decode(image)]
    return found


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_cards_pdf_qr_code_is_the_seats_ballot_url(client, world, tmp_path):
    path = f"/api/v1/campaigns/{world.campaign.id}/units/{world.b.id}/seats"
    created = client.post(path, json={"role": "cadre", "name": "王芳"}, headers=world.headers("b")).get_json()
    response = client.post(f"{path}/cards", headers=world.headers("b"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    codes = _qr_codes(response.data, tmp_path)
    assert len(codes) == 1
    assert codes[0] == created["url"]  # printing reproduces the card issued with the seat …
    page = client.get(urlsplit(codes[0]).path)  # … and the printed one opens the seat's page
    assert page.status_code == 200
    assert "王芳" in page.get_data(as_text=True) and "乙社区" in page.get_data(as_text=True)


def test_cards_pdf_campaign_has_every_unit_and_every_seat(client, world, tmp_path):
    office = world.headers("office")
    for unit, names in ((world.a, ["陈静", "刘洋"]), (world.b, ["赵磊", "王芳", "李娜"])):
        for role, name in zip(("cadre", "public", "reporter"), names, strict=False):
            client.post(
                f"/api/v1/campaigns/{world.campaign.id}/units/{unit.id}/seats",
                json={"role": role, "name": name},
                headers=office,
            )
    response = client.post(f"/api/v1/campaigns/{world.campaign.id}/seats/cards", headers=office)
    text = _text(response.data)
    assert "甲社区" in text and "乙社区" in text
    for word in ("陈静", "赵磊", "汇报人", "中层干部代表", "群众代表", "评分代表证"):
        assert word in text
    codes = _qr_codes(response.data, tmp_path)
    assert len(codes) == 6  # 张三 (甲's reporter) + the five named here
    assert all(client.get(urlsplit(c).path).status_code == 200 for c in codes)


def test_build_cards_paginates_eight_per_page() -> None:
    cards = [
        Card("评选", f"单位{i}", "汇报人", f"代表{i}", f"https://x.example/s/{i}")
        for i in range(COLS * ROWS + 1)
    ]
    reader = PdfReader(io.BytesIO(build_cards(cards)))
    assert len(reader.pages) == 2
    assert "单位8" in reader.pages[1].extract_text()


@pytest.mark.skipif(not Path(WQY).exists(), reason="WenQuanYi Zen Hei not installed")
def test_build_cards_embeds_the_system_cjk_font() -> None:
    reader = PdfReader(
        io.BytesIO(build_cards([Card("评选", "单位", "汇报人", "张三", "https://x.example/s/1")]))
    )
    fonts = [f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values()]
    embedded = [str(f["/BaseFont"]) for f in fonts if "/FontFile2" in f.get("/FontDescriptor", {})]
    assert any(name.endswith("WenQuanYiZenHei-0") for name in embedded)
