"""``leaf_total`` (evalflow/review/leaf_totals.py), on both engines: after every kind of change that can
alter a unit's counted marks — by the services' ORM, by plain SQL as a hand edit would, in random
order — the kept figures equal the marks aggregated afresh; a change read back in its own transaction
is seen; a draft's marks never count; deleting a unit leaves nothing behind; on PostgreSQL two
transactions submitting sheets of one unit at once both count (the campaign's lock)."""

from __future__ import annotations

import random
import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa

from evalflow.assessment.marks import stats_of
from evalflow.assessment.models import ScoreSheet, SheetScore
from evalflow.assessment.rules import Method
from evalflow.assessment.tree_rows import indicator_ids
from evalflow.extensions import db
from evalflow.inspection.models import Visit
from evalflow.review import leaf_totals
from evalflow.review.models import LeafTotal
from evalflow.review.sources import counted_marks, counted_stats
from evalflow.shared import clock
from evalflow.shared.campaigns.models import Unit
from tests import factories
from tests.review_world import build


def _from_single_marks(cid: int) -> list[tuple[int, ...]]:
    """The figures made in Python from the single counted marks (``counted_marks``, which does not
    share the triggers' SQL): (unit, indicator, count, sum, low, high)."""
    ids = indicator_ids(cid)
    out = []
    for by_unit in counted_marks(cid).values():
        for unit_id, by_code in by_unit.items():
            out += [(unit_id, ids[code], *stats_of(marks)) for code, marks in by_code.items()]
    return sorted(out)


def _same(cid: int) -> list[tuple[int, ...]]:
    """The kept figures, asserted equal to the marks aggregated now by SQL and by Python; returned."""
    conn = db.session.connection()
    kept = leaf_totals.kept(conn, cid)
    assert kept == leaf_totals.recount(conn, cid)
    assert kept == _from_single_marks(cid)
    return kept


def _commit_and_check(cid: int) -> list[tuple[int, ...]]:
    db.session.commit()
    return _same(cid)


@pytest.fixture
def world(app):
    made = build()
    db.session.commit()
    return made


def _sheets(unit: Unit, method: Method | None = None) -> list[ScoreSheet]:
    query = sa.select(ScoreSheet).where(ScoreSheet.unit_id == unit.id).order_by(ScoreSheet.id)
    if method is not None:
        query = query.where(ScoreSheet.method == method)
    return list(db.session.scalars(query))


def test_every_kind_of_change_keeps_the_figures_exact(world):
    cid, (a, b, c) = world.cid, world.units
    before = _same(cid)
    assert before, "the world has counted marks"
    assert {u for u, *_ in before} == {u.id for u in world.units}

    sheet = _sheets(a, Method.MATERIALS)[0]
    score = db.session.scalars(sa.select(SheetScore).where(SheetScore.sheet_id == sheet.id)).first()
    score.points = score.points - Decimal("0.333333")  # a mark changed on a counted sheet
    changed = _commit_and_check(cid)
    assert changed != before

    db.session.delete(score)  # a mark deleted
    _commit_and_check(cid)

    sheet.submitted_at = None  # a sheet reopened: its marks stop counting
    reopened = _commit_and_check(cid)
    sheet.submitted_at = clock.now()  # and submitted again
    assert _commit_and_check(cid) != reopened

    visit = db.session.scalars(sa.select(Visit).where(Visit.unit_id == a.id)).one()
    visit.signed_at = None  # a visit unsigned: its sheets stop counting
    unsigned = _commit_and_check(cid)
    visit.signed_at = clock.now()
    assert _commit_and_check(cid) != unsigned

    moved = _sheets(c, Method.OPINIONS)[0]
    moved.unit_id = a.id  # a sheet moved to another unit (no service does it; the figures follow)
    _commit_and_check(cid)

    db.session.delete(_sheets(a, Method.MATERIALS)[-1])  # a counted sheet deleted, marks with it
    _commit_and_check(cid)
    db.session.delete(visit)  # a signed visit deleted, its sheets with it
    after = _commit_and_check(cid)
    inspected = indicator_ids(cid)["A2"]  # the 实地考察 leaf: only that visit scored it for 甲
    assert any(u == b.id and i == inspected for u, i, *_ in after)
    assert not any(u == a.id and i == inspected for u, i, *_ in after)


def test_plain_sql_edits_are_followed_too(world):
    """Someone editing the database by hand (or a restore) goes through the same triggers."""
    cid = world.cid
    db.session.execute(sa.text("UPDATE sheet_score SET points = points / 2 WHERE points > 1"))
    halved = _commit_and_check(cid)
    db.session.execute(sa.text("UPDATE score_sheet SET submitted_at = NULL WHERE method = 'opinions'"))
    _commit_and_check(cid)
    db.session.execute(sa.text("DELETE FROM sheet_score WHERE id IN (SELECT min(id) FROM sheet_score)"))
    assert _commit_and_check(cid) != halved
    # a visit's sheets moved to another unit, then the visit unsigned: the units its sheets name recount
    a, b = world.units[0], world.units[1]
    visit = db.session.scalars(sa.select(Visit.id).where(Visit.unit_id == a.id)).one()
    db.session.execute(
        sa.text("UPDATE score_sheet SET unit_id = :b WHERE visit_id = :v"), {"b": b.id, "v": visit}
    )
    moved = _commit_and_check(cid)
    db.session.execute(sa.text("UPDATE visit SET signed_at = NULL WHERE id = :v"), {"v": visit})
    assert _commit_and_check(cid) != moved


def test_draft_marks_never_count(world):
    cid, a = world.cid, world.units[0]
    before = _same(cid)
    draft = factories.signed_visit(a, {world.users["zhao"]: {"A2": 0}}, signed=False)
    db.session.commit()
    assert _same(cid) == before
    db.session.execute(
        sa.update(SheetScore)
        .where(SheetScore.sheet_id.in_(sa.select(ScoreSheet.id).where(ScoreSheet.visit_id == draft.id)))
        .values(points=Decimal(1))
    )
    assert _commit_and_check(cid) == before


def test_a_change_is_read_back_in_its_own_transaction(world):
    """On PostgreSQL the recomputation waits for the commit; a read before it runs what is pending."""
    a = world.units[0]
    sheet = _sheets(a, Method.MATERIALS)[0]
    sheet.submitted_at = None
    db.session.flush()
    assert counted_stats(world.cid)[a.id] == _as_stats(
        leaf_totals.recount(db.session.connection(), world.cid), a.id
    )
    db.session.rollback()
    _same(world.cid)


def _as_stats(rows: list[tuple[int, ...]], unit_id: int) -> dict[str, tuple[int, ...]]:
    codes = {i: c for c, i in indicator_ids(db.session.get(Unit, unit_id).campaign_id).items()}
    return {codes[i]: (n, t, lo, hi) for u, i, n, t, lo, hi in rows if u == unit_id}


def test_a_deleted_unit_leaves_no_figures(world):
    cid, a = world.cid, world.units[0]
    db.session.execute(sa.delete(Unit).where(Unit.id == a.id))
    kept = _commit_and_check(cid)
    assert all(u != a.id for u, *_ in kept)
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(LeafTotal).where(LeafTotal.unit_id == a.id))
        == 0
    )


def test_random_changes_keep_the_figures_exact(world):
    rng = random.Random(1207)
    cid = world.cid
    for _ in range(40):
        sheets = list(db.session.scalars(sa.select(ScoreSheet).where(ScoreSheet.campaign_id == cid)))
        scores = list(db.session.scalars(sa.select(SheetScore)))
        action = rng.choice(("mark", "mark", "toggle", "sign", "delete"))
        if action == "mark" and scores:
            row = rng.choice(scores)
            row.points = None if rng.random() < 0.1 else Decimal(rng.randint(0, 3_000_000)) / 1_000_000
        elif action == "toggle" and sheets:
            row = rng.choice(sheets)
            row.submitted_at = None if row.submitted_at else clock.now()
        elif action == "sign":
            for visit in db.session.scalars(sa.select(Visit)):
                visit.signed_at = None if rng.random() < 0.5 else clock.now()
        elif action == "delete" and scores:
            db.session.delete(rng.choice(scores))
        _commit_and_check(cid)


def _overlap(first: sa.Executable, second: sa.Executable) -> bool:
    """Run *first* in a transaction that recounts (``settle``) and holds the unit's lock; meanwhile run
    *second* in another transaction, which recounts too; then let both commit. True if *second* was
    seen waiting for an advisory lock (``pg_locks``). Any error in either is raised."""
    failures: list[BaseException] = []
    started, release = threading.Event(), threading.Event()
    engine = db.engine  # the threads have no app context

    pids: list[int] = []

    def run(stmt: sa.Executable, hold: bool) -> None:
        try:
            with engine.connect() as conn, conn.begin():
                pids.append(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())
                conn.execute(stmt)
                leaf_totals.settle(conn)  # recount now, holding the unit's lock until the commit
                if hold:
                    started.set()
                    release.wait(5)
        except BaseException as exc:
            failures.append(exc)
            started.set()

    one = threading.Thread(target=run, args=(first, True))
    one.start()
    assert started.wait(5)
    two = threading.Thread(target=run, args=(second, False))
    two.start()
    waited = False
    with engine.connect() as watcher:  # does *second* wait for an advisory lock (not merely run slowly)?
        for _ in range(50):
            two.join(0.05)
            if not two.is_alive():
                break
            ungranted = (
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND pid = :pid"
            )
            if len(pids) == 2 and watcher.execute(sa.text(ungranted), {"pid": pids[1]}).scalar_one():
                waited = True
                break
    release.set()
    one.join(10)
    two.join(10)
    if failures:
        raise failures[0]
    return waited


def _postgresql_only() -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has a single writer: transactions cannot overlap there")


def test_concurrent_submissions_for_one_unit_both_count(world):
    """Two reviewers submit sheets of the same unit in overlapping transactions: the second waits for
    the first's recount, then counts both (without the lock it failed on a duplicate key)."""
    _postgresql_only()
    first, second = (s.id for s in _sheets(world.units[0], Method.MATERIALS)[:2])
    db.session.execute(
        sa.update(ScoreSheet).where(ScoreSheet.id.in_([first, second])).values(submitted_at=None)
    )
    db.session.commit()
    reopened = _same(world.cid)

    def submit(sheet_id: int) -> sa.Executable:
        return sa.update(ScoreSheet).where(ScoreSheet.id == sheet_id).values(submitted_at=clock.now())

    assert _overlap(submit(first), submit(second)), "the second transaction waits for the first's lock"
    db.session.rollback()
    assert _same(world.cid) != reopened
    counted = set(db.session.scalars(sa.select(ScoreSheet.id).where(ScoreSheet.submitted_at.is_not(None))))
    assert {first, second} <= counted


def test_a_mark_written_while_its_sheet_is_submitted_counts(world):
    """A mark written on a draft sheet while another transaction submits that sheet: the writer asks
    "is the sheet counted?" only under the unit's lock, so after the submission commits it sees yes and
    recounts (asked before the lock, it saw a draft, skipped, and the mark was never counted: the
    figures then differed from the marks)."""
    _postgresql_only()
    sheet = _sheets(world.units[0], Method.MATERIALS)[0]
    db.session.execute(sa.update(ScoreSheet).where(ScoreSheet.id == sheet.id).values(submitted_at=None))
    db.session.commit()
    submit = sa.update(ScoreSheet).where(ScoreSheet.id == sheet.id).values(submitted_at=clock.now())
    mark = sa.update(SheetScore).where(SheetScore.sheet_id == sheet.id).values(points=SheetScore.points / 2)
    assert _overlap(submit, mark), "the writer of the mark waits for the submission's lock"
    db.session.rollback()
    _same(world.cid)
