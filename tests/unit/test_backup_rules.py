"""The one rule for stored files: columns made by ``stored_name_column`` are what the backup exports,
checks and restores; every table with one has the ``size`` and ``sha256`` the check needs; the
names are the ones ``new_stored_name`` makes."""

from __future__ import annotations

import pytest

from evalflow import create_app
from evalflow.extensions import db
from evalflow.office.backup_rows import file_columns
from evalflow.shared.files import store as files
from tests.backup_craft import FILE_COLUMNS
from tests.factories import make_config


@pytest.fixture(autouse=True, scope="module")
def every_table(tmp_path_factory):
    """The factory registers every phase, so every table is in the metadata."""
    create_app(make_config("sqlite://", tmp_path_factory.mktemp("app")))


def test_stored_file_columns_are_found_from_the_models():
    found = [(c.table.name, c.key) for c in file_columns()]
    assert sorted(found) == sorted(FILE_COLUMNS)
    named = [(t.name, c.key) for t in db.metadata.sorted_tables for c in t.columns if "stored" in c.key]
    assert sorted(named) == sorted(found)  # a new column of stored names must be made the same way
    for column in file_columns():
        assert {"size", "sha256"} <= set(column.table.columns.keys()), column.table.name


def test_stored_names_are_only_the_names_we_make():
    made = {files.new_stored_name() for _ in range(50)}
    assert len(made) == 50 and all(files.is_stored_name(n) for n in made)
    for crafted in ("/etc/passwd", "../../evalflow.sqlite3", ".hidden", "a" * 39, "a" * 41, "A" * 40, "a" * 39 + "/",
                    "a" * 40 + "\n", None, 12, "a" * 40 + ".pdf"):  # fmt: skip
        assert not files.is_stored_name(crafted), crafted
