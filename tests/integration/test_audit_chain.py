"""The audit log is hash-chained: appends never fork, verify-audit finds edits, insertions, deletions."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared.access import Actor, Role
from evalflow.shared.audit import record as audit
from evalflow.shared.audit import verify
from evalflow.shared.audit.chain import GENESIS, canonical_form, entry_hash
from evalflow.shared.audit.models import AuditChainHead, AuditEntry
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.phases import Phase
from tests import factories
from tests.conftest import is_postgres

OFFICE = Actor(Role.OFFICE, label="wmb")


def _campaign(title: str = "2026 年度") -> int:
    return factories.campaign(title, Phase.DRAFT).id


def _fill(campaign_id: int | None, n: int) -> None:
    for i in range(n):
        audit.record(OFFICE, f"test.step{i}", campaign_id=campaign_id, reason=f"第 {i} 步", data={"n": i})
    db.session.commit()


def _verify(app: Any) -> Any:
    return app.test_cli_runner().invoke(args=["verify-audit"])


def test_audit_chain_links_each_entry_to_the_previous(app):
    cid = _campaign()
    _fill(cid, 3)
    _fill(None, 2)
    rows = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.chain, AuditEntry.seq)).all()
    assert [(r.chain, r.seq) for r in rows] == [(0, 1), (0, 2), (cid, 1), (cid, 2), (cid, 3)]
    camp = [r for r in rows if r.chain == cid]
    assert camp[0].prev_hash == GENESIS
    assert [r.prev_hash for r in camp[1:]] == [r.entry_hash for r in camp[:-1]]
    head = db.session.get(AuditChainHead, cid)
    assert (head.seq, head.hash) == (3, camp[-1].entry_hash)
    assert all(r.entry_hash == entry_hash(audit.fields_of(r)) for r in rows)


def test_canonical_form_is_sorted_compact_utf8_json():
    from datetime import UTC, datetime

    form = canonical_form(
        {
            "chain": 7, "seq": 1, "prev_hash": GENESIS, "campaign_id": 7, "actor_user_id": None,
            "actor_label": "文明办", "action": "x", "subject_type": "", "subject_id": None,
            "from_state": None, "to_state": None, "reason": "", "data": {"b": 1, "a": [1, "二"]},
            "created_at": datetime(2026, 11, 29, 8, 30, tzinfo=UTC),
        }
    )  # fmt: skip
    assert form == (
        '{"action":"x","actor_label":"文明办","actor_user_id":null,"campaign_id":7,"chain":7,'
        '"created_at":"2026-11-29T08:30:00.000000Z","data":{"a":[1,"二"],"b":1},"from_state":null,'
        '"prev_hash":"' + GENESIS + '","reason":"","seq":1,"subject_id":null,"subject_type":"",'
        '"to_state":null,"v":1}'
    )


def test_verify_audit_passes_on_an_intact_log(app):
    _fill(_campaign(), 4)
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert "audit log intact: 1 chains" in result.output
    assert "4 entries checked" in result.output


def _raw(sql: str, **params: Any) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text(sql), params)


def test_verify_audit_reports_an_edited_entry(app):
    cid = _campaign()
    _fill(cid, 5)
    _raw("UPDATE audit_entry SET reason = 'forged' WHERE chain = :c AND seq = 3", c=cid)
    result = _verify(app)
    assert result.exit_code == 1
    assert f"chain {cid} (campaign {cid}), seq 3" in result.output
    assert "was edited" in result.output


def test_verify_audit_reports_an_edit_with_a_recomputed_hash_at_the_next_link(app):
    cid = _campaign()
    _fill(cid, 5)
    row = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.chain == cid, AuditEntry.seq == 2)).one()
    fields = audit.fields_of(row) | {"reason": "forged"}
    _raw(
        "UPDATE audit_entry SET reason = 'forged', entry_hash = :h WHERE id = :i",
        h=entry_hash(fields),
        i=row.id,
    )
    result = _verify(app)
    assert result.exit_code == 1
    assert "seq 3" in result.output and "prev_hash does not match" in result.output


def test_verify_audit_reports_a_deleted_entry(app):
    cid = _campaign()
    _fill(cid, 5)
    _raw("DELETE FROM audit_entry WHERE chain = :c AND seq = 2", c=cid)
    result = _verify(app)
    assert result.exit_code == 1
    assert "seq 2" in result.output and "was deleted" in result.output


def test_verify_audit_reports_a_deleted_last_entry(app):
    cid = _campaign()
    _fill(cid, 3)
    _raw("DELETE FROM audit_entry WHERE chain = :c AND seq = 3", c=cid)
    result = _verify(app)
    assert result.exit_code == 1
    assert "seq 3" in result.output and "end of the chain was deleted" in result.output


def test_verify_audit_reports_an_inserted_entry(app):
    cid = _campaign()
    _fill(cid, 3)
    # Make room by moving the tail, then slip a forged entry in at seq 2.
    _raw("UPDATE audit_entry SET seq = seq + 10 WHERE chain = :c AND seq >= 2", c=cid)
    _raw(
        "INSERT INTO audit_entry (chain, seq, prev_hash, entry_hash, campaign_id, actor_label, action,"
        " subject_type, reason, data, created_at) SELECT chain, 2, entry_hash, :h, campaign_id, 'x',"
        " 'forged', '', '', '{}', created_at FROM audit_entry WHERE chain = :c AND seq = 1",
        c=cid,
        h="f" * 64,
    )
    _raw("UPDATE audit_entry SET seq = seq - 9 WHERE chain = :c AND seq >= 12", c=cid)
    result = _verify(app)
    assert result.exit_code == 1
    assert "seq 2" in result.output and "was edited" in result.output


def test_verify_audit_reports_a_forged_entry_appended_at_the_end(app):
    cid = _campaign()
    _fill(cid, 2)
    last = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.chain == cid, AuditEntry.seq == 2)).one()
    fields = audit.fields_of(last)
    fields.update(seq=3, prev_hash=last.entry_hash, action="forged")
    _raw(
        "INSERT INTO audit_entry (chain, seq, prev_hash, entry_hash, campaign_id, actor_label, action,"
        " subject_type, reason, data, created_at) SELECT chain, 3, entry_hash, :h, campaign_id,"
        " actor_label, 'forged', subject_type, reason, data, created_at FROM audit_entry WHERE id = :i",
        h=entry_hash(fields),
        i=last.id,
    )
    result = _verify(app)
    assert result.exit_code == 1
    assert "seq 3" in result.output and "beyond the chain head" in result.output


def _race(app: Any, step: Any, threads: int = 4, rounds: int = 10) -> None:
    """*threads* threads start together; each runs ``step(k, i)`` and commits, *rounds* times."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def worker(k: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                for i in range(rounds):
                    step(k, i)
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    started = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in started:
        t.start()
    for t in started:
        t.join()
    assert errors == []
    db.session.expire_all()


@pytest.mark.parametrize("chains", [1, 2])
def test_audit_concurrent_appends_never_fork_the_chain(app, chains):
    ids = [_campaign(f"c{i}") for i in range(chains)]
    db.session.commit()
    _race(
        app,
        lambda k, i: audit.record(
            OFFICE, "test.race", campaign_id=ids[(k + i) % chains], data={"k": k, "i": i}
        ),
    )
    for cid in ids:
        seqs = db.session.scalars(
            sa.select(AuditEntry.seq).where(AuditEntry.chain == cid).order_by(AuditEntry.seq)
        )
        assert list(seqs) == list(range(1, 40 // chains + 1))
    assert all(r.broken is None for r in verify.verify())


def test_audit_migration_chains_existing_entries_and_guards_postgres(db_url, tmp_path):
    from flask_migrate import upgrade

    from evalflow import create_app
    from tests.factories import make_config

    application = create_app(make_config(db_url, tmp_path))
    with application.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO campaign (id, title, description, phase, notice_working_days, scale,"
                                 " created_at, updated_at) VALUES (1, 't', '', 'draft', 5, '[]', :t, :t)"),
                         {"t": "2026-11-29 08:00:00.000000"})  # fmt: skip
            for i, cid in enumerate([1, None, 1]):
                conn.execute(
                    sa.text("INSERT INTO audit_entry (campaign_id, actor_label, action, subject_type, reason,"
                            " data, created_at) VALUES (:c, 'wmb', :a, '', '', '{\"k\": 1}', :t)"),
                    {"c": cid, "a": f"old.{i}", "t": f"2026-11-29 08:0{i}:00.123456"},
                )  # fmt: skip
        upgrade()
        assert all(r.broken is None for r in verify.verify())
        assert [(r.chain, r.length) for r in verify.verify()] == [(0, 1), (1, 2)]
        audit.record(OFFICE, "new", campaign_id=1)
        db.session.commit()
        assert [(r.chain, r.length, r.broken) for r in verify.verify()] == [(0, 1, None), (1, 3, None)]
        db.session.commit()  # end the read transaction: TRUNCATE would wait for its locks
        if db.engine.dialect.name == "postgresql":
            for sql in (
                "UPDATE audit_entry SET reason = 'x'",
                "DELETE FROM audit_entry",
                "TRUNCATE audit_entry",
            ):
                with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.engine.begin() as conn:
                    conn.execute(sa.text(sql))
            assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 4
        db.session.remove()
        db.engine.dispose()


def test_audit_append_waits_for_no_row_lock_held_elsewhere(app):
    """A records, then needs row X; B holds X, then records and commits. Were the chain head locked
    at record() time, A would hold the head while waiting for X and B hold X while waiting for the
    head: a deadlock. Sealed at commit, the head is the last lock taken, so both succeed."""
    if not is_postgres(app):
        pytest.skip("SQLite has a single writer lock and no row locks to deadlock on")
    cid = _campaign()
    db.session.commit()
    b_has_x, errors = threading.Event(), []

    def a() -> None:
        try:
            with app.app_context():
                audit.record(OFFICE, "test.a_first", campaign_id=cid)
                db.session.flush()
                b_has_x.wait(10)
                db.session.execute(sa.update(Campaign).where(Campaign.id == cid).values(description="A"))
                db.session.commit()
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    def b() -> None:
        try:
            with app.app_context():
                db.session.execute(sa.update(Campaign).where(Campaign.id == cid).values(description="B"))
                b_has_x.set()
                audit.record(OFFICE, "test.b_second", campaign_id=cid)
                db.session.commit()
                db.session.remove()
        except BaseException as exc:
            b_has_x.set()
            errors.append(exc)

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    db.session.expire_all()
    assert db.session.get(Campaign, cid).description in {"A", "B"}
    (report,) = verify.verify([cid])
    assert (report.length, report.broken) == (2, None)


def test_audit_entry_is_sealed_only_at_commit_and_rollback_leaves_no_trace(app):
    cid = _campaign()
    entry = audit.record(OFFICE, "test.pending", campaign_id=cid)
    assert (entry.seq, entry.entry_hash) == (None, None)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditChainHead)) == 0
    cid = _campaign()
    audit.record(OFFICE, "test.one", campaign_id=cid)
    audit.record(OFFICE, "test.two", campaign_id=cid)
    db.session.commit()
    rows = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.chain == cid).order_by(AuditEntry.id)
    ).all()
    assert [(r.action, r.seq) for r in rows] == [("test.one", 1), ("test.two", 2)]
    assert all(r.broken is None for r in verify.verify())


def test_verify_audit_reports_an_unsealed_entry(app):
    cid = _campaign()
    _fill(cid, 2)
    _raw(
        "INSERT INTO audit_entry (chain, campaign_id, actor_label, action, subject_type, reason, data,"
        " created_at) SELECT chain, campaign_id, 'x', 'forged', '', '', '{}', created_at FROM audit_entry"
        " WHERE chain = :c AND seq = 1",
        c=cid,
    )
    result = _verify(app)
    assert result.exit_code == 1
    assert "seq 3" in result.output and "never sealed" in result.output


def test_record_last_seals_at_once_after_the_transactions_earlier_entries(app):
    """The ballot's shortcut: the entry is written sealed, after any entry the transaction recorded
    before it, and the chain verifies (the hash computed before the INSERT matches what is stored)."""
    cid = _campaign()
    _fill(cid, 1)
    audit.record(OFFICE, "test.before", campaign_id=cid, data={"k": "先"})
    audit.record_last(
        Actor(Role.SEAT, seat_id=7, unit_id=3, campaign_id=cid, label="seat:7"),
        "ballot.change",
        campaign_id=cid,
        subject=("seat", 7),
        from_state="好",
        to_state="一般",
        data={"seat_id": 7, "unit_id": 3, "source": "online"},
    )
    last = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "ballot.change"))
    assert (last.seq, last.prev_hash is not None, last.entry_hash is not None) == (3, True, True)
    db.session.commit()
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.chain == cid).order_by(AuditEntry.seq)
    ).all()
    assert [(r.action, r.seq) for r in rows] == [("test.step0", 1), ("test.before", 2), ("ballot.change", 3)]
    assert rows[2].prev_hash == rows[1].entry_hash
    assert all(r.entry_hash == entry_hash(audit.fields_of(r)) for r in rows)
    head = db.session.get(AuditChainHead, cid)
    assert (head.seq, head.hash) == (3, rows[2].entry_hash)
    assert _verify(app).exit_code == 0


def test_record_last_starts_a_new_chain_and_rolls_back_cleanly(app):
    cid = _campaign()
    db.session.commit()
    audit.record_last(OFFICE, "test.first", campaign_id=cid)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0
    assert db.session.get(AuditChainHead, cid) is None
    audit.record_last(OFFICE, "test.first", campaign_id=cid)
    db.session.commit()
    row = db.session.scalar(sa.select(AuditEntry))
    assert (row.seq, row.prev_hash) == (1, GENESIS)
    assert all(r.broken is None for r in verify.verify())


def test_record_last_and_record_racing_never_fork_the_chain(app):
    cid = _campaign()
    db.session.commit()

    def step(k: int, i: int) -> None:
        write = audit.record_last if (k + i) % 2 else audit.record
        write(OFFICE, "test.race", campaign_id=cid, data={"k": k, "i": i})

    _race(app, step)
    seqs = db.session.scalars(
        sa.select(AuditEntry.seq).where(AuditEntry.chain == cid).order_by(AuditEntry.seq)
    )
    assert list(seqs) == list(range(1, 41))
    assert all(r.broken is None for r in verify.verify())
