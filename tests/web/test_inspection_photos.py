"""Photos of a visit: checked by content and re-encoded without metadata, the capture time and GPS
kept as fields, stored once per device id — and hostile files refused cleanly (never a 500)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from evalflow.extensions import db
from evalflow.inspection.models import PhotoThumbnail, VisitPhoto
from tests.inspection_world import World, build, jpeg, upload, visit_body

DEVICE_ID = "5f0c2b9a-1d3e-4c5f-8a7b-9c0d1e2f3a4b"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"MAX_FILE_MB": 2}


def _visit(client: Any, auth: Any, world: World) -> int:
    made = client.post(f"/api/v1/campaigns/{world.campaign.id}/visits", json=visit_body(world),
                       headers=auth.headers(world.office))  # fmt: skip
    return made.get_json()["id"]


def _send(client: Any, auth: Any, world: World, vid: int, form: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/visits/{vid}/photos", data=form, headers=auth.headers(world.lead),
                       content_type="multipart/form-data")  # fmt: skip


def _camera_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "手机厂商"  # Make: not kept
    exif[0x0112] = 6  # Orientation: turned upright, then dropped
    inner = exif.get_ifd(0x8769)
    inner[0x9003], inner[0x9011] = "2026:11:08 10:01:02", "+08:00"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[3] = "N", "E"
    gps[2] = (IFDRational(31), IFDRational(12), IFDRational(3036, 100))
    gps[4] = (IFDRational(121), IFDRational(28), IFDRational(12))
    return exif


def _read(response: Any) -> bytes:
    data = response.data
    response.close()
    return data


def _photos() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(VisitPhoto)) or 0


def _files(app: Any) -> list[str]:
    return sorted(p.name for p in Path(app.config["UPLOAD_DIR"]).glob("*"))


def test_photo_keeps_capture_time_and_gps_as_fields_and_strips_the_file(app, client, auth):
    world = build()
    vid = _visit(client, auth, world)
    response = _send(client, auth, world, vid, upload(jpeg((400, 300), _camera_exif()), client_id=DEVICE_ID))
    body = response.get_json()
    assert response.status_code == 201, body
    assert (body["code"], body["taken_at"], body["latitude"], body["longitude"]) == (
        "A2", "2026-11-08T02:01:02+00:00", 31.208433, 121.47)  # fmt: skip
    assert (body["width"], body["height"]) == (300, 400)  # turned upright
    assert body["received_at"] > body["taken_at"]
    stored = client.get(body["url"], headers=auth.headers(world.office))
    image = Image.open(io.BytesIO(_read(stored)))
    assert (stored.mimetype, image.format, dict(image.getexif())) == ("image/jpeg", "JPEG", {})
    thumb = Image.open(io.BytesIO(_read(client.get(body["thumbnail_url"], headers=auth.headers(world.lead)))))
    assert max(thumb.size) <= 320


def test_photo_sent_twice_with_its_device_id_is_stored_once(app, client, auth):
    world = build()
    vid = _visit(client, auth, world)
    first = _send(client, auth, world, vid, upload(jpeg(), client_id=DEVICE_ID))
    files_after_first = _files(app)
    again = _send(client, auth, world, vid, upload(jpeg((80, 80)), client_id=DEVICE_ID))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["received_at"] == first.get_json()["received_at"]
    assert _photos() == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PhotoThumbnail)) == 1
    assert _files(app) == files_after_first  # two files: the photo and its thumbnail
    assert len(files_after_first) == 2


def test_png_with_transparency_is_stored_as_a_jpeg_on_white(app, client, auth):
    world = build()
    vid = _visit(client, auth, world)
    out = io.BytesIO()
    Image.new("RGBA", (20, 10), (0, 0, 0, 0)).save(out, "PNG")
    response = _send(client, auth, world, vid, upload(out.getvalue(), name="屏幕截图.png"))
    image = Image.open(
        io.BytesIO(_read(client.get(response.get_json()["url"], headers=auth.headers(world.lead))))
    )
    assert (response.status_code, image.format, image.getpixel((5, 5))) == (201, "JPEG", (255, 255, 255))


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def _huge_jpeg() -> bytes:
    """A real JPEG whose frame header claims 65 000 × 65 000 pixels."""
    data = bytearray(jpeg((8, 8)))
    at = data.index(b"\xff\xc0") + 5
    data[at : at + 4] = struct.pack(">HH", 65000, 65000)
    return bytes(data)


HOSTILE = [
    pytest.param(b"just some text, not a photo", 415, "不是照片", id="text"),
    pytest.param(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\0" * 100, 415, "HEIC", id="heic"),
    pytest.param(_png_header(30000, 30000), 413, "像素过多", id="png-bomb"),
    pytest.param(_huge_jpeg(), 413, "像素过多", id="jpeg-claims-65000"),
    pytest.param(jpeg((200, 200))[:300], 415, "已损坏", id="truncated-jpeg"),
    pytest.param(b"GIF89a" + b"\x01\x00\x01\x00" + b"\0" * 30, 415, "不是照片", id="gif"),
    pytest.param(b"\xff\xd8\xff" + b"\x00" * 100, 415, "", id="jpeg-magic-only"),
]


@pytest.mark.parametrize(("data", "status", "words"), HOSTILE)
def test_hostile_photo_is_refused_cleanly_and_leaves_nothing(app, client, auth, data, status, words):
    world = build()
    vid = _visit(client, auth, world)
    response = _send(client, auth, world, vid, upload(data))
    error = response.get_json()["error"]
    assert response.status_code == status
    assert error["code"] == {413: "too_large", 415: "unsupported_type"}[status]
    assert words in error["message"]
    assert (_photos(), _files(app)) == (0, [])


def test_photo_above_the_size_cap_is_413_and_leaves_nothing(app, client, auth):
    world = build()
    vid = _visit(client, auth, world)
    boundary = "photo-test-boundary"  # a prebuilt body: the test client would spool its own temp file
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="code"\r\n\r\nA2\r\n--{boundary}\r\n'
    head += 'Content-Disposition: form-data; name="file"; filename="big.jpg"\r\n\r\n'
    body = head.encode() + b"\xff\xd8\xff\xe0" + b"A" * (3 * 1024 * 1024) + f"\r\n--{boundary}--\r\n".encode()
    response = client.post(f"/api/v1/visits/{vid}/photos", data=body, headers=auth.headers(world.lead),
                           content_type=f"multipart/form-data; boundary={boundary}")  # fmt: skip
    error = response.get_json()["error"]
    assert (response.status_code, error["code"]) == (413, "too_large")
    assert "2 MB" in error["message"]
    assert (_photos(), _files(app)) == (0, [])


def test_photo_for_a_leaf_that_is_not_inspection_is_refused(app, client, auth):
    world = build()
    vid = _visit(client, auth, world)
    response = _send(client, auth, world, vid, upload(jpeg(), code="A1"))
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"code": ["请选择照片所属的实地考察条目。"]}
    assert (_photos(), _files(app)) == (0, [])
