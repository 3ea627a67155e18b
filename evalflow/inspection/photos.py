"""Photos taken on a visit, one leaf each: checked by content, re-encoded, thumbnailed, stored once.

:func:`add_photo` streams the upload to a file under a generated name (capped at ``MAX_FILE_MB``:
413), has :mod:`.imageprobe` decode and re-encode it in a bounded child process (anything but a
JPEG or PNG photo: 415; an HEIC photo: 415 saying how to take a JPEG; too many pixels: 413), keeps
the capture time and GPS position from EXIF as fields next to the server's receipt time, and stores
the clean copy and its thumbnail through ``shared/files/store.py``'s names and transaction hooks (a
request that fails leaves no file behind).

Exactly once: the device names each photo (``client_id``, a UUID). A photo whose id the visit
already holds is answered with the stored one (200 instead of 201), before any decoding; two
copies racing meet the unique key and the loser's files are removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Response, send_file

from evalflow.assessment.models import Indicator
from evalflow.assessment.rules import Method
from evalflow.extensions import db
from evalflow.inspection import imageprobe, rules
from evalflow.inspection.models import PhotoThumbnail, VisitPhoto
from evalflow.inspection.photo_rules import capture_time, refusal
from evalflow.inspection.visits import open_visit, refuse_if_signed
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.errors import Conflict, InvalidInput, NotFound, TooLarge, UnsupportedType
from evalflow.shared.files import store as files
from evalflow.shared.messages import N_, msg
from evalflow.shared.upsert import insert

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Made:
    """A photo's clean copy and thumbnail on disk, and what the check found."""

    full: Path
    thumb: Path
    facts: imageprobe.PhotoFacts


def _digest(path: Path) -> tuple[int, str]:
    import hashlib

    digest = hashlib.sha256(path.read_bytes())
    return path.stat().st_size, digest.hexdigest()


def _received(upload: Any) -> Path:
    """The upload under a temporary generated name, at most ``MAX_FILE_MB`` (413)."""
    if upload is None or not getattr(upload, "filename", None):
        raise InvalidInput(fields={"file": [msg(N_("请选择要上传的照片。"))]})
    limit = files.max_file_bytes()
    part = files.upload_dir() / f"{files.new_stored_name()}.part"
    size = 0
    with part.open("xb") as target:
        while chunk := upload.stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                target.close()
                part.unlink(missing_ok=True)
                raise files.too_large(limit)
            target.write(chunk)
    return part


def make(upload: Any) -> Made:
    """Check and re-encode *upload*; both new files are deleted unless the transaction commits."""
    part = _received(upload)
    full, thumb = (files.upload_dir() / files.new_stored_name() for _ in range(2))
    files.track_new(full)
    files.track_new(thumb)
    try:
        facts = imageprobe.process(part, full, thumb)
    finally:
        part.unlink(missing_ok=True)
    refused = refusal(facts.status, imageprobe.MAX_PIXELS)
    if refused is not None:
        status, message = refused
        full.unlink(missing_ok=True)
        thumb.unlink(missing_ok=True)
        raise (TooLarge if status == 413 else UnsupportedType)(message)
    return Made(full, thumb, facts)


def _leaf(campaign_id: int, code: object) -> Indicator:
    found = None
    if isinstance(code, str) and code:
        found = db.session.scalar(sa.select(Indicator).where(
            Indicator.campaign_id == campaign_id, Indicator.code == code, Indicator.method == Method.INSPECTION))  # fmt: skip
    if found is None:
        raise InvalidInput(fields={"code": [msg(N_("请选择照片所属的实地考察条目。"))]})
    return found


def _existing(vid: int, client_id: str | None) -> VisitPhoto | None:
    if client_id is None:
        return None
    return db.session.scalar(
        sa.select(VisitPhoto).where(VisitPhoto.visit_id == vid, VisitPhoto.client_id == client_id)
    )


def add_photo(
    actor: Actor, vid: int, upload: Any, code: object, client_id: object = None
) -> tuple[VisitPhoto, bool]:
    """Store a photo for leaf *code* of the caller's sheet; returns the photo and whether it is new."""
    seen = open_visit(actor, vid, Action.VISIT_SCORE)
    assert seen.member is not None
    refuse_if_signed(seen.visit)
    if client_id in ("", None):
        client_id = None
    elif not rules.is_revision(client_id):
        raise InvalidInput(fields={"client_id": [msg(N_("照片编号须为设备生成的 UUID。"))]})
    same = _existing(vid, client_id)  # type: ignore[arg-type]
    if same is not None:
        return same, False
    if seen.member.submitted_at is not None:
        raise Conflict(msg(N_("评分表已提交;如需修改,请组长退回。")), code="submitted")
    leaf = _leaf(seen.visit.campaign_id, code)
    count = sa.select(sa.func.count()).where(
        VisitPhoto.visit_id == vid, VisitPhoto.inspector_id == actor.user_id
    )
    if (db.session.scalar(count) or 0) >= rules.MAX_PHOTOS:
        raise Conflict(
            msg(N_("每人每次考察最多上传 %(max)d 张照片。"), max=rules.MAX_PHOTOS), code="too_many"
        )
    made = make(upload)
    photo = _insert(seen.visit.id, seen.visit.campaign_id, actor, leaf, client_id, made)  # type: ignore[arg-type]
    if photo is None:  # the same photo arrived meanwhile
        made.full.unlink(missing_ok=True)
        made.thumb.unlink(missing_ok=True)
        return _existing(vid, client_id), False  # type: ignore[arg-type,return-value]
    seen.member.started = True
    db.session.flush()
    audit.record(actor, "inspection.photo_add", campaign_id=seen.visit.campaign_id, subject=("visit_photo", photo.id),
                 data={"visit_id": vid, "code": leaf.code, "sha256": photo.sha256})  # fmt: skip
    return photo, True


def _insert(
    vid: int, campaign_id: int, actor: Actor, leaf: Indicator, client_id: str | None, made: Made
) -> VisitPhoto | None:
    size, sha256 = _digest(made.full)
    facts = made.facts
    lat, lon = (Decimal(str(facts.gps[0])), Decimal(str(facts.gps[1]))) if facts.gps else (None, None)
    values = {"visit_id": vid, "inspector_id": actor.user_id, "indicator_id": leaf.id, "client_id": client_id,
              "stored_name": made.full.name, "size": size, "sha256": sha256, "width": facts.width,
              "height": facts.height, "taken_at": capture_time(facts.taken_at, facts.offset, clock.office_tz()),
              "latitude": lat, "longitude": lon, "received_at": clock.now()}  # fmt: skip
    stmt = insert(VisitPhoto).values(**values)
    if client_id is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["visit_id", "client_id"])
    new_id = db.session.execute(stmt.returning(VisitPhoto.id)).scalar()
    if new_id is None:
        return None
    thumb_size, thumb_sha = _digest(made.thumb)
    db.session.add(
        PhotoThumbnail(photo_id=new_id, stored_name=made.thumb.name, size=thumb_size, sha256=thumb_sha)
    )
    db.session.flush()
    return db.session.get(VisitPhoto, new_id)


def photo_of(actor: Actor, vid: int, pid: int) -> VisitPhoto:
    """A photo of a visit the caller may see (the office, the visit's inspectors)."""
    open_visit(actor, vid, Action.VISIT_VIEW)
    photo = db.session.get(VisitPhoto, pid)
    if photo is None or photo.visit_id != vid:
        raise NotFound(msg(N_("照片不存在。")))
    return photo


def send_image(row: Any) -> Response:
    """A stored JPEG shown in the page (never cached by shared proxies; ``nosniff``)."""
    path = files.path_of(row)
    if not path.is_file():
        raise NotFound(msg(N_("文件已不存在。")))
    response = send_file(path, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def thumbnail_of(photo: VisitPhoto) -> PhotoThumbnail:
    thumb = db.session.get(PhotoThumbnail, photo.id)
    if thumb is None:
        raise NotFound(msg(N_("文件已不存在。")))
    return thumb
