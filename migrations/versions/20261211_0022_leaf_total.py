"""leaf_total: the counted marks per unit and leaf, kept by the database

The 综合测评 read 108,000 marks and aggregated them into 18,000 groups on every view; the database now
keeps those figures (count, sum, lowest, highest in millionths of a point) in ``leaf_total``, updated
by triggers whenever a unit's counted marks change (evalflow/review/leaf_totals.py says which changes
and how PostgreSQL serialises them).

- upgrade: the table, the triggers (and on PostgreSQL their functions), then the figures of every
  counted mark already stored;
- downgrade: the triggers and functions, then the table (nothing else reads it).

The SQL below is frozen: it is what evalflow/review/leaf_totals.py generated when this migration was
written (from the query that recounts the marks), so that this migration does the same whatever the
code becomes. tests/integration/test_migration_leaf_total.py checks that a database migrated to head
has the same triggers and functions as one made by ``db.create_all`` from today's code: a change to
leaf_totals.py needs a new migration, and a later migration that rebuilds one of the three tables on
SQLite (``batch_alter_table``), which drops its triggers, must create them again.

Revision ID: 0022_leaf_total
Revises: 0021_composite_rule
Create Date: 2026-12-11

"""

import sqlalchemy as sa
from alembic import op

revision = "0022_leaf_total"
down_revision = "0021_composite_rule"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "leaf_total",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("marks", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("low", sa.BigInteger(), nullable=False),
        sa.Column("high", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("marks > 0", name=op.f("ck_leaf_total_marks_positive")),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_leaf_total_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicator.id"],
            name=op.f("fk_leaf_total_indicator_id_indicator"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_leaf_total_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("unit_id", "indicator_id", name=op.f("pk_leaf_total")),
    )
    with op.batch_alter_table("leaf_total", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leaf_total_campaign_id"), ["campaign_id"], unique=False)
    conn = op.get_bind()
    sql = SQL["postgresql" if conn.dialect.name == "postgresql" else "sqlite"]
    for statement in sql["install"] + sql["backfill"]:
        conn.exec_driver_sql(statement)


def downgrade():
    conn = op.get_bind()
    for statement in SQL["postgresql" if conn.dialect.name == "postgresql" else "sqlite"]["drop"]:
        conn.exec_driver_sql(statement)
    with op.batch_alter_table("leaf_total", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_leaf_total_campaign_id"))
    op.drop_table("leaf_total")


# fmt: off
SQL = {
    "sqlite": {
        "install": [
            """CREATE TRIGGER IF NOT EXISTS leaf_total_score_new AFTER INSERT ON sheet_score WHEN EXISTS (SELECT 1 AS anon_1
FROM score_sheet LEFT OUTER JOIN visit ON visit.id = score_sheet.visit_id
WHERE score_sheet.id = NEW.sheet_id AND score_sheet.submitted_at IS NOT NULL AND (score_sheet.visit_id IS NULL OR visit.signed_at IS NOT NULL)) BEGIN DELETE FROM leaf_total WHERE unit_id = (SELECT unit_id FROM score_sheet WHERE id = NEW.sheet_id) AND indicator_id = NEW.indicator_id; INSERT INTO leaf_total (campaign_id, unit_id, indicator_id, marks, total, low, high) SELECT unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id, count(*) AS count_1, sum(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS sum_1, min(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS min_1, max(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS max_1
FROM sheet_score JOIN score_sheet ON score_sheet.id = sheet_score.sheet_id JOIN unit ON unit.id = score_sheet.unit_id AND unit.campaign_id = score_sheet.campaign_id LEFT OUTER JOIN visit ON visit.id = score_sheet.visit_id
WHERE score_sheet.submitted_at IS NOT NULL AND (score_sheet.visit_id IS NULL OR visit.signed_at IS NOT NULL) AND sheet_score.points IS NOT NULL AND score_sheet.unit_id = (SELECT unit_id FROM score_sheet WHERE id = NEW.sheet_id) AND sheet_score.indicator_id = NEW.indicator_id GROUP BY unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id; END""",
            """CREATE TRIGGER IF NOT EXISTS leaf_total_score_changed AFTER UPDATE OF points, sheet_id, indicator_id ON sheet_score WHEN EXISTS (SELECT 1 AS anon_1
FROM score_sheet LEFT OUTER JOIN visit ON visit.id = score_sheet.visit_id
WHERE score_sheet.id = OLD.sheet_id AND score_sheet.submitted_at IS NOT NULL AND (score_sheet.visit_id IS NULL OR visit.signed_at IS NOT NULL)) OR EXISTS (SELECT 1 AS anon_1
FROM score_sheet LEFT OUTER JOIN visit ON visit.id = score_sheet.visit_id
WHERE score_sheet.id = NEW.sheet_id AND score_sheet.submitted_at IS NOT NULL AND (score_sheet.visit_id IS NULL OR visit.signed_at IS NOT NULL)) BEGIN DELETE FROM leaf_total WHERE unit_id = (SELECT unit_id FROM score_sheet WHERE id = OLD.sheet_id) AND indicator_id = OLD.indicator_id; INSERT INTO leaf_total (campaign_id, unit_id, indicator_id, marks, total, low, high) SELECT unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id, count(*) AS count_1, sum(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS sum_1, min(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS min_1, max(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS max_1
FROM sheet_score JOIN score_sheet ON score_sheet.id = sheet_score.sheet_id JOIN unit ON unit.id = score_sheet.unit_id AND unit.campaign_id = score_sheet.campaign_id LEFT OUTER JOIN visit ON visit.id = score_sheet.visit_id
WHERE score_sheet.submitted_at IS NOT NULL AND (score_sheet.visit_id IS NULL OR visit.signed_at IS NOT NULL) AND sheet_score.points IS NOT NULL AND score_sheet.unit_id = (SELECT unit_id FROM score_sheet WHERE id = OLD.sheet_id) AND sheet_score.indicator_id = OLD.indicator_id GROUP BY unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id; DELETE FROM leaf_total WHERE unit_id = (SELECT unit_id FROM score_sheet WHERE id = NEW.sheet_id) AND indicator_id = NEW.indicator_id; INSERT INTO leaf_total (campaign_id, unit_id, indicator_id, marks, total, low, high) SELECT unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id, count(*) AS count_1, sum(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS sum_1, min(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS min_1, max(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS max_1
FROM sheet_score JOIN score_sheet ON score_sheet.id = sheet_score.sheet_id JOIN unit ON unit.id = score_sheet.unit_id AND unit.campaign_id = score_sheet.campaign_id LEFT OUTER JOIN visit ON visit.id = score_sheet.visit_id
WHERE score_sheet.submitted_at IS NOT NULL AND (score_sheet.visit_id IS NULL OR visit.signed_at IS NOT NULL) AND sheet_score.points IS NOT NULL AND score_sheet.unit_id = (SELECT unit_id FROM score_sheet WHERE id = NEW.sheet_id) AND sheet_score.indicator_id = NEW.indicator_id GROUP BY unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id; END""",
            """CREATE TRIGGER IF NOT EXISTS leaf_total_score_gone AFTER DELETE ON sheet_score WHEN EXISTS (SELECT 1 AS anon_1
FROM score_sheet LEFT OUTER JOIN visit ON visit.id = score_sheet.visit_id
WHERE score_sheet.id = OLD.sheet_id AND score_sheet.submitted_at IS NOT NULL AND (score_sheet.visit_id IS NULL OR visit.signed_at IS NOT NULL)) BEGIN DELETE FROM leaf_total WHERE unit_id = (SELECT unit_id FROM score_sheet WHERE id = OLD.sheet_id) AND indicator_id = OLD.indicator_id; INSERT INTO leaf_total (campaign_id, unit_id, indicator_id, marks, total, low, high) SELECT unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id, count(*) AS count_1, sum(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS sum_1, min(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS min_1, max(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS max_1
FROM sheet_score JOIN score_sheet ON score_sheet.id = sheet_score.sheet_id JOIN unit ON unit.id = score_sheet.unit_id AND unit.campaign_id = score_sheet.campaign_id LEFT OUTER JOIN visit ON visit.id = score_sheet.visit_id
WHERE score_sheet.submitted_at IS NOT NULL AND (score_sheet.visit_id IS NULL OR visit.signed_at IS NOT NULL) AND sheet_score.points IS NOT NULL AND score_sheet.unit_id = (SELECT unit_id FROM score_sheet WHERE id = OLD.sheet_id) AND sheet_score.indicator_id = OLD.indicator_id GROUP BY unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id; END""",
            """CREATE TRIGGER IF NOT EXISTS leaf_total_sheet_changed AFTER UPDATE OF submitted_at, visit_id, unit_id, campaign_id ON score_sheet WHEN OLD.submitted_at IS NOT NEW.submitted_at OR OLD.visit_id IS NOT NEW.visit_id OR OLD.unit_id <> NEW.unit_id OR OLD.campaign_id <> NEW.campaign_id BEGIN DELETE FROM leaf_total WHERE unit_id = OLD.unit_id; INSERT INTO leaf_total (campaign_id, unit_id, indicator_id, marks, total, low, high) SELECT unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id, count(*) AS count_1, sum(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS sum_1, min(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS min_1, max(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS max_1
FROM sheet_score JOIN score_sheet ON score_sheet.id = sheet_score.sheet_id JOIN unit ON unit.id = score_sheet.unit_id AND unit.campaign_id = score_sheet.campaign_id LEFT OUTER JOIN visit ON visit.id = score_sheet.visit_id
WHERE score_sheet.submitted_at IS NOT NULL AND (score_sheet.visit_id IS NULL OR visit.signed_at IS NOT NULL) AND sheet_score.points IS NOT NULL AND score_sheet.unit_id = OLD.unit_id GROUP BY unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id; DELETE FROM leaf_total WHERE unit_id = NEW.unit_id; INSERT INTO leaf_total (campaign_id, unit_id, indicator_id, marks, total, low, high) SELECT unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id, count(*) AS count_1, sum(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS sum_1, min(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS min_1, max(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS max_1
FROM sheet_score JOIN score_sheet ON score_sheet.id = sheet_score.sheet_id JOIN unit ON unit.id = score_sheet.unit_id AND unit.campaign_id = score_sheet.campaign_id LEFT OUTER JOIN visit ON visit.id = score_sheet.visit_id
WHERE score_sheet.submitted_at IS NOT NULL AND (score_sheet.visit_id IS NULL OR visit.signed_at IS NOT NULL) AND sheet_score.points IS NOT NULL AND score_sheet.unit_id = NEW.unit_id GROUP BY unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id; END""",
            """CREATE TRIGGER IF NOT EXISTS leaf_total_sheet_gone AFTER DELETE ON score_sheet WHEN OLD.submitted_at IS NOT NULL BEGIN DELETE FROM leaf_total WHERE unit_id = OLD.unit_id; INSERT INTO leaf_total (campaign_id, unit_id, indicator_id, marks, total, low, high) SELECT unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id, count(*) AS count_1, sum(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS sum_1, min(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS min_1, max(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS max_1
FROM sheet_score JOIN score_sheet ON score_sheet.id = sheet_score.sheet_id JOIN unit ON unit.id = score_sheet.unit_id AND unit.campaign_id = score_sheet.campaign_id LEFT OUTER JOIN visit ON visit.id = score_sheet.visit_id
WHERE score_sheet.submitted_at IS NOT NULL AND (score_sheet.visit_id IS NULL OR visit.signed_at IS NOT NULL) AND sheet_score.points IS NOT NULL AND score_sheet.unit_id = OLD.unit_id GROUP BY unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id; END""",
            """CREATE TRIGGER IF NOT EXISTS leaf_total_visit_changed AFTER UPDATE OF signed_at ON visit WHEN OLD.signed_at IS NOT NEW.signed_at BEGIN DELETE FROM leaf_total WHERE unit_id IN (SELECT unit_id FROM score_sheet WHERE visit_id = OLD.id); INSERT INTO leaf_total (campaign_id, unit_id, indicator_id, marks, total, low, high) SELECT unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id, count(*) AS count_1, sum(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS sum_1, min(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS min_1, max(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS max_1
FROM sheet_score JOIN score_sheet ON score_sheet.id = sheet_score.sheet_id JOIN unit ON unit.id = score_sheet.unit_id AND unit.campaign_id = score_sheet.campaign_id LEFT OUTER JOIN visit ON visit.id = score_sheet.visit_id
WHERE score_sheet.submitted_at IS NOT NULL AND (score_sheet.visit_id IS NULL OR visit.signed_at IS NOT NULL) AND sheet_score.points IS NOT NULL AND score_sheet.unit_id IN (SELECT unit_id FROM score_sheet WHERE visit_id = OLD.id) GROUP BY unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id; END""",
            """CREATE TRIGGER IF NOT EXISTS leaf_total_visit_gone AFTER DELETE ON visit WHEN OLD.signed_at IS NOT NULL BEGIN DELETE FROM leaf_total WHERE unit_id IN (SELECT unit_id FROM score_sheet WHERE visit_id = OLD.id); INSERT INTO leaf_total (campaign_id, unit_id, indicator_id, marks, total, low, high) SELECT unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id, count(*) AS count_1, sum(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS sum_1, min(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS min_1, max(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS max_1
FROM sheet_score JOIN score_sheet ON score_sheet.id = sheet_score.sheet_id JOIN unit ON unit.id = score_sheet.unit_id AND unit.campaign_id = score_sheet.campaign_id LEFT OUTER JOIN visit ON visit.id = score_sheet.visit_id
WHERE score_sheet.submitted_at IS NOT NULL AND (score_sheet.visit_id IS NULL OR visit.signed_at IS NOT NULL) AND sheet_score.points IS NOT NULL AND score_sheet.unit_id IN (SELECT unit_id FROM score_sheet WHERE visit_id = OLD.id) GROUP BY unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id; END""",
        ],
        "backfill": [
            """INSERT INTO leaf_total (campaign_id, unit_id, indicator_id, marks, total, low, high) SELECT unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id, count(*) AS count_1, sum(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS sum_1, min(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS min_1, max(CAST(round(sheet_score.points * 1000000) AS BIGINT)) AS max_1
FROM sheet_score JOIN score_sheet ON score_sheet.id = sheet_score.sheet_id JOIN unit ON unit.id = score_sheet.unit_id AND unit.campaign_id = score_sheet.campaign_id LEFT OUTER JOIN visit ON visit.id = score_sheet.visit_id
WHERE score_sheet.submitted_at IS NOT NULL AND (score_sheet.visit_id IS NULL OR visit.signed_at IS NOT NULL) AND sheet_score.points IS NOT NULL GROUP BY unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id""",
        ],
        "drop": [
            """DROP TRIGGER IF EXISTS leaf_total_score_new""",
            """DROP TRIGGER IF EXISTS leaf_total_score_changed""",
            """DROP TRIGGER IF EXISTS leaf_total_score_gone""",
            """DROP TRIGGER IF EXISTS leaf_total_sheet_changed""",
            """DROP TRIGGER IF EXISTS leaf_total_sheet_gone""",
            """DROP TRIGGER IF EXISTS leaf_total_visit_changed""",
            """DROP TRIGGER IF EXISTS leaf_total_visit_gone""",
        ],
    },
    "postgresql": {
        "install": [
            """CREATE OR REPLACE FUNCTION leaf_total_lock(unit_key integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(20261207, campaign_id) FROM unit WHERE id = unit_key;
END $$""",
            """CREATE OR REPLACE FUNCTION leaf_total_counted(sheet_key integer) RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT EXISTS (SELECT 1 AS anon_1
FROM score_sheet LEFT OUTER JOIN visit ON visit.id = score_sheet.visit_id
WHERE score_sheet.id = sheet_key AND score_sheet.submitted_at IS NOT NULL AND (score_sheet.visit_id IS NULL OR visit.signed_at IS NOT NULL)) $$""",
            """CREATE OR REPLACE FUNCTION leaf_total_refresh(unit_key integer, indicator_key integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF unit_key IS NULL THEN RETURN; END IF;
  PERFORM leaf_total_lock(unit_key);
  IF indicator_key IS NULL THEN
DELETE FROM leaf_total WHERE unit_id = unit_key;
INSERT INTO leaf_total (campaign_id, unit_id, indicator_id, marks, total, low, high) SELECT unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id, count(*) AS count_1, CAST(sum(sheet_score.points) * 1000000 AS BIGINT) AS anon_1, CAST(min(sheet_score.points) * 1000000 AS BIGINT) AS anon_2, CAST(max(sheet_score.points) * 1000000 AS BIGINT) AS anon_3
FROM sheet_score JOIN score_sheet ON score_sheet.id = sheet_score.sheet_id JOIN unit ON unit.id = score_sheet.unit_id AND unit.campaign_id = score_sheet.campaign_id LEFT OUTER JOIN visit ON visit.id = score_sheet.visit_id
WHERE score_sheet.submitted_at IS NOT NULL AND (score_sheet.visit_id IS NULL OR visit.signed_at IS NOT NULL) AND sheet_score.points IS NOT NULL AND score_sheet.unit_id = unit_key GROUP BY unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id;
  ELSE
DELETE FROM leaf_total WHERE unit_id = unit_key AND indicator_id = indicator_key;
INSERT INTO leaf_total (campaign_id, unit_id, indicator_id, marks, total, low, high) SELECT unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id, count(*) AS count_1, CAST(sum(sheet_score.points) * 1000000 AS BIGINT) AS anon_1, CAST(min(sheet_score.points) * 1000000 AS BIGINT) AS anon_2, CAST(max(sheet_score.points) * 1000000 AS BIGINT) AS anon_3
FROM sheet_score JOIN score_sheet ON score_sheet.id = sheet_score.sheet_id JOIN unit ON unit.id = score_sheet.unit_id AND unit.campaign_id = score_sheet.campaign_id LEFT OUTER JOIN visit ON visit.id = score_sheet.visit_id
WHERE score_sheet.submitted_at IS NOT NULL AND (score_sheet.visit_id IS NULL OR visit.signed_at IS NOT NULL) AND sheet_score.points IS NOT NULL AND score_sheet.unit_id = unit_key AND sheet_score.indicator_id = indicator_key GROUP BY unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id;
  END IF;
END $$""",
            """CREATE OR REPLACE FUNCTION leaf_total_on_mark(sheet_key integer, indicator_key integer)
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
END $$""",
            """CREATE OR REPLACE FUNCTION leaf_total_on_score() RETURNS trigger LANGUAGE plpgsql AS $$
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
END $$""",
            """CREATE OR REPLACE FUNCTION leaf_total_on_unit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM leaf_total_refresh(OLD.unit_id, NULL);
  IF TG_OP = 'UPDATE' THEN
    IF NEW.unit_id <> OLD.unit_id THEN PERFORM leaf_total_refresh(NEW.unit_id, NULL); END IF;
  END IF;
  RETURN NULL;
END $$""",
            """CREATE OR REPLACE FUNCTION leaf_total_on_visit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  unit_key integer;
BEGIN
  FOR unit_key IN SELECT DISTINCT unit_id FROM score_sheet WHERE visit_id = OLD.id ORDER BY unit_id LOOP
    PERFORM leaf_total_refresh(unit_key, NULL);
  END LOOP;
  RETURN NULL;
END $$""",
            """DROP TRIGGER IF EXISTS leaf_total_scores ON sheet_score""",
            """CREATE CONSTRAINT TRIGGER leaf_total_scores AFTER INSERT OR UPDATE OF points, sheet_id, indicator_id OR DELETE ON sheet_score DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION leaf_total_on_score()""",
            """DROP TRIGGER IF EXISTS leaf_total_sheets ON score_sheet""",
            """CREATE CONSTRAINT TRIGGER leaf_total_sheets AFTER UPDATE OF submitted_at, visit_id, unit_id, campaign_id ON score_sheet DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.submitted_at IS DISTINCT FROM NEW.submitted_at OR OLD.visit_id IS DISTINCT FROM NEW.visit_id OR OLD.unit_id <> NEW.unit_id OR OLD.campaign_id <> NEW.campaign_id) EXECUTE FUNCTION leaf_total_on_unit()""",
            """DROP TRIGGER IF EXISTS leaf_total_sheets_gone ON score_sheet""",
            """CREATE CONSTRAINT TRIGGER leaf_total_sheets_gone AFTER DELETE ON score_sheet DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.submitted_at IS NOT NULL) EXECUTE FUNCTION leaf_total_on_unit()""",
            """DROP TRIGGER IF EXISTS leaf_total_visits ON visit""",
            """CREATE CONSTRAINT TRIGGER leaf_total_visits AFTER UPDATE OF signed_at ON visit DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.signed_at IS DISTINCT FROM NEW.signed_at) EXECUTE FUNCTION leaf_total_on_visit()""",
            """DROP TRIGGER IF EXISTS leaf_total_visits_gone ON visit""",
            """CREATE CONSTRAINT TRIGGER leaf_total_visits_gone AFTER DELETE ON visit DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.signed_at IS NOT NULL) EXECUTE FUNCTION leaf_total_on_visit()""",
        ],
        "backfill": [
            """INSERT INTO leaf_total (campaign_id, unit_id, indicator_id, marks, total, low, high) SELECT unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id, count(*) AS count_1, CAST(sum(sheet_score.points) * 1000000 AS BIGINT) AS anon_1, CAST(min(sheet_score.points) * 1000000 AS BIGINT) AS anon_2, CAST(max(sheet_score.points) * 1000000 AS BIGINT) AS anon_3
FROM sheet_score JOIN score_sheet ON score_sheet.id = sheet_score.sheet_id JOIN unit ON unit.id = score_sheet.unit_id AND unit.campaign_id = score_sheet.campaign_id LEFT OUTER JOIN visit ON visit.id = score_sheet.visit_id
WHERE score_sheet.submitted_at IS NOT NULL AND (score_sheet.visit_id IS NULL OR visit.signed_at IS NOT NULL) AND sheet_score.points IS NOT NULL GROUP BY unit.campaign_id, score_sheet.unit_id, sheet_score.indicator_id""",
        ],
        "drop": [
            """DROP TRIGGER IF EXISTS leaf_total_scores ON sheet_score""",
            """DROP TRIGGER IF EXISTS leaf_total_sheets ON score_sheet""",
            """DROP TRIGGER IF EXISTS leaf_total_sheets_gone ON score_sheet""",
            """DROP TRIGGER IF EXISTS leaf_total_visits ON visit""",
            """DROP TRIGGER IF EXISTS leaf_total_visits_gone ON visit""",
            """DROP FUNCTION IF EXISTS leaf_total_on_score()""",
            """DROP FUNCTION IF EXISTS leaf_total_on_unit()""",
            """DROP FUNCTION IF EXISTS leaf_total_on_visit()""",
            """DROP FUNCTION IF EXISTS leaf_total_on_mark(integer, integer)""",
            """DROP FUNCTION IF EXISTS leaf_total_refresh(integer, integer)""",
            """DROP FUNCTION IF EXISTS leaf_total_lock(integer)""",
            """DROP FUNCTION IF EXISTS leaf_total_counted(integer)""",
        ],
    },
}
# fmt: on
