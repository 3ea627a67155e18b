"""Crafting hostile campaign backups in code, and restoring into an empty target of the same engine.

``Parts`` is an archive opened up: the manifest as a dict and every other part's bytes. ``write``
puts it back into a zip, by default with the manifest's hashes recomputed, so that only the check a
test aims at can fail.
"""

from __future__ import annotations

import hashlib
import json
import uuid
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from evalflow import create_app
from evalflow.extensions import db
from tests.conftest import PG_URL, is_postgres, pg_schema
from tests.factories import make_config

# Every column naming a stored file (tests/unit/test_backup_rules.py holds the models to this list).
FILE_COLUMNS = [
    ("stored_file", "stored_name"),
    ("objection_file", "stored_name"),
    ("visit_photo", "stored_name"),
    ("visit_photo_thumbnail", "stored_name"),
]


@dataclass
class Parts:
    manifest: dict[str, Any]
    parts: dict[str, bytes]

    def rows(self, table: str) -> list[dict[str, Any]]:
        return json.loads(self.parts[f"tables/{table}.json"])

    def set_rows(self, table: str, rows: Any) -> None:
        self.parts[f"tables/{table}.json"] = json.dumps(rows, ensure_ascii=False).encode()

    def files(self) -> list[str]:
        return sorted(n for n in self.parts if n.startswith("files/"))


def open_parts(archive: Path) -> Parts:
    with zipfile.ZipFile(archive) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    return Parts(json.loads(parts.pop("manifest.json")), parts)


def write(parts: Parts, out: Path, *, rehash: bool = True, extra: list[tuple[str, bytes]] = ()) -> Path:
    """The archive of *parts* (hashes and row counts recomputed unless *rehash* is False), then the
    *extra* entries as they are (duplicate names included)."""
    manifest = dict(parts.manifest)
    if rehash:
        manifest["parts"] = {n: hashlib.sha256(d).hexdigest() for n, d in parts.parts.items()}
        manifest["rows"] = {
            n.removeprefix("tables/").removesuffix(".json"): len(json.loads(d))
            for n, d in parts.parts.items()
            if n.startswith("tables/") and isinstance(_maybe_json(d), list)
        }
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        warnings.simplefilter("ignore")  # duplicate names are the point of some archives
        for name, data in parts.parts.items():
            z.writestr(name, data)
        z.writestr("manifest.json", json.dumps(manifest))
        for name, data in extra:
            z.writestr(name, data)
    return out


def _maybe_json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return None


def declare_size(archive: Path, name: str, size: int) -> None:
    """Patch the uncompressed size *name* declares (local header and central directory)."""
    data = bytearray(archive.read_bytes())
    encoded = name.encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = 0
        while (at := data.find(signature, at)) >= 0:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(encoded)] == encoded:
                data[at + offset : at + offset + 4] = size.to_bytes(4, "little")
            at += 4
    archive.write_bytes(bytes(data))


@dataclass
class Target:
    app: Any
    uploads: Path

    def run(self, *args: str) -> Any:
        with self.app.app_context():
            return self.app.test_cli_runner().invoke(args=list(args))

    def row_count(self) -> int:
        with self.app.app_context():
            return sum(
                db.session.scalar(sa.select(sa.func.count()).select_from(t)) or 0
                for t in db.metadata.sorted_tables
            )

    def upload_listing(self) -> list[str]:
        return (
            sorted(str(p.relative_to(self.uploads)) for p in self.uploads.rglob("*"))
            if self.uploads.exists()
            else []
        )


@contextmanager
def empty_target(
    source_app: Any, tmp_path: Path, other_engine: bool = False, **config: Any
) -> Iterator[Target]:
    """An empty database of the source's engine (of the other one with *other_engine*, when
    PostgreSQL is configured) with its own upload folder."""
    folder = tmp_path / ("target-" + uuid.uuid4().hex[:6])
    with _url(is_postgres(source_app) != (other_engine and bool(PG_URL)), folder) as url:
        app = create_app(make_config(url, folder, **config))
        with app.app_context():
            db.create_all()
            db.session.remove()
        try:
            yield Target(app, Path(app.config["UPLOAD_DIR"]))
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@contextmanager
def _url(postgres: bool, folder: Path) -> Iterator[str]:
    if postgres:
        with pg_schema() as url:
            yield url
    else:
        folder.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{folder / 'target.sqlite3'}"
