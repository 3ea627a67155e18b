"""The 测评体系's tables: a campaign's assessment settings and indicator tree, the score sheets of
材料审核 (and, later, 实地考察 and 征求意见), reviewers assigned to units, the office's decisions on
divergent leaves, third-reviewer requests, and sources the office closed with a reason.

The constraints mirror :mod:`.rules` where a row can say it: enums are CHECK-constrained, points are
``Numeric`` (never float) and never negative, codes are unique per campaign, a sheet exists once per
scorer, unit and method (or once per scorer and visit), a decision and a closure carry their reason.
What needs the whole tree (a leaf's points bound a score, a parent's are its children's sum) is
checked by the use cases with :func:`.parse.parse_tree` before anything is written.

How 实地考察 attaches: a score sheet has a nullable ``visit_id`` (no foreign key yet); the inspection
tables add the visits and the key, and an inspection sheet is one per inspector and visit.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from evalflow.assessment.rules import DEFAULT_GAP_PERCENT, Kind, Method, Mode
from evalflow.extensions import db
from evalflow.shared.types import UTCDateTime, str_enum, utcnow

__all__ = [
    "AssessmentSettings",
    "DivergenceDecision",
    "Indicator",
    "ReviewerAssignment",
    "ReviewerConflict",
    "SheetScore",
    "SourceClosure",
    "ScoreSheet",
    "ThirdReview",
    "Weight",
    "CategoryLimit",
]

POINTS = sa.Numeric(9, 2)  # an item's points, a decision, a cap, a threshold: two decimals
MARK = sa.Numeric(12, 6)  # a sheet's points: a rubric grade is points (2 dp) × a share (4 dp)
PERCENT = sa.Numeric(5, 2)
SHEET_METHODS_SQL = "method IN ('materials', 'inspection', 'opinions')"


def _campaign_fk() -> Any:
    return mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True)


def _unit_fk() -> Any:
    return mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"), index=True)


class AssessmentSettings(db.Model):
    """A campaign's declared scoring rules (one row; its presence means the office set a tree)."""

    __tablename__ = "assessment_settings"

    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[Mode] = mapped_column(str_enum(Mode, "assessment_mode"), default=Mode.POINTS)
    bonus_cap: Mapped[Decimal | None] = mapped_column(POINTS)
    threshold: Mapped[Decimal | None] = mapped_column(POINTS)
    tie_break: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # keys, in order
    gap_percent: Mapped[Decimal] = mapped_column(PERCENT, default=DEFAULT_GAP_PERCENT)
    reviewers_per_unit: Mapped[int] = mapped_column(default=2, server_default="2")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint("bonus_cap IS NULL OR bonus_cap >= 0", name="bonus_cap_nonnegative"),
        sa.CheckConstraint("threshold IS NULL OR threshold >= 0", name="threshold_nonnegative"),
        sa.CheckConstraint("gap_percent > 0 AND gap_percent <= 100", name="gap_percent_range"),
        sa.CheckConstraint("reviewers_per_unit BETWEEN 2 AND 10", name="reviewers_per_unit_range"),
    )


class Weight(db.Model):
    """Mode ``weighted``: one method's weight in percent (the weights of a campaign sum to 100)."""

    __tablename__ = "assessment_weight"

    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assessment_settings.campaign_id", ondelete="CASCADE"), primary_key=True
    )
    method: Mapped[Method] = mapped_column(str_enum(Method, "weight_method"), primary_key=True)
    percent: Mapped[Decimal] = mapped_column(PERCENT)

    __table_args__ = (sa.CheckConstraint("percent > 0 AND percent <= 100", name="percent_range"),)


class CategoryLimit(db.Model):
    """A unit category's own threshold and quota (名额)."""

    __tablename__ = "assessment_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assessment_settings.campaign_id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(60))
    position: Mapped[int] = mapped_column()
    threshold: Mapped[Decimal | None] = mapped_column(POINTS)
    quota: Mapped[int | None] = mapped_column()

    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "name"),
        sa.CheckConstraint("threshold IS NULL OR threshold >= 0", name="threshold_nonnegative"),
        sa.CheckConstraint("quota IS NULL OR quota BETWEEN 1 AND 1000", name="quota_range"),
        sa.CheckConstraint("threshold IS NOT NULL OR quota IS NOT NULL", name="says_something"),
    )


class Indicator(db.Model):
    """One item of the tree. A leaf has a ``method``; a parent has none and its ``points`` are its
    children's sum. ``position`` is the item's place in the written order of the whole tree."""

    __tablename__ = "indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = _campaign_fk()
    code: Mapped[str] = mapped_column(sa.String(16))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("indicator.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column()
    position: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(100))
    criteria: Mapped[str] = mapped_column(sa.Text, default="")
    points: Mapped[Decimal] = mapped_column(POINTS)
    method: Mapped[Method | None] = mapped_column(str_enum(Method, "indicator_method"))
    kind: Mapped[Kind] = mapped_column(str_enum(Kind, "indicator_kind"), default=Kind.BASE)
    rubric: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))
    evidence: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "code"),
        sa.UniqueConstraint("campaign_id", "position"),
        sa.CheckConstraint("level BETWEEN 1 AND 3", name="level_range"),
        sa.CheckConstraint("(level = 1) = (parent_id IS NULL)", name="root_has_no_parent"),
        sa.CheckConstraint("points > 0", name="points_positive"),
        sa.CheckConstraint(
            "method IS NOT NULL OR (rubric IS NULL AND NOT evidence)", name="leaf_only_fields"
        ),
    )


class ScoreSheet(db.Model):
    """One scorer's sheet for one unit and one method (材料审核 now; 实地考察 adds ``visit_id``).
    ``submitted_at`` locks it."""

    __tablename__ = "score_sheet"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = _campaign_fk()
    unit_id: Mapped[int] = _unit_fk()
    method: Mapped[Method] = mapped_column(str_enum(Method, "sheet_method"))
    scorer_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(sa.Integer)  # the inspection issue adds its key
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint(SHEET_METHODS_SQL, name="scored_on_sheets"),
        sa.CheckConstraint("visit_id IS NULL OR method = 'inspection'", name="visit_is_inspection"),
        sa.Index(
            "uq_score_sheet_scorer",
            "unit_id",
            "method",
            "scorer_id",
            unique=True,
            sqlite_where=sa.text("visit_id IS NULL"),
            postgresql_where=sa.text("visit_id IS NULL"),
        ),
        sa.Index(
            "uq_score_sheet_visit",
            "visit_id",
            "scorer_id",
            unique=True,
            sqlite_where=sa.text("visit_id IS NOT NULL"),
            postgresql_where=sa.text("visit_id IS NOT NULL"),
        ),
    )


class SheetScore(db.Model):
    """A sheet's mark for one leaf: the points (or none yet, when only a comment was written), the
    rubric grade or the named deductions found that made them, and the scorer's comment."""

    __tablename__ = "sheet_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(sa.ForeignKey("score_sheet.id", ondelete="CASCADE"), index=True)
    # No ON DELETE: a tree whose leaves carry scores cannot be replaced (it is frozen).
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicator.id"), index=True)
    points: Mapped[Decimal | None] = mapped_column(MARK)
    grade: Mapped[str | None] = mapped_column(sa.String(50))
    found: Mapped[list[str] | None] = mapped_column(sa.JSON(none_as_null=True))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("sheet_id", "indicator_id"),
        sa.CheckConstraint("points IS NULL OR points >= 0", name="points_nonnegative"),
        sa.CheckConstraint("grade IS NULL OR found IS NULL", name="grade_or_found"),
    )


class ReviewerAssignment(db.Model):
    """A reviewer (材料审核) assigned to a unit of a campaign."""

    __tablename__ = "reviewer_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = _campaign_fk()
    unit_id: Mapped[int] = _unit_fk()
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("unit_id", "reviewer_id"),)


class ReviewerConflict(db.Model):
    """A conflict of interest a reviewer declared (or the office recorded) with a unit: never assigned."""

    __tablename__ = "reviewer_conflict"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = _campaign_fk()
    unit_id: Mapped[int] = _unit_fk()
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("unit_id", "reviewer_id"),)


class DivergenceDecision(db.Model):
    """The office's points for a divergent leaf of one unit, with its written reason."""

    __tablename__ = "divergence_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = _campaign_fk()
    unit_id: Mapped[int] = _unit_fk()
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicator.id"), index=True)
    points: Mapped[Decimal] = mapped_column(POINTS)
    reason: Mapped[str] = mapped_column(sa.Text)
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("unit_id", "indicator_id"),
        sa.CheckConstraint("points >= 0", name="points_nonnegative"),
        sa.CheckConstraint("length(reason) > 0", name="has_reason"),
    )


class ThirdReview(db.Model):
    """The office asked one more reviewer to score a unit because of a divergent leaf."""

    __tablename__ = "third_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = _campaign_fk()
    unit_id: Mapped[int] = _unit_fk()
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicator.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    requested_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("unit_id", "indicator_id"),)


class SourceClosure(db.Model):
    """The office closed a source (e.g. 问卷调查 not reached) with a reason: its leaves without a
    value count 0 and it no longer holds the campaign back (the ``briefing → review`` guard)."""

    __tablename__ = "source_closure"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = _campaign_fk()
    method: Mapped[Method] = mapped_column(str_enum(Method, "closure_method"))
    reason: Mapped[str] = mapped_column(sa.Text)
    closed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "method"),
        sa.CheckConstraint("length(reason) > 0", name="has_reason"),
    )
