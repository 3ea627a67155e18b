"""``canonical_pieces``: the canonical form cut around the fields a database fills in (the ballot's
single-statement append on PostgreSQL). Putting each hole's canonical JSON back in its place must
give exactly ``canonical_form`` — whatever the other fields hold."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalflow.shared.audit.chain import canonical_form, canonical_json, canonical_pieces

HOLES = ("action", "from_state", "prev_hash", "seq")
text = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)  # no lone surrogates: not UTF-8


def _entry(**over: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "chain": 7,
        "seq": 12,
        "prev_hash": "a" * 64,
        "campaign_id": 7,
        "actor_user_id": None,
        "actor_label": "seat:3",
        "action": "ballot.change",
        "subject_type": "seat",
        "subject_id": 3,
        "from_state": "好",
        "to_state": "一般",
        "reason": "",
        "data": {"seat_id": 3, "unit_id": 9, "source": "online"},
        "created_at": datetime(2026, 11, 29, 8, 30, tzinfo=UTC),
    }
    entry.update(over)
    return entry


def _fill(texts: list[str], order: list[str], entry: dict[str, object]) -> str:
    out = texts[0]
    for name, after in zip(order, texts[1:], strict=True):
        out += canonical_json(entry[name]) + after
    return out


def test_pieces_put_back_together_give_the_canonical_form():
    entry = _entry()
    texts, order = canonical_pieces(entry, HOLES)
    assert order == sorted(HOLES)  # the canonical form sorts its keys
    assert len(texts) == len(HOLES) + 1
    assert _fill(texts, order, entry) == canonical_form(entry)
    assert "好" not in "".join(texts) and "ballot.change" not in "".join(texts)


@given(
    action=text,
    from_state=st.none() | text,
    label=text,
    reason=text,
    to_state=st.none() | text,
    seq=st.integers(1, 2**63 - 1),
)
def test_property_any_values_round_trip(action, from_state, label, reason, to_state, seq):
    entry = _entry(action=action, from_state=from_state, actor_label=label, reason=reason, to_state=to_state)
    entry["seq"] = seq
    texts, order = canonical_pieces(entry, HOLES)
    assert _fill(texts, order, entry) == canonical_form(entry)


@pytest.mark.parametrize(
    "trap",
    ['"\\u0000seq\\u0000"', "\x00seq\x00", "\\u0000action\\u0000", '","seq":', "}{"],
)
def test_a_value_that_looks_like_another_field_changes_nothing(trap):
    """The pieces are built field by field, not found by searching the text: a value that looks
    like a key, a separator or an escape stays inside its own field."""
    entry = _entry(reason=trap, actor_label=trap, to_state=trap)
    texts, order = canonical_pieces(entry, HOLES)
    assert _fill(texts, order, entry) == canonical_form(entry)


@pytest.mark.parametrize("name", ["data", "v", "created_at", "no_such_field"])
def test_only_plain_fields_can_be_left_out(name):
    with pytest.raises(ValueError):
        canonical_pieces(_entry(), [name])
