"""Backups that must not restore: crafted stored names, other schema revisions, unknown columns, bad
values, zip bombs, missing or changed files, duplicate entries. Each is refused by ``flask import``
with one line "备份文件无效:…" (no traceback), the database and the upload folder untouched."""

from __future__ import annotations

import json
import secrets
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.notice.models import ObjectionFile, ObjectionFileRole
from evalflow.shared.files import store as files
from tests.backup_craft import FILE_COLUMNS, Parts, declare_size, empty_target, open_parts, write
from tests.backup_world import final_world
from tests.factories import login

Craft = Callable[[Parts], None]


def _export(app, tmp_path: Path) -> Path:
    final = final_world(app)
    archive = tmp_path / "genuine.zip"
    result = app.test_cli_runner().invoke(args=["export", str(final.world.campaign.id), str(archive)])
    assert result.exit_code == 0, result.output
    assert "8 files" in result.output
    return archive


def _refused(target, archive: Path, expected: str, prefix: str = "Error: 备份文件无效:") -> None:
    result = target.run("import", str(archive))
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1, result.output
    assert lines[0].startswith(prefix) and expected in lines[0], (expected, result.output)
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit), result.exception
    assert target.row_count() == 0, expected
    assert target.upload_listing() == [], expected


def test_backup_import_refuses_an_objection_file_naming_etc_passwd(app, tmp_path):
    parts = open_parts(_export(app, tmp_path))
    rows = parts.rows("objection_file")
    old = rows[0]["stored_name"]
    rows[0]["stored_name"] = "/etc/passwd"
    parts.set_rows("objection_file", rows)
    with empty_target(app, tmp_path) as target:
        del parts.parts[f"files/{old}"]  # the name in the row alone: the office would download the file
        _refused(target, write(parts, tmp_path / "passwd.zip"), "objection_file.stored_name")
        parts.parts["files//etc/passwd"] = b"root:x:0:0"
        _refused(target, write(parts, tmp_path / "passwd2.zip"), "files//etc/passwd 不是本程序写的部分")


@pytest.mark.parametrize(
    "name", ["../../evalflow.sqlite3", "/etc/passwd", ".hidden", "A" * 40, "x" * 40, "ab/cd"]
)
def test_backup_import_refuses_a_crafted_name_in_every_file_table(app, tmp_path, name):
    parts = open_parts(_export(app, tmp_path))
    with empty_target(app, tmp_path) as target:
        for table, column in FILE_COLUMNS:
            crafted = Parts(dict(parts.manifest), dict(parts.parts))
            rows = crafted.rows(table)
            rows[-1][column] = name
            crafted.set_rows(table, rows)
            _refused(target, write(crafted, tmp_path / "crafted.zip"), f"{table}.{column}")


def _first(table: str, column: str, value) -> Craft:
    def craft(parts: Parts) -> None:
        rows = parts.rows(table)
        rows[0][column] = value
        parts.set_rows(table, rows)

    return craft


def _set_part(name: str, data: bytes) -> Craft:
    return lambda parts: parts.parts.__setitem__(name, data)


def _add_column(parts: Parts) -> None:
    parts.set_rows("unit", [{**row, "evil": 1} for row in parts.rows("unit")])


def _drop_column(parts: Parts) -> None:
    parts.set_rows("unit", [{k: v for k, v in row.items() if k != "name"} for row in parts.rows("unit")])


def _duplicate_id(parts: Parts) -> None:
    rows = parts.rows("unit")
    parts.set_rows("unit", [*rows, dict(rows[0])])


def _drop_file(parts: Parts) -> None:
    del parts.parts[parts.files()[0]]


def _change_file(parts: Parts) -> None:
    name = parts.files()[-1]
    parts.parts[name] = parts.parts[name][:-1] + b"!"


def _extra_file(parts: Parts) -> None:
    parts.parts[f"files/{secrets.token_hex(20)}"] = b"%PDF-1.4 smuggled"


def _manifest(key: str, value) -> Craft:
    return lambda parts: parts.manifest.__setitem__(key, value)


CASES: list[tuple[str, Craft, str]] = [
    ("other schema revision", _manifest("schema_revision", "0005"), "数据库结构版本为 0005"),
    ("no schema revision", _manifest("schema_revision", None), "数据库结构版本为 None"),
    ("other format", _manifest("version", 99), "不是本程序的备份"),
    ("unknown column", _add_column, "表 unit 有本程序没有的列:evil"),
    ("missing column", _drop_column, "表 unit 缺少列:name"),
    ("malformed JSON", _set_part("tables/unit.json", b'[{"id": 1,'), "tables/unit.json 不是有效的 JSON"),
    ("table not a list", _set_part("tables/unit.json", b'{"id": 1}'), "tables/unit.json 应为行的列表"),
    ("row not an object", _set_part("tables/unit.json", b"[1, 2]"), "tables/unit.json 第 1 行不是对象"),
    ("duplicate id", _duplicate_id, "表 unit 的主键"),
    ("bad enum", _first("campaign", "phase", "hacked"), 'campaign.phase 第 1 行的值 "hacked" 无效'),
    ("bad date", _first("notice", "starts_on", "2026-13-45"), "notice.starts_on 第 1 行"),
    ("naive timestamp", _first("campaign", "created_at", "2026-01-01T00:00:00"), "campaign.created_at"),
    ("id as text", _first("unit", "id", "1"), "unit.id 第 1 行"),
    ("bool as int", _first("unit", "approved", 1), "unit.approved 第 1 行"),
    ("NULL not allowed", _first("unit", "name", None), "unit.name 第 1 行"),
    ("too long", _first("campaign", "title", "长" * 201), "campaign.title 第 1 行"),
    ("integer overflow", _first("unit", "id", 2**40), "unit.id 第 1 行"),
    ("NUL in text", _first("unit", "name", "a\x00b"), "unit.name 第 1 行"),
    ("unknown table", _set_part("tables/evil.json", b"[]"), "tables/evil.json 不是本程序写的部分"),
    ("traversal entry", _set_part("files/../../evil", b"x"), "files/../../evil 不是本程序写的部分"),
    ("missing file", _drop_file, "缺少文件 files/"),
    ("file without a row", _extra_file, "没有对应的记录"),
    ("file changed", _change_file, "与记录不符"),
    ("dangling foreign key", _first("objection_file", "objection_id", 999999), "数据库拒绝了备份中的数据"),
    ("other campaign id", _manifest("campaign_id", 424242), "清单中的评选活动 424242"),
]


def test_backup_import_refuses_hostile_archives_in_one_line_writing_nothing(app, tmp_path):
    parts = open_parts(_export(app, tmp_path))
    with empty_target(app, tmp_path) as target:
        for label, craft, expected in CASES:
            crafted = Parts(json.loads(json.dumps(parts.manifest)), dict(parts.parts))
            craft(crafted)
            _refused(target, write(crafted, tmp_path / f"{label}.zip"), expected)
        genuine = write(parts, tmp_path / "again.zip")
        result = target.run("import", str(genuine))  # and the untouched target takes the real one
        assert result.exit_code == 0, result.output
        assert target.row_count() > 0 and len(target.upload_listing()) == len(parts.files()) == 8


def test_backup_import_refuses_broken_containers(app, tmp_path):
    archive = _export(app, tmp_path)
    parts = open_parts(archive)
    with empty_target(app, tmp_path) as target:
        tampered = Parts(
            parts.manifest, {**parts.parts, "tables/unit.json": parts.parts["tables/unit.json"] + b" "}
        )
        _refused(
            target,
            write(tampered, tmp_path / "hash.zip", rehash=False),
            "tables/unit.json 的 SHA-256 与清单不符",
        )
        duplicate = ("tables/unit.json", parts.parts["tables/unit.json"])
        _refused(target, write(parts, tmp_path / "dup.zip", extra=[duplicate]), "条目 tables/unit.json 重复")
        _refused(
            target,
            write(parts, tmp_path / "two.zip", extra=[("manifest.json", b"{}")]),
            "只有一个 manifest.json",
        )
        no_manifest = tmp_path / "nomanifest.zip"
        with zipfile.ZipFile(no_manifest, "w") as z:
            z.writestr("tables/unit.json", b"[]")
        _refused(target, no_manifest, "只有一个 manifest.json")
        not_zip = tmp_path / "not.zip"
        not_zip.write_bytes(b"%PDF-1.4 " + b"x" * 100)
        _refused(target, not_zip, "不是 zip 文件")
        truncated = tmp_path / "truncated.zip"
        truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
        _refused(target, truncated, "不是 zip 文件")
        unlisted = Parts(parts.manifest, dict(parts.parts))
        _refused(target, write(unlisted, tmp_path / "unlisted.zip", rehash=False,
                               extra=[(f"files/{secrets.token_hex(20)}", b"x")]), "不在清单中")  # fmt: skip


def test_backup_import_caps_part_sizes_and_reads_streamed(app, tmp_path):
    parts = open_parts(_export(app, tmp_path))
    caps = {
        "BACKUP_MAX_TABLE_MB": 1,
        "BACKUP_MAX_FILE_MB": 1,
        "BACKUP_MAX_TOTAL_MB": 3,
        "BACKUP_MAX_ENTRIES": 40,
    }
    with empty_target(app, tmp_path, **caps) as target:
        bomb = Parts(parts.manifest, {**parts.parts, "tables/unit.json": b"[" + b" " * (50 * 2**20) + b"]"})
        archive = write(bomb, tmp_path / "bomb.zip")
        assert archive.stat().st_size < 2**20  # a small archive, a 50 MB part
        _refused(target, archive, "tables/unit.json 过大")
        half = b"[" + b" " * (600 * 1024) + b"]"  # two parts under the cap, together over it
        tables = Parts(parts.manifest, {**parts.parts, "tables/unit.json": half, "tables/seat.json": half})
        _refused(target, write(tables, tmp_path / "tables.zip"), "表数据(tables/)共")
        big_file = Parts(parts.manifest, dict(parts.parts))
        name = big_file.files()[0]
        big_file.parts[name] = b"\0" * (2 * 2**20)
        _refused(target, write(big_file, tmp_path / "bigfile.zip"), f"{name} 过大")
        # declares 100 bytes, holds 5 MB: cut at the declared size, the CRC then fails
        liar = Parts(parts.manifest, {**parts.parts, "tables/unit.json": b"[" + b" " * (5 * 2**20) + b"]"})
        lying = write(liar, tmp_path / "liar.zip")
        declare_size(lying, "tables/unit.json", 100)
        _refused(target, lying, "tables/unit.json")
        many = Parts(
            parts.manifest, {**parts.parts, **{f"files/{secrets.token_hex(20)}": b"" for _ in range(40)}}
        )
        _refused(target, write(many, tmp_path / "many.zip"), "条目过多")
        total = Parts(parts.manifest, dict(parts.parts))
        for name in total.files():
            total.parts[name] = b"\0" * (2**20 - 10)
        _refused(target, write(total, tmp_path / "total.zip"), "超过上限")


def test_backup_export_refuses_a_missing_or_changed_file_and_a_crafted_name(app, client, tmp_path):
    final = final_world(app)
    cid = final.world.campaign.id
    seal = db.session.scalar(sa.select(ObjectionFile).where(ObjectionFile.role == ObjectionFileRole.SEAL))
    path = files.upload_dir() / seal.stored_name
    out = tmp_path / "out.zip"
    original = path.read_bytes()
    for damage in (lambda: path.unlink(), lambda: path.write_bytes(original + b"!")):
        damage()
        result = app.test_cli_runner().invoke(args=["export", str(cid), str(out)])
        assert (
            result.exit_code == 1 and f"上传目录中的文件 {seal.stored_name}(objection_file" in result.output
        )
        assert "缺失或已改变,无法备份" in result.output and not out.exists()
        assert list(tmp_path.glob(".export-*")) == []
    path.write_bytes(original)
    seal.stored_name = "../../etc/passwd"  # a row crafted in the database itself
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["export", str(cid), str(out)])
    assert result.exit_code == 1 and "不是本程序生成的文件名" in result.output and not out.exists()
    assert login(client, "office").status_code == 302  # and the office never downloads it
    response = client.get(f"/office/campaigns/{cid}/objections/{seal.objection_id}/files/{seal.id}")
    assert response.status_code == 404 and b"root:" not in response.data
