"""The English catalog is complete: every message translated, placeholders kept, nothing fuzzy."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

import evalflow

CATALOG = Path(evalflow.__file__).parent / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")


def load():
    with CATALOG.open("rb") as handle:
        return [m for m in read_po(handle) if m.id]


def test_english_catalog_translates_every_message():
    missing = [m.id for m in load() if not (m.string if isinstance(m.string, str) else all(m.string))]
    assert missing == []


def test_english_catalog_has_no_fuzzy_entries():
    assert [m.id for m in load() if m.fuzzy] == []


def test_english_catalog_keeps_placeholders():
    wrong = []
    for m in load():
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        expected = set(PLACEHOLDER.findall(ids[0]))
        if any(set(PLACEHOLDER.findall(s)) != expected for s in strings if s):
            wrong.append(m.id)
    assert wrong == []
