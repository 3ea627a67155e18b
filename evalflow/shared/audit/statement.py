"""The audit entry sealed inside the write it records, in one SQL statement (PostgreSQL).

Used by the ballot's single-statement path (briefing/ballots.py): the database computes the entry's
hash from the canonical pieces Python cut around the values only the statement knows, so the chain
verifies like any other (shared/audit/verify.py)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from evalflow.database import stands_alone
from evalflow.extensions import db
from evalflow.shared.access import Actor
from evalflow.shared.audit.chain import (
    canonical_pieces,
)
from evalflow.shared.audit.record import ENTRY, FILLED_BY_HEAD, HEAD, UNSEALED, _fields


def can_append_in_statement() -> bool:
    """True when this transaction has no unsealed entries, so a write may seal its own entry in its
    statement (:func:`appending`): entries recorded earlier would otherwise be chained after it."""
    return UNSEALED not in db.session.info


def _json_text(value: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
    """The canonical JSON of a text value, written by PostgreSQL: ``to_json`` escapes exactly the
    characters Python's ``json.dumps(…, ensure_ascii=False)`` escapes, the same way (``\\"``, ``\\\\``,
    ``\\b \\f \\n \\r \\t``, other controls as ``\\u00xx``; PostgreSQL text holds no NUL)."""
    return sa.func.coalesce(sa.cast(sa.func.to_json(value), sa.Text), sa.literal("null", sa.Text))


def appending(
    written: sa.CTE, changed: sa.ColumnElement[bool], computed: dict[str, sa.ColumnElement[Any]]
) -> sa.Select:
    """PostgreSQL: *written* (a write … RETURNING, as a CTE) and, when *changed* holds for its row,
    its audit entry sealed into the chain — all in one statement, so a request that writes nothing
    else needs no transaction of its own (one round trip, see ``database.without_transaction``)::

        WITH written AS (<the write>),
             moved AS (UPDATE audit_chain_head SET seq = seq + 1, prev_hash = hash,
                              hash = encode(sha256(convert_to(:piece_0 || <hole> || :piece_1 …)), 'hex')
                       WHERE chain = :head_chain AND EXISTS (SELECT FROM written WHERE <changed>)
                       RETURNING seq, hash, prev_hash),
             sealed_entry AS (INSERT INTO audit_entry (…) SELECT :a_…, <computed>, moved.seq, …
                              FROM moved JOIN written ON true)
        SELECT written.*, moved.seq FROM written LEFT OUTER JOIN moved ON true

    The entry's hash is computed by the database from the canonical form that
    :func:`appending_params` cut around the values only the statement knows (``prev_hash``,
    ``seq`` and the *computed* fields, SQL expressions over *written*), so it is the very hash
    ``shared.audit.chain.entry_hash`` gives and :func:`verify` checks. The head is locked by the
    UPDATE after the write's own rows, so it stays the statement's last lock; a concurrent append
    waits for this commit, then its UPDATE sees the new head (READ COMMITTED re-reads the row).
    ``moved.seq`` is NULL when nothing changed. The write itself must refuse to run when the chain
    has no head yet (:func:`head_exists`), or it would be written without its entry.
    """
    moved = _moved_head(written, changed, computed)
    entry = sa.insert(ENTRY).from_select(
        [c.key for c in ENTRY.columns if c.key != "id"],
        sa.select(*_entry_values(moved, computed)).select_from(moved.join(written, sa.true())),
    )
    return stands_alone(  # the write and its entry together: a request may run it without a transaction
        sa.select(*written.c, moved.c.seq)
        .select_from(written.outerjoin(moved, sa.true()))
        .add_cte(entry.cte("sealed_entry"))
    )


def _moved_head(written: sa.CTE, changed: sa.ColumnElement[bool], computed: dict[str, Any]) -> sa.CTE:
    """The chain head's move, its new hash computed by the database from the canonical pieces."""
    names = sorted([*computed, *FILLED_BY_HEAD])
    values = {name: _json_text(sa.select(v).scalar_subquery()) for name, v in computed.items()}
    values.update(prev_hash=_json_text(HEAD.c.hash), seq=sa.cast(HEAD.c.seq + 1, sa.Text))
    text: sa.ColumnElement[str] = sa.bindparam("piece_0", type_=sa.Text)
    for i, name in enumerate(names, start=1):
        text = text + values[name] + sa.bindparam(f"piece_{i}", type_=sa.Text)
    digest = sa.func.encode(sa.func.sha256(sa.func.convert_to(text, sa.literal("UTF8"))), sa.literal("hex"))
    return (
        sa.update(HEAD)
        .where(
            HEAD.c.chain == sa.bindparam("head_chain", type_=sa.Integer),
            sa.exists(sa.select(sa.literal(1)).select_from(written).where(changed)),
        )
        .values(seq=HEAD.c.seq + 1, prev_hash=HEAD.c.hash, hash=digest)
        .returning(HEAD.c.seq, HEAD.c.hash, HEAD.c.prev_hash)
        .cte("moved")
    )


def _entry_values(moved: sa.CTE, computed: dict[str, Any]) -> list[sa.ColumnElement[Any]]:
    """The sealed entry's columns in table order: computed from the write, taken from the moved
    head, or bound (``a_…``)."""
    exprs: list[sa.ColumnElement[Any]] = []
    for column in ENTRY.columns:
        if column.key == "id":
            continue
        if column.key in computed:
            exprs.append(computed[column.key])
        elif column.key in ("seq", "prev_hash"):
            exprs.append(moved.c[column.key])
        elif column.key == "entry_hash":
            exprs.append(moved.c.hash)
        else:
            exprs.append(sa.bindparam(f"a_{column.key}", type_=column.type))
    return exprs


def appending_params(
    actor: Actor,
    *,
    campaign_id: int | None,
    subject: tuple[str, int | None],
    to_state: str | None,
    data: dict[str, Any],
    computed: tuple[str, ...],
    reason: str = "",
) -> dict[str, Any]:
    """The bound values of an :func:`appending` statement: the entry's known fields (``a_…``), its
    chain, and the pieces of its canonical form around the values the statement fills in."""
    fields = _fields(actor, "", campaign_id, subject, None, to_state, reason, data)
    texts, order = canonical_pieces(fields, [*computed, *FILLED_BY_HEAD])
    if order != sorted(order):  # the canonical form sorts its keys, and appending() relies on it
        raise RuntimeError(f"holes out of order: {order}")
    params = {f"a_{k}": v for k, v in fields.items() if k not in computed}
    params.update({f"piece_{i}": t for i, t in enumerate(texts)}, head_chain=fields["chain"])
    return params


def head_exists() -> sa.Exists:
    """``EXISTS (SELECT FROM audit_chain_head WHERE chain = :head_chain)``, for a write that
    :func:`appending` seals: without a head it would be written but not chained."""
    key = sa.bindparam("head_chain", type_=sa.Integer)
    return sa.exists(sa.select(sa.literal(1)).select_from(HEAD).where(HEAD.c.chain == key))
