"""The office sets a campaign's 测评体系: read it, replace it (from the API's JSON, the page, a workbook,
an earlier campaign's tree or one of the default trees), and the rule that freezes it.

Every way in ends in :func:`save_tree`, which requires ``indicators.edit`` (the office, from
``draft`` through ``briefing``), refuses a frozen tree with 409 ``frozen``, writes the rows
(:mod:`.tree_rows`) and records one audit entry saying where the tree came from.

**Frozen** once any source has a score (:func:`frozen_reasons`):

- any score sheet of the campaign holds a mark or a comment (a 材料审核 reviewer has begun; later
  实地考察 and 征求意见 sheets count the same way);
- the briefing has ballots and the stored tree or the new one has a 集中汇报互评 leaf (the peer
  grades would be weighed by rules written after they were given);
- from ``review`` on the action itself is closed (the tally's seal covers the composite).

A campaign without a tree keeps the briefing-only rules; a default tree is applied only when the
office asks for it.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from evalflow.assessment import defaults, workbook
from evalflow.assessment.models import AssessmentSettings, ScoreSheet, SheetScore
from evalflow.assessment.rules import Method, Tree
from evalflow.assessment.tree_rows import load_tree, write_tree
from evalflow.briefing.models import Ballot
from evalflow.extensions import db
from evalflow.shared.access import Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import Conflict, InvalidInput, NotFound
from evalflow.shared.messages import N_, Message, msg

DEFAULT_CATEGORIES = (defaults.COMMUNITY, defaults.PUBLIC_BODY, defaults.ENTERPRISE)
DEFAULT_LABELS = {
    defaults.COMMUNITY: N_("社区"),
    defaults.PUBLIC_BODY: N_("机关事业单位"),
    defaults.ENTERPRISE: N_("企业"),
}

# Sources whose scores freeze the tree, each a probe (campaign id, old tree, new tree) → reason or
# None. Later sources (the survey's answers, the inspection's sheets) add theirs here.
FreezeProbe = Callable[[int, "Tree | None", "Tree | None"], "Message | None"]
FREEZE_PROBES: list[FreezeProbe] = []


def _probe(fn: FreezeProbe) -> FreezeProbe:
    FREEZE_PROBES.append(fn)
    return fn


@_probe
def _sheet_scores(campaign_id: int, old: Tree | None, new: Tree | None) -> Message | None:
    stmt = (
        sa.select(SheetScore.id)
        .join(ScoreSheet, ScoreSheet.id == SheetScore.sheet_id)
        .where(ScoreSheet.campaign_id == campaign_id)
        .limit(1)
    )
    if db.session.scalar(stmt) is None:
        return None
    return msg(N_("已有评分表打分或填写意见。"))


def _has_briefing(tree: Tree | None) -> bool:
    return tree is not None and bool(tree.leaves(method=Method.BRIEFING))


@_probe
def _ballots(campaign_id: int, old: Tree | None, new: Tree | None) -> Message | None:
    if not (_has_briefing(old) or _has_briefing(new)):
        return None
    stmt = sa.select(Ballot.id).join(Unit, Unit.id == Ballot.unit_id).where(Unit.campaign_id == campaign_id)
    if db.session.scalar(stmt.limit(1)) is None:
        return None
    return msg(N_("集中汇报互评已有投票,而测评体系含集中汇报互评条目。"))


def frozen_reasons(campaign_id: int, old: Tree | None, new: Tree | None = None) -> list[Message]:
    """Why the tree can no longer change (empty: it can)."""
    return [reason for probe in FREEZE_PROBES if (reason := probe(campaign_id, old, new)) is not None]


def get_tree(actor: Actor, campaign: Campaign) -> Tree | None:
    require(actor, Action.INDICATORS_VIEW, campaign)
    return load_tree(campaign.id)


def save_tree(actor: Actor, campaign: Campaign, tree: Tree, source: str = "api") -> Tree:
    """Replace the campaign's tree with *tree* (already validated by ``parse_tree``)."""
    require(actor, Action.INDICATORS_EDIT, campaign)
    old = load_tree(campaign.id)
    reasons = frozen_reasons(campaign.id, old, tree)
    if reasons:
        raise Conflict(msg(N_("测评体系已开始使用,不能再修改。")), code="frozen", reasons=reasons)
    write_tree(campaign.id, tree)
    totals = tree.totals()
    audit.record(
        actor,
        "indicators.save",
        campaign_id=campaign.id,
        subject=("campaign", campaign.id),
        data={
            "source": source,
            "items": len(totals.items),
            "total": str(totals.total),
            "bonus_total": str(totals.bonus_total),
            "mode": tree.settings.mode.value,
        },
    )
    return tree


def import_workbook(actor: Actor, campaign: Campaign, content: bytes) -> Tree:
    """The tree of an uploaded workbook, saved; the permission is checked before the file is read."""
    require(actor, Action.INDICATORS_EDIT, campaign)
    return save_tree(actor, campaign, workbook.read_tree(content), source="xlsx")


def export_workbook(actor: Actor, campaign: Campaign) -> bytes:
    """The campaign's tree as a workbook (the empty template when it has none)."""
    return workbook.export_tree(get_tree(actor, campaign))


def copy_from(actor: Actor, campaign: Campaign, source_id: int) -> Tree:
    """Start from an earlier campaign's tree (its settings too); 404 when that one has none."""
    require(actor, Action.INDICATORS_EDIT, campaign)
    source = db.session.get(Campaign, source_id)
    tree = load_tree(source_id) if source is not None and source_id != campaign.id else None
    if tree is None:
        raise NotFound(msg(N_("所选评选活动没有测评体系。")))
    return save_tree(actor, campaign, tree, source=f"campaign:{source_id}")


def from_default(actor: Actor, campaign: Campaign, category: str) -> Tree:
    """Start from evalflow's default tree of a unit category (社区, 机关事业单位, 企业)."""
    require(actor, Action.INDICATORS_EDIT, campaign)
    if category not in DEFAULT_CATEGORIES:
        choices = "、".join(DEFAULT_CATEGORIES)
        raise InvalidInput(fields={"category": [msg(N_("默认测评体系只有:%(choices)s。"), choices=choices)]})
    return save_tree(actor, campaign, defaults.default_tree(category), source=f"default:{category}")


def trees_to_copy(actor: Actor, campaign: Campaign) -> list[Campaign]:
    """Other campaigns that have a tree, newest first (the page offers to start from one)."""
    require(actor, Action.INDICATORS_VIEW, campaign)
    stmt = (
        sa.select(Campaign)
        .join(AssessmentSettings, AssessmentSettings.campaign_id == Campaign.id)
        .where(Campaign.id != campaign.id)
        .order_by(Campaign.id.desc())
    )
    return list(db.session.scalars(stmt))
