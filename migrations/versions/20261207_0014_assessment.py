"""assessment: the 测评体系 (settings, indicator tree), score sheets, reviewers, divergences, closures

- ``user``: the roles ``reviewer`` and ``inspector`` may sign in (``login_role`` and the enum's CHECK
  widened) and ``affiliation_unit_id`` names the applicant unit such a person works for (never a
  unit they act for: that stays ``unit_id``, a unit's own login);
- ``assessment_settings`` (one row per campaign that has a tree: mode, bonus cap, threshold, tie-break
  order, divergence gap, reviewers per unit), ``assessment_weight`` and ``assessment_category``;
- ``indicator``: the tree's items (code unique per campaign, parent, level, position, points);
- ``score_sheet`` (one scorer's sheet for one unit and one method; ``visit_id`` without a key yet,
  for 实地考察) and ``sheet_score`` (its points per leaf);
- ``reviewer_assignment``, ``reviewer_conflict``, ``divergence_decision``, ``third_review`` and
  ``source_closure``.

The downgrade drops these tables and deletes reviewer and inspector accounts (their tokens go with
them). On PostgreSQL it fails when the append-only audit chain names such an account: that database
cannot go back without losing its history.

Revision ID: 0014_assessment
Revises: 0012
Create Date: 2026-12-07

"""

import sqlalchemy as sa
from alembic import op

revision = "0014_assessment"
down_revision = "0012"
branch_labels = None
depends_on = None

METHODS = ("materials", "inspection", "survey", "opinions", "briefing")
OLD_ROLES = ("office", "unit", "seat", "public")
NEW_ROLES = (*OLD_ROLES, "reviewer", "inspector")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def _now(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _fk(column: str, table: str, target: str, ondelete: str | None = "CASCADE") -> sa.ForeignKeyConstraint:
    ref = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{ref}"), ondelete=ondelete
    )


def _indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def _role_checks(roles: tuple[str, ...], logins: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{r}'" for r in roles)
    login = ", ".join(f"'{r}'" for r in logins)
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_user_role"), type_="check")
        batch_op.drop_constraint(op.f("ck_user_login_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_user_user_role"), f"role IN ({listed})")
        batch_op.create_check_constraint(op.f("ck_user_login_role"), f"role IN ({login})")


def _settings_tables() -> None:
    op.create_table(
        "assessment_settings",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("mode", _enum("assessment_mode", "points", "weighted"), nullable=False),
        sa.Column("bonus_cap", sa.Numeric(precision=9, scale=2), nullable=True),
        sa.Column("threshold", sa.Numeric(precision=9, scale=2), nullable=True),
        sa.Column("tie_break", sa.JSON(), nullable=False),
        sa.Column("gap_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("reviewers_per_unit", sa.Integer(), server_default="2", nullable=False),
        _now("updated_at"),
        sa.CheckConstraint(
            "bonus_cap IS NULL OR bonus_cap >= 0", name=op.f("ck_assessment_settings_bonus_cap_nonnegative")
        ),
        sa.CheckConstraint(
            "gap_percent > 0 AND gap_percent <= 100", name=op.f("ck_assessment_settings_gap_percent_range")
        ),
        sa.CheckConstraint(
            "reviewers_per_unit BETWEEN 2 AND 10",
            name=op.f("ck_assessment_settings_reviewers_per_unit_range"),
        ),
        sa.CheckConstraint(
            "threshold IS NULL OR threshold >= 0", name=op.f("ck_assessment_settings_threshold_nonnegative")
        ),
        _fk("campaign_id", "assessment_settings", "campaign.id"),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_assessment_settings")),
    )
    op.create_table(
        "assessment_weight",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("method", _enum("weight_method", *METHODS), nullable=False),
        sa.Column("percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.CheckConstraint("percent > 0 AND percent <= 100", name=op.f("ck_assessment_weight_percent_range")),
        _fk("campaign_id", "assessment_weight", "assessment_settings.campaign_id"),
        sa.PrimaryKeyConstraint("campaign_id", "method", name=op.f("pk_assessment_weight")),
    )
    op.create_table(
        "assessment_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Numeric(precision=9, scale=2), nullable=True),
        sa.Column("quota", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "quota IS NULL OR quota BETWEEN 1 AND 1000", name=op.f("ck_assessment_category_quota_range")
        ),
        sa.CheckConstraint(
            "threshold IS NOT NULL OR quota IS NOT NULL", name=op.f("ck_assessment_category_says_something")
        ),
        sa.CheckConstraint(
            "threshold IS NULL OR threshold >= 0", name=op.f("ck_assessment_category_threshold_nonnegative")
        ),
        _fk("campaign_id", "assessment_category", "assessment_settings.campaign_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_category")),
        sa.UniqueConstraint("campaign_id", "name", name=op.f("uq_assessment_category_campaign_id_name")),
    )
    _indexes("assessment_category", "campaign_id")


def _indicator_table() -> None:
    op.create_table(
        "indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("points", sa.Numeric(precision=9, scale=2), nullable=False),
        sa.Column("method", _enum("indicator_method", *METHODS), nullable=True),
        sa.Column("kind", _enum("indicator_kind", "base", "bonus", "deduction"), nullable=False),
        sa.Column("rubric", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("evidence", sa.Boolean(), nullable=False),
        sa.CheckConstraint("(level = 1) = (parent_id IS NULL)", name=op.f("ck_indicator_root_has_no_parent")),
        sa.CheckConstraint("level BETWEEN 1 AND 3", name=op.f("ck_indicator_level_range")),
        sa.CheckConstraint(
            "method IS NOT NULL OR (rubric IS NULL AND NOT evidence)",
            name=op.f("ck_indicator_leaf_only_fields"),
        ),
        sa.CheckConstraint("points > 0", name=op.f("ck_indicator_points_positive")),
        _fk("campaign_id", "indicator", "campaign.id"),
        _fk("parent_id", "indicator", "indicator.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator")),
        sa.UniqueConstraint("campaign_id", "code", name=op.f("uq_indicator_campaign_id_code")),
        sa.UniqueConstraint("campaign_id", "position", name=op.f("uq_indicator_campaign_id_position")),
    )
    _indexes("indicator", "campaign_id")


def _sheet_tables() -> None:
    op.create_table(
        "score_sheet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("method", _enum("sheet_method", *METHODS), nullable=False),
        sa.Column("scorer_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        _now("created_at"),
        _now("updated_at"),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "method IN ('materials', 'inspection', 'opinions')", name=op.f("ck_score_sheet_scored_on_sheets")
        ),
        sa.CheckConstraint(
            "visit_id IS NULL OR method = 'inspection'", name=op.f("ck_score_sheet_visit_is_inspection")
        ),
        _fk("campaign_id", "score_sheet", "campaign.id"),
        _fk("scorer_id", "score_sheet", "user.id", ondelete=None),
        _fk("unit_id", "score_sheet", "unit.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_sheet")),
    )
    _indexes("score_sheet", "campaign_id", "scorer_id", "unit_id")
    with op.batch_alter_table("score_sheet", schema=None) as batch_op:
        batch_op.create_index(
            "uq_score_sheet_scorer",
            ["unit_id", "method", "scorer_id"],
            unique=True,
            sqlite_where=sa.text("visit_id IS NULL"),
            postgresql_where=sa.text("visit_id IS NULL"),
        )
        batch_op.create_index(
            "uq_score_sheet_visit",
            ["visit_id", "scorer_id"],
            unique=True,
            sqlite_where=sa.text("visit_id IS NOT NULL"),
            postgresql_where=sa.text("visit_id IS NOT NULL"),
        )
    op.create_table(
        "sheet_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Numeric(precision=12, scale=6), nullable=True),
        sa.Column("grade", sa.String(length=50), nullable=True),
        sa.Column("found", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        _now("updated_at"),
        sa.CheckConstraint("grade IS NULL OR found IS NULL", name=op.f("ck_sheet_score_grade_or_found")),
        sa.CheckConstraint("points IS NULL OR points >= 0", name=op.f("ck_sheet_score_points_nonnegative")),
        _fk("indicator_id", "sheet_score", "indicator.id", ondelete=None),
        _fk("sheet_id", "sheet_score", "score_sheet.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sheet_score")),
        sa.UniqueConstraint("sheet_id", "indicator_id", name=op.f("uq_sheet_score_sheet_id_indicator_id")),
    )
    _indexes("sheet_score", "indicator_id", "sheet_id")


def _pair_table(name: str, *extra: sa.Column) -> None:
    """A reviewer and a unit of a campaign: an assignment or a declared conflict."""
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        *extra,
        _now("created_at"),
        _fk("campaign_id", name, "campaign.id"),
        _fk("reviewer_id", name, "user.id"),
        _fk("unit_id", name, "unit.id"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("unit_id", "reviewer_id", name=op.f(f"uq_{name}_unit_id_reviewer_id")),
    )
    _indexes(name, "campaign_id", "reviewer_id", "unit_id")


def _office_tables() -> None:
    op.create_table(
        "divergence_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Numeric(precision=9, scale=2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        _now("decided_at"),
        sa.CheckConstraint("length(reason) > 0", name=op.f("ck_divergence_decision_has_reason")),
        sa.CheckConstraint("points >= 0", name=op.f("ck_divergence_decision_points_nonnegative")),
        _fk("campaign_id", "divergence_decision", "campaign.id"),
        _fk("decided_by", "divergence_decision", "user.id", ondelete="SET NULL"),
        _fk("indicator_id", "divergence_decision", "indicator.id", ondelete=None),
        _fk("unit_id", "divergence_decision", "unit.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_divergence_decision")),
        sa.UniqueConstraint(
            "unit_id", "indicator_id", name=op.f("uq_divergence_decision_unit_id_indicator_id")
        ),
    )
    _indexes("divergence_decision", "campaign_id", "indicator_id", "unit_id")
    op.create_table(
        "third_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        _now("requested_at"),
        _fk("campaign_id", "third_review", "campaign.id"),
        _fk("indicator_id", "third_review", "indicator.id", ondelete=None),
        _fk("requested_by", "third_review", "user.id", ondelete="SET NULL"),
        _fk("reviewer_id", "third_review", "user.id"),
        _fk("unit_id", "third_review", "unit.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_third_review")),
        sa.UniqueConstraint("unit_id", "indicator_id", name=op.f("uq_third_review_unit_id_indicator_id")),
    )
    _indexes("third_review", "campaign_id", "indicator_id", "unit_id")
    op.create_table(
        "source_closure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("method", _enum("closure_method", *METHODS), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        _now("closed_at"),
        sa.CheckConstraint("length(reason) > 0", name=op.f("ck_source_closure_has_reason")),
        _fk("campaign_id", "source_closure", "campaign.id"),
        _fk("closed_by", "source_closure", "user.id", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_closure")),
        sa.UniqueConstraint("campaign_id", "method", name=op.f("uq_source_closure_campaign_id_method")),
    )
    _indexes("source_closure", "campaign_id")


def upgrade():
    _role_checks(NEW_ROLES, ("office", "unit", "reviewer", "inspector"))
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("affiliation_unit_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_user_affiliation_unit_id"), ["affiliation_unit_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_user_affiliation_unit_id_unit"),
            "unit",
            ["affiliation_unit_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_check_constraint(
            op.f("ck_user_affiliation_of_assessor"),
            "affiliation_unit_id IS NULL OR role IN ('reviewer', 'inspector')",
        )
    _settings_tables()
    _indicator_table()
    _sheet_tables()
    _pair_table("reviewer_assignment")
    _pair_table("reviewer_conflict", sa.Column("note", sa.String(length=200), nullable=False))
    _office_tables()


def downgrade():
    for table in (
        "source_closure",
        "third_review",
        "divergence_decision",
        "reviewer_conflict",
        "reviewer_assignment",
        "sheet_score",
        "score_sheet",
        "indicator",
        "assessment_category",
        "assessment_weight",
        "assessment_settings",
    ):
        op.drop_table(table)
    op.execute(
        "DELETE FROM api_token WHERE user_id IN (SELECT id FROM \"user\" WHERE role IN ('reviewer', 'inspector'))"
    )
    op.execute("DELETE FROM \"user\" WHERE role IN ('reviewer', 'inspector')")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_affiliation_of_assessor"), type_="check")
        batch_op.drop_constraint(op.f("fk_user_affiliation_unit_id_unit"), type_="foreignkey")
        batch_op.drop_index(op.f("ix_user_affiliation_unit_id"))
        batch_op.drop_column("affiliation_unit_id")
    _role_checks(OLD_ROLES, ("office", "unit"))
