"""The audit log's hash chain: the canonical form of an entry and the rules that check a chain.

Pure Python (no Flask, no SQLAlchemy). ``docs/audit.md`` documents the same form byte for byte, so
anyone can re-check an exported log with a few lines of any language.

Every campaign has its own chain (``chain`` = the campaign id); entries that belong to no campaign
(accounts) form chain 0. Within a chain, entry ``seq`` = 1, 2, 3 … carries ``prev_hash`` (the
``entry_hash`` of entry ``seq - 1``, or :data:`GENESIS` for the first) and its own ``entry_hash``:

    entry_hash = SHA-256( UTF-8( canonical_json(fields) ) ), as 64 lower-case hex digits

where *fields* are exactly the keys of :data:`HASHED_FIELDS` and ``canonical_json`` is JSON with
keys sorted, no insignificant whitespace, non-ASCII characters written as themselves.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

VERSION = 1
GENESIS = "0" * 64
HASHED_FIELDS = (
    "v",
    "chain",
    "seq",
    "prev_hash",
    "campaign_id",
    "actor_user_id",
    "actor_label",
    "action",
    "subject_type",
    "subject_id",
    "from_state",
    "to_state",
    "reason",
    "data",
    "created_at",
)


def chain_of(campaign_id: int | None) -> int:
    return campaign_id or 0


def timestamp(moment: datetime) -> str:
    """UTC, microseconds, a trailing Z: ``2026-11-29T08:30:00.000000Z``."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# One encoder for every call: json.dumps with options builds a new encoder each time.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(value: Any) -> str:
    return _CANONICAL.encode(value)


def _hashed(entry: Mapping[str, Any]) -> dict[str, Any]:
    fields = {name: entry.get(name) for name in HASHED_FIELDS}
    fields["v"] = VERSION
    fields["data"] = entry.get("data") or {}
    created = entry.get("created_at")
    fields["created_at"] = timestamp(created) if isinstance(created, datetime) else created
    return fields


def canonical_form(entry: Mapping[str, Any]) -> str:
    """The exact text that is hashed: the hashed fields of *entry* (a mapping of column values)."""
    return canonical_json(_hashed(entry))


def entry_hash(entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_form(entry).encode("utf-8")).hexdigest()


def canonical_pieces(entry: Mapping[str, Any], holes: Iterable[str]) -> tuple[list[str], list[str]]:
    """The canonical form of *entry* with the values of the fields *holes* left out, for a database
    that fills them in and hashes the result itself (a whole append in one SQL statement).

    Returns ``(texts, order)``: ``texts[0] + json(order[0]) + texts[1] + … + json(order[-1]) +
    texts[-1]`` is the canonical form once each hole's canonical JSON is put in its place — the
    same bytes :func:`canonical_form` gives, so :func:`entry_hash` checks the result. The text is
    built the way the canonical JSON of a flat object is: ``{``, then ``"key":value`` pairs in key
    order joined by ``,``, then ``}``; a hole ends a piece after its ``"key":``.
    """
    names = set(holes)
    unknown = (names - set(HASHED_FIELDS)) | (names & {"v", "data", "created_at"})
    if unknown:
        raise ValueError(f"not a fillable field: {sorted(unknown)}")
    fields = _hashed(entry)
    texts, order, current = [], [], "{"
    for i, key in enumerate(sorted(fields)):
        current += ("," if i else "") + canonical_json(key) + ":"
        if key in names:
            texts.append(current)
            order.append(key)
            current = ""
        else:
            current += canonical_json(fields[key])
    texts.append(current + "}")
    return texts, order


@dataclass(frozen=True)
class Break:
    """The first broken link of a chain: where, and what is wrong there."""

    chain: int
    seq: int
    entry_id: int | None
    problem: str  # a key of EXPLANATIONS

    def describe(self) -> str:
        where = f"chain {self.chain} (campaign {self.chain or '-'}), seq {self.seq}"
        if self.entry_id is not None:
            where += f", entry id {self.entry_id}"
        return f"{where}: {EXPLANATIONS[self.problem]}"


EXPLANATIONS = {
    "edited": "the stored hash does not match the entry's content (the entry was edited)",
    "inserted_or_reordered": "prev_hash does not match the previous entry (an entry was inserted, "
    "removed or re-ordered before this one)",
    "missing": "a sequence number is missing (an entry was deleted)",
    "appended": "the entry lies beyond the chain head (it was appended outside the application)",
    "truncated": "entries from here to the chain head are missing (the end of the chain was deleted)",
    "unsealed": "the entry was never sealed into the chain (it was written outside the application)",
    "head_mismatch": "the chain head does not match the last entry (the head or the last entry was "
    "rewritten)",
}


def check_chain(
    chain: int, entries: Iterable[Mapping[str, Any]], head: tuple[int, str] | None
) -> Break | None:
    """Check one chain given its entries in ``seq`` order and its head ``(seq, hash)``."""
    head_seq, head_hash = head or (0, GENESIS)
    expected_seq, prev = 1, GENESIS
    beyond_head: int | None = None  # id of the first entry the head does not cover
    for entry in entries:
        seq, ident = int(entry["seq"]), entry.get("id")
        if seq != expected_seq:
            return Break(
                chain, expected_seq, ident, "missing" if seq > expected_seq else "inserted_or_reordered"
            )
        if entry["prev_hash"] != prev:
            return Break(chain, seq, ident, "inserted_or_reordered")
        if entry_hash(entry) != entry["entry_hash"]:
            return Break(chain, seq, ident, "edited")
        if seq == head_seq + 1:
            beyond_head = ident
        prev, expected_seq = entry["entry_hash"], seq + 1
    last_seq = expected_seq - 1
    if last_seq > head_seq:
        return Break(chain, head_seq + 1, beyond_head, "appended")
    if last_seq < head_seq:
        return Break(chain, last_seq + 1, None, "truncated")
    if prev != head_hash:
        return Break(chain, last_seq, None, "head_mismatch")
    return None
