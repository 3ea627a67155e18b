"""The 综合测评 of a campaign: every unit's sources, bonus, deductions, total, rank and trace.

- :func:`composite` — the office's view (``Action.COMPOSITE_VIEW``: the office, from the briefing on,
  like the tally; reviewers, inspectors and units never see it);
- :func:`composite_of` — the same without the access check, for other services (the seal, the guard);
- :func:`incomplete` — in plain words, every source not complete (per method, the units concerned),
  unless the office closed it with a reason: what ``briefing → review`` lists in ``reasons``.

The arithmetic is the pure core's (:mod:`evalflow.assessment.composite`, exact fractions); the
sources are gathered by :mod:`.sources`, one query each for the whole campaign.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from evalflow.assessment.composite import Gap, UnitResult, compute
from evalflow.assessment.outcome import Verdict, qualify
from evalflow.assessment.rules import METHOD_LABELS, Method, Tree
from evalflow.review import sources
from evalflow.shared.access import Action, Actor
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import NotFound
from evalflow.shared.messages import N_, Message, msg
from evalflow.survey.results import opinion_gaps, sample_gaps


@dataclass(frozen=True)
class Composite:
    """A campaign's ranked composite with each unit's verdict (threshold, quota, veto)."""

    campaign: Campaign
    tree: Tree
    top_points: Decimal
    results: list[UnitResult]
    verdicts: dict[int, Verdict]
    closed: dict[Method, str]  # closed sources and the office's reason
    inputs: sources.Inputs  # what it was computed from (the seal digests it)

    def result(self, unit_id: int) -> UnitResult:
        """One unit's result, or 404."""
        for found in self.results:
            if found.unit_id == unit_id:
                return found
        raise NotFound()


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Run without the cyclic garbage collector: gathering and computing a campaign makes some
    100,000 small acyclic objects (marks, fractions), and each of the collector's passes they trigger
    walks the whole heap — about half the time of a large campaign (bench/README.md). Reference
    counting frees them all the same; the collector resumes after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def composite_of(
    campaign: Campaign, tree: Tree | None = None, marks: bool = False, unit_id: int | None = None
) -> Composite | None:
    """The composite of *campaign* (no access check); None when it has no tree. *marks*: read every
    single mark as well (of *unit_id* only, when given), for a trace or an export; the totals need
    only the marks aggregated (:func:`.sources.gather`)."""
    with no_cycle_collection():
        inputs = sources.gather(campaign, tree, marks, unit_id)
        if inputs is None:
            return None
        results = compute(inputs.tree, inputs.units, inputs.top_points, inputs.divergent)
    verdicts = qualify(results, inputs.tree.settings)
    closed = {m: row.reason for m, row in inputs.closed.items()}
    return Composite(campaign, inputs.tree, inputs.top_points, results, verdicts, closed, inputs)


def composite(actor: Actor, campaign: Campaign, marks: bool = False, unit_id: int | None = None) -> Composite:
    """The composite (the office, from the briefing on); 404 when the campaign has no tree.
    *marks*, *unit_id*: as :func:`composite_of`."""
    require(actor, Action.COMPOSITE_VIEW, campaign)
    found = composite_of(campaign, marks=marks, unit_id=unit_id)
    if found is None:
        raise NotFound(msg(N_("本次评选活动尚未设置测评体系。")))
    return found


# --- what is not complete, in plain words ----------------------------------------------------------

GAP_TEXT: dict[Gap, str] = {
    Gap.NO_SHEETS: N_("%(method)s:以下单位还没有已提交的评分表:%(units)s。"),
    Gap.DIVERGENT: N_("%(method)s:以下单位的评分分歧尚未处理(第三位评审或办公室裁定):%(units)s。"),
    Gap.NO_TALLY: N_("%(method)s:以下单位还没有互评得分:%(units)s。"),
    Gap.NO_SURVEY: N_("%(method)s:以下单位还没有问卷结果:%(units)s。"),
}
INSPECTION_NO_SHEETS = N_("%(method)s:以下单位还没有已签字的考察:%(units)s。")


def _names(names: Sequence[str]) -> str:
    return "、".join(names)


def _gap_lines(found: Composite) -> list[Message]:
    """Per method and gap, the units whose leaves keep the source incomplete."""
    by_gap: dict[tuple[Method, Gap], list[str]] = {}
    for result in sorted(found.results, key=lambda r: r.unit_id):
        for method, leaves in result.missing.items():
            for gap in dict.fromkeys(leaf.gap for leaf in leaves if leaf.gap is not None):
                by_gap.setdefault((method, gap), []).append(result.name)
    lines = []
    for method in Method:
        for gap in Gap:
            names = by_gap.get((method, gap))
            if not names:
                continue
            text = (
                INSPECTION_NO_SHEETS if (method, gap) == (Method.INSPECTION, Gap.NO_SHEETS) else GAP_TEXT[gap]
            )
            lines.append(msg(text, method=msg(METHOD_LABELS[method]), units=_names(names)))
    return lines


def _pending_lines(found: Composite) -> list[Message]:
    """Assigned reviewers' sheets not submitted and visits not signed (unless the source is closed)."""
    names = {r.unit_id: r.name for r in found.results}
    waiting = sources.pending(found.campaign.id, sorted(names))
    lines = []
    if (
        waiting.reviewers
        and Method.MATERIALS not in found.closed
        and found.tree.leaves(method=Method.MATERIALS)
    ):
        units = _names([f"{names[u]}({n})" for u, n in sorted(waiting.reviewers.items())])
        lines.append(msg(N_("材料审核:以下单位还有评审未提交评分表(份数):%(units)s。"), units=units))
    if (
        waiting.visits
        and Method.INSPECTION not in found.closed
        and found.tree.leaves(method=Method.INSPECTION)
    ):
        units = _names([f"{names[u]}({n})" for u, n in sorted(waiting.visits.items())])
        lines.append(msg(N_("实地考察:以下单位还有考察未经组长签字(次数):%(units)s。"), units=units))
    return lines


def _survey_lines(found: Composite) -> list[Message]:
    """Samples not reached (问卷调查) and departments that have not answered (征求意见), for a source
    that has leaves and is not closed."""
    lines: list[Message] = []
    for method, gaps in ((Method.SURVEY, sample_gaps), (Method.OPINIONS, opinion_gaps)):
        if method not in found.closed and found.tree.leaves(method=method):
            by_unit = gaps(found.campaign.id)
            lines.extend(line for unit_id in sorted(by_unit) for line in by_unit[unit_id])
    return lines


def incomplete(campaign: Campaign) -> list[Message]:
    """Every source not complete, in plain words (empty without a tree, or when all are complete
    or closed with a reason)."""
    found = composite_of(campaign)
    if found is None:
        return []
    return _gap_lines(found) + _pending_lines(found) + _survey_lines(found)
