"""The counted marks per unit and leaf — how many, their sum, the lowest and the highest — kept up to
date by the database itself in the table ``leaf_total`` (:class:`evalflow.review.models.LeafTotal`).

Why: the 综合测评 needs, per unit and leaf, the count, sum, lowest and highest of the counted marks.
Aggregating 108,000 marks into 18,000 groups on every view took PostgreSQL 70–100 ms on its own
(bench/README.md, *综合测评*); reading the 18,000 kept rows takes a tenth of that. Marks are written
by people, a sheet at a time; the composite is read far more often.

Who keeps it: triggers, not the services. Every change that can alter a unit's counted marks — a
mark written, changed or deleted on a counted sheet, a sheet submitted, reopened, moved or deleted, a
visit signed, unsigned or deleted — recomputes the figures of that unit (and leaf) from the marks,
whatever wrote it: a service, a backup being restored, the demo loader, or someone editing the
database by hand. "Counted" is the one rule of :func:`counted`: 材料审核 and 征求意见 sheets once
submitted, 实地考察 sheets once their visit is signed.

- **SQLite** runs the triggers at once, row by row; its single writer makes that enough.
- **PostgreSQL** defers them to the commit (constraint triggers), and each recount first takes a
  transaction lock on the unit's campaign (``pg_advisory_xact_lock``). Two reviewers submitting
  sheets for the same unit at the same moment are therefore recounted one after the other, and the
  second reads the first's committed marks (each statement of READ COMMITTED takes a fresh
  snapshot): no lost update. Whether a changed mark's sheet is counted is asked under that lock too,
  so a mark written on a draft while another transaction submits the sheet counts, whichever commits
  first. One lock per campaign rather than per unit: a transaction that touches marks of several
  units (a restore, a hand edit) takes one lock, so two such transactions cannot take them in
  opposite orders and deadlock. Taken at the commit, after the request's other locks (the sheet
  rows, the audit chain's head), it waits only for other commits. A read of the totals in the same
  transaction first runs what is pending (:func:`settle`); a request that wrote marks, read the
  composite and then wrote an audit entry would take the lock before the audit head — none does.

Not covered: ``TRUNCATE`` (no row triggers), SQLite's ``INSERT OR REPLACE`` (its implicit delete
fires no trigger), and a unit moved to another campaign; no code of ours does any of them.

The table is derived: backups leave it out (``info["derived"]``) and a restore rebuilds it through
the same triggers. :func:`recount` is the same figures aggregated from the marks, for the tests.
Migration 0022 holds a frozen copy of :func:`install_statements`' output; a test compares a migrated
database's triggers with those ``db.create_all`` makes, so a change here needs a migration.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from evalflow.assessment.marks import MICRO
from evalflow.assessment.models import ScoreSheet, SheetScore
from evalflow.database import driver_rows
from evalflow.extensions import db
from evalflow.inspection.models import Visit
from evalflow.review.models import LeafTotal
from evalflow.shared.campaigns.models import Unit

TABLE = "leaf_total"
LOCK_CLASS = 20_261_207  # the first key of the advisory lock taken per campaign (the second: its id)
PG_TRIGGERS = {  # name: its table
    "leaf_total_scores": "sheet_score",
    "leaf_total_sheets": "score_sheet",
    "leaf_total_sheets_gone": "score_sheet",
    "leaf_total_visits": "visit",
    "leaf_total_visits_gone": "visit",
}
SQLITE_TRIGGERS = ("leaf_total_score_new", "leaf_total_score_changed", "leaf_total_score_gone",
                   "leaf_total_sheet_changed", "leaf_total_sheet_gone", "leaf_total_visit_changed",
                   "leaf_total_visit_gone")  # fmt: skip


def counted() -> sa.ColumnElement[bool]:
    """A counted sheet: 材料审核 and 征求意见 once submitted, 实地考察 once its visit is signed
    (the query must outer-join ``visit`` on the sheet's ``visit_id``)."""
    return sa.and_(
        ScoreSheet.submitted_at.is_not(None),
        sa.or_(ScoreSheet.visit_id.is_(None), Visit.signed_at.is_not(None)),
    )


def aggregates(dialect: str) -> tuple[sa.ColumnElement[Any], ...]:
    """count, sum, lowest and highest of a leaf's marks, in millionths of a point, exact: PostgreSQL
    aggregates the numeric column exactly and scales the results; SQLite stores the marks as floating
    point, so each is scaled and rounded to an integer before it is added."""
    if dialect == "postgresql":
        return (sa.func.count(), *(
            sa.cast(f(SheetScore.points) * MICRO, sa.BigInteger) for f in (sa.func.sum, sa.func.min, sa.func.max)
        ))  # fmt: skip
    scaled = sa.cast(sa.func.round(SheetScore.points * MICRO), sa.BigInteger)
    return sa.func.count(), sa.func.sum(scaled), sa.func.min(scaled), sa.func.max(scaled)


def aggregated(dialect: str, *where: sa.ColumnElement[bool] | sa.TextClause) -> sa.Select[Any]:
    """(campaign, unit, indicator, count, sum, low, high) of the counted marks, per unit and leaf, of
    the sheets *where* selects; a sheet counts for its unit's campaign only."""
    return (
        sa.select(Unit.campaign_id, ScoreSheet.unit_id, SheetScore.indicator_id, *aggregates(dialect))
        .select_from(SheetScore)
        .join(ScoreSheet, ScoreSheet.id == SheetScore.sheet_id)
        .join(Unit, sa.and_(Unit.id == ScoreSheet.unit_id, Unit.campaign_id == ScoreSheet.campaign_id))
        .outerjoin(Visit, Visit.id == ScoreSheet.visit_id)
        .where(counted(), SheetScore.points.is_not(None), *where)
        .group_by(Unit.campaign_id, ScoreSheet.unit_id, SheetScore.indicator_id)
    )


def recount(conn: sa.Connection, campaign_id: int) -> list[tuple[int, int, int, int, int, int]]:
    """(unit, indicator, count, sum, low, high) aggregated from the marks now — what ``leaf_total``
    must hold for *campaign_id* (the tests compare them)."""
    stmt = aggregated(conn.dialect.name, ScoreSheet.campaign_id == campaign_id)
    return sorted((u, i, n, int(t), int(lo), int(hi)) for _c, u, i, n, t, lo, hi in conn.execute(stmt))


def read(conn: sa.Connection, campaign_id: int) -> list[tuple[int, int, int, int, int, int]]:
    """(unit, indicator, count, sum, low, high) as ``leaf_total`` holds them for *campaign_id*, this
    transaction's own changes included (:func:`settle`); the driver's tuples, in no order."""
    settle(conn)
    stmt = sa.select(
        LeafTotal.unit_id,
        LeafTotal.indicator_id,
        LeafTotal.marks,
        LeafTotal.total,
        LeafTotal.low,
        LeafTotal.high,
    ).where(LeafTotal.campaign_id == campaign_id)
    return driver_rows(conn, stmt)


def kept(conn: sa.Connection, campaign_id: int) -> list[tuple[int, int, int, int, int, int]]:
    """:func:`read`, sorted (to compare with :func:`recount`)."""
    return sorted(tuple(row) for row in read(conn, campaign_id))


# --- the SQL the triggers run ------------------------------------------------------------------------

_COLUMNS = "campaign_id, unit_id, indicator_id, marks, total, low, high"


def _sql(dialect: sa.Dialect, stmt: Any) -> str:
    """*stmt* as SQL text for *dialect*, its values inline (no line ends with a space)."""
    compiled = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    return "\n".join(line.rstrip() for line in compiled.splitlines())


def _refresh(dialect: sa.Dialect, unit: str, indicator: str | None = None, units: bool = False) -> list[str]:
    """Statements that recompute ``leaf_total`` for the unit (and leaf) the SQL expressions *unit*
    and *indicator* name — with *units*, *unit* is a subquery of unit ids: delete the kept rows,
    insert the aggregates of the marks."""
    op = "IN" if units else "="
    unit_is = sa.text(f"score_sheet.unit_id {op} {unit}")
    leaf_is = [SheetScore.indicator_id == sa.literal_column(indicator)] if indicator else []
    delete = f"DELETE FROM {TABLE} WHERE unit_id {op} {unit}" + (
        f" AND indicator_id = {indicator}" if indicator else ""
    )
    insert = f"INSERT INTO {TABLE} ({_COLUMNS}) " + _sql(dialect, aggregated(dialect.name, unit_is, *leaf_is))
    return [delete, insert]


def _counted_sheet(dialect: sa.Dialect, sheet: str) -> str:
    """An SQL condition: the sheet the SQL expression *sheet* names is counted."""
    stmt = (
        sa.select(sa.literal(1))
        .select_from(ScoreSheet)
        .outerjoin(Visit, Visit.id == ScoreSheet.visit_id)
        .where(ScoreSheet.id == sa.literal_column(sheet), counted())
    )
    return f"EXISTS ({_sql(dialect, stmt)})"


def _sheet_moved(distinct: str) -> str:
    """An SQL condition: the sheet's counted-ness or owner changed (*distinct*: the engine's
    NULL-safe "differs", ``IS NOT`` on SQLite, ``IS DISTINCT FROM`` on PostgreSQL)."""
    return (f"OLD.submitted_at {distinct} NEW.submitted_at OR OLD.visit_id {distinct} NEW.visit_id"
            " OR OLD.unit_id <> NEW.unit_id OR OLD.campaign_id <> NEW.campaign_id")  # fmt: skip


def _unit_of(sheet: str) -> str:
    return f"(SELECT unit_id FROM score_sheet WHERE id = {sheet})"


def _sqlite(dialect: sa.Dialect) -> list[str]:
    def trigger(name: str, event: str, when: str | None, *bodies: list[str]) -> str:
        body = "".join(f" {s};" for statements in bodies for s in statements)
        return (
            f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event}"
            + (f" WHEN {when}" if when else "")
            + f" BEGIN{body} END"
        )

    score_new = (_unit_of("NEW.sheet_id"), "NEW.indicator_id")
    score_old = (_unit_of("OLD.sheet_id"), "OLD.indicator_id")
    visit_units = "(SELECT unit_id FROM score_sheet WHERE visit_id = OLD.id)"  # a visit's sheets' units
    return [
        trigger(SQLITE_TRIGGERS[0], "INSERT ON sheet_score", _counted_sheet(dialect, "NEW.sheet_id"),
                _refresh(dialect, *score_new)),
        trigger(SQLITE_TRIGGERS[1], "UPDATE OF points, sheet_id, indicator_id ON sheet_score",
                f"{_counted_sheet(dialect, 'OLD.sheet_id')} OR {_counted_sheet(dialect, 'NEW.sheet_id')}",
                _refresh(dialect, *score_old), _refresh(dialect, *score_new)),
        trigger(SQLITE_TRIGGERS[2], "DELETE ON sheet_score", _counted_sheet(dialect, "OLD.sheet_id"),
                _refresh(dialect, *score_old)),
        trigger(SQLITE_TRIGGERS[3], "UPDATE OF submitted_at, visit_id, unit_id, campaign_id ON score_sheet",
                _sheet_moved("IS NOT"), _refresh(dialect, "OLD.unit_id"), _refresh(dialect, "NEW.unit_id")),
        trigger(SQLITE_TRIGGERS[4], "DELETE ON score_sheet", "OLD.submitted_at IS NOT NULL",
                _refresh(dialect, "OLD.unit_id")),
        trigger(SQLITE_TRIGGERS[5], "UPDATE OF signed_at ON visit", "OLD.signed_at IS NOT NEW.signed_at",
                _refresh(dialect, visit_units, units=True)),
        trigger(SQLITE_TRIGGERS[6], "DELETE ON visit", "OLD.signed_at IS NOT NULL",
                _refresh(dialect, visit_units, units=True)),
    ]  # fmt: skip


_PG_ON_SCORE = """CREATE OR REPLACE FUNCTION leaf_total_on_score() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM leaf_total_on_mark(OLD.sheet_id, OLD.indicator_id);
  END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM leaf_total_on_mark(NEW.sheet_id, NEW.indicator_id);
  ELSIF TG_OP = 'UPDATE' THEN
    IF (NEW.sheet_id, NEW.indicator_id) IS DISTINCT FROM (OLD.sheet_id, OLD.indicator_id) THEN
      PERFORM leaf_total_on_mark(NEW.sheet_id, NEW.indicator_id);
    END IF;
  END IF;
  RETURN NULL;
END $$"""

# The unit's lock comes before the question "is the sheet counted?", so that the answer is read after
# any other transaction on that unit has committed: a mark written on a draft sheet while another
# transaction submits that sheet is counted, whichever commits first.
_PG_ON_MARK = """CREATE OR REPLACE FUNCTION leaf_total_on_mark(sheet_key integer, indicator_key integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  unit_key integer;
BEGIN
  SELECT unit_id INTO unit_key FROM score_sheet WHERE id = sheet_key;
  IF unit_key IS NULL THEN RETURN; END IF;  -- the sheet is gone: its own trigger recounts the unit
  PERFORM leaf_total_lock(unit_key);
  IF leaf_total_counted(sheet_key) THEN
    PERFORM leaf_total_refresh(unit_key, indicator_key);
  END IF;
END $$"""

# A visit's sheets are counted under their own unit (``score_sheet.unit_id``, the visit's unit when
# the services make them): recount every unit its sheets name.
_PG_ON_VISIT = """CREATE OR REPLACE FUNCTION leaf_total_on_visit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  unit_key integer;
BEGIN
  FOR unit_key IN SELECT DISTINCT unit_id FROM score_sheet WHERE visit_id = OLD.id ORDER BY unit_id LOOP
    PERFORM leaf_total_refresh(unit_key, NULL);
  END LOOP;
  RETURN NULL;
END $$"""

_PG_ON_UNIT = """CREATE OR REPLACE FUNCTION leaf_total_on_unit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM leaf_total_refresh(OLD.unit_id, NULL);
  IF TG_OP = 'UPDATE' THEN
    IF NEW.unit_id <> OLD.unit_id THEN PERFORM leaf_total_refresh(NEW.unit_id, NULL); END IF;
  END IF;
  RETURN NULL;
END $$"""


def _pg_functions(dialect: sa.Dialect) -> list[str]:
    unit_only = "\n".join(s + ";" for s in _refresh(dialect, "unit_key"))
    one_leaf = "\n".join(s + ";" for s in _refresh(dialect, "unit_key", "indicator_key"))
    return [
        f"""CREATE OR REPLACE FUNCTION leaf_total_lock(unit_key integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock({LOCK_CLASS}, campaign_id) FROM unit WHERE id = unit_key;
END $$""",
        f"""CREATE OR REPLACE FUNCTION leaf_total_counted(sheet_key integer) RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT {_counted_sheet(dialect, "sheet_key")} $$""",
        f"""CREATE OR REPLACE FUNCTION leaf_total_refresh(unit_key integer, indicator_key integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF unit_key IS NULL THEN RETURN; END IF;
  PERFORM leaf_total_lock(unit_key);
  IF indicator_key IS NULL THEN
{unit_only}
  ELSE
{one_leaf}
  END IF;
END $$""",
        _PG_ON_MARK,
        _PG_ON_SCORE,
        _PG_ON_UNIT,
        _PG_ON_VISIT,
    ]


def _postgresql(dialect: sa.Dialect) -> list[str]:
    def trigger(name: str, event: str, when: str | None, function: str) -> list[str]:
        table = PG_TRIGGERS[name]
        return [
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON {table} DEFERRABLE INITIALLY DEFERRED"
            f" FOR EACH ROW" + (f" WHEN ({when})" if when else "") + f" EXECUTE FUNCTION {function}()",
        ]

    names = list(PG_TRIGGERS)
    return [
        *_pg_functions(dialect),
        *trigger(names[0], "INSERT OR UPDATE OF points, sheet_id, indicator_id OR DELETE", None, "leaf_total_on_score"),
        *trigger(names[1], "UPDATE OF submitted_at, visit_id, unit_id, campaign_id", _sheet_moved("IS DISTINCT FROM"),
                 "leaf_total_on_unit"),
        *trigger(names[2], "DELETE", "OLD.submitted_at IS NOT NULL", "leaf_total_on_unit"),
        *trigger(names[3], "UPDATE OF signed_at", "OLD.signed_at IS DISTINCT FROM NEW.signed_at", "leaf_total_on_visit"),
        *trigger(names[4], "DELETE", "OLD.signed_at IS NOT NULL", "leaf_total_on_visit"),
    ]  # fmt: skip


def install_statements(dialect: sa.Dialect) -> list[str]:
    """The DDL of the triggers (and, on PostgreSQL, their functions) for *dialect*; idempotent."""
    return _postgresql(dialect) if dialect.name == "postgresql" else _sqlite(dialect)


def drop_statements(dialect: sa.Dialect) -> list[str]:
    if dialect.name == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {n} ON {t}" for n, t in PG_TRIGGERS.items()] + [
            f"DROP FUNCTION IF EXISTS {f}" for f in (
                "leaf_total_on_score()", "leaf_total_on_unit()", "leaf_total_on_visit()",
                "leaf_total_on_mark(integer, integer)", "leaf_total_refresh(integer, integer)",
                "leaf_total_lock(integer)",
                "leaf_total_counted(integer)")
        ]  # fmt: skip
    return [f"DROP TRIGGER IF EXISTS {n}" for n in SQLITE_TRIGGERS]


def install(conn: sa.Connection) -> None:
    """Create the triggers (idempotent: ``db.create_all`` runs it after creating the tables)."""
    for statement in install_statements(conn.dialect):
        conn.exec_driver_sql(statement)


@sa.event.listens_for(db.metadata, "after_create")
def _install_after_create(_metadata: sa.MetaData, connection: sa.Connection, **kw: object) -> None:
    """``db.create_all`` (tests, a fresh embedded database) gets the triggers when it makes the table;
    a migrated database gets them from its migration."""
    created: list[sa.Table] = kw.get("tables") or []  # type: ignore[assignment]
    if LeafTotal.__table__ in created:
        install(connection)


def settle(conn: sa.Connection) -> None:
    """On PostgreSQL, run the recomputations this transaction has deferred to its commit, so that it
    reads its own changes (a no-op when none is pending, and on SQLite)."""
    if conn.dialect.name == "postgresql":
        names = ", ".join(PG_TRIGGERS)
        conn.exec_driver_sql(f"SET CONSTRAINTS {names} IMMEDIATE")  # runs what is pending now
        conn.exec_driver_sql(f"SET CONSTRAINTS {names} DEFERRED")  # later changes wait for the commit again
