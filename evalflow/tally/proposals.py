"""The proposed list (拟表彰对象): chosen by top-K (optionally per category), by score threshold, or
by hand, from the tally's ranking; vetoed units are left out automatically.

The *baseline* is what the rule gives: the best K eligible units (those tied with the K-th
included), those scoring at least the threshold, or — by hand — the best as many units as were
chosen. Every difference between the chosen list and the baseline (a unit skipped, a unit added
below the cut) is a deviation and needs the office's written reason; each is audited, so the
activity log shows it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.intake import veto
from evalflow.shared import bounds, clock
from evalflow.shared.access import Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import InvalidInput
from evalflow.shared.messages import N_, Message, msg
from evalflow.shared.text import text_problem
from evalflow.shared.upsert import insert
from evalflow.tally.models import ProposalRule, ProposedEntry, ProposedList
from evalflow.tally.rules import (
    MAX_DEVIATION_REASON,
    MAX_PROPOSAL_K,
    MAX_SCORE_THRESHOLD,
    UnitResult,
)
from evalflow.tally.seal_check import require_intact
from evalflow.tally.service import Tally, tally_of

MAX_REASON = MAX_DEVIATION_REASON


@dataclass(frozen=True)
class Choice:
    rule: ProposalRule
    k: int | None = None
    per_category: bool = False
    threshold: Decimal | None = None


@dataclass
class Proposal:
    choice: ProposedList | None
    entries: list[ProposedEntry]
    vetoed: set[int]
    tally: Tally

    @property
    def included(self) -> list[int]:
        return [e.unit_id for e in self.entries if e.included]


def _prefix_with_ties(ranked: Sequence[UnitResult], k: int) -> list[UnitResult]:
    """The first *k* of *ranked*, plus those sharing the rank of the k-th."""
    if k <= 0 or not ranked:
        return []
    cut = ranked[:k][-1].rank
    return [r for i, r in enumerate(ranked) if i < k or r.rank == cut]


def baseline(choice: Choice, eligible: Sequence[UnitResult], chosen: int = 0) -> list[UnitResult]:
    """What the rule selects from the *eligible* results (in rank order)."""
    if choice.rule is ProposalRule.THRESHOLD:
        limit = Fraction(choice.threshold or 0)
        return [r for r in eligible if r.score is not None and r.score >= limit]
    k = choice.k or 0 if choice.rule is ProposalRule.TOP_K else chosen
    if not choice.per_category:
        return _prefix_with_ties(eligible, k)
    groups: dict[str, list[UnitResult]] = {}
    for r in eligible:
        groups.setdefault(r.category, []).append(r)
    picked = {r.unit_id for group in groups.values() for r in _prefix_with_ties(group, k)}
    return [r for r in eligible if r.unit_id in picked]


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def parse_choice(data: Mapping[str, Any]) -> Choice:
    errors: dict[str, list[Message]] = {}
    try:
        rule = ProposalRule(str(data.get("rule")))
    except ValueError:
        raise InvalidInput(fields={"rule": [msg(N_("选择方式须为 top_k、threshold 或 manual。"))]}) from None
    if rule is ProposalRule.COMPOSITE:  # its baseline and checks are the composite's own
        raise InvalidInput(
            fields={"rule": [msg(N_("按综合测评确定名单,请在综合测评页面操作(POST …/composite/proposal)。"))]}
        )
    k = _int(data.get("k")) if data.get("k") not in (None, "") else None
    if rule is ProposalRule.TOP_K and (k is None or not 1 <= k <= MAX_PROPOSAL_K):
        errors["k"] = [msg(N_("请填写 1 到 %(max)d 之间的名额数。"), max=MAX_PROPOSAL_K)]
    threshold = None
    if rule is ProposalRule.THRESHOLD:
        try:
            threshold = Decimal(str(data.get("threshold")).strip())
            if not threshold.is_finite() or not 0 <= threshold <= MAX_SCORE_THRESHOLD:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors["threshold"] = [msg(N_("分数线须为 0 到 %(max)d 之间的数字。"), max=MAX_SCORE_THRESHOLD)]
    if errors:
        raise InvalidInput(fields=errors)
    per_category = bool(data.get("per_category")) and rule is not ProposalRule.MANUAL
    return Choice(rule, k if rule is ProposalRule.TOP_K else None, per_category, threshold)


def unit_ids_of(raw: object, known: set[int], vetoed: set[int], names: dict[int, str]) -> list[int]:
    if not isinstance(raw, list | tuple):
        raise InvalidInput(fields={"unit_ids": [msg(N_("请选择单位。"))]})
    ids, errors = [], []
    for value in raw:
        uid = bounds.parse_id(value)
        if uid is None or uid not in known:
            errors.append(msg(N_("单位 %(unit)s 不在本次评定中。"), unit=str(value)))
        elif uid in vetoed:
            errors.append(msg(N_("“%(name)s”被一票否决,不能列入拟表彰对象。"), name=names[uid]))
        elif uid not in ids:
            ids.append(uid)
    if errors:
        raise InvalidInput(fields={"unit_ids": errors})
    return ids


def reasons_of(raw: object) -> dict[int, str]:
    out: dict[int, str] = {}
    if isinstance(raw, Mapping):
        for key, value in raw.items():
            uid = bounds.parse_id(key)
            if uid is not None and isinstance(value, str) and value.strip():
                out[uid] = value.strip()
    return out


def propose(actor: Actor, campaign: Campaign, data: Mapping[str, Any]) -> Proposal:
    """Set the proposed list (office, in review). Body: ``rule``, ``k``, ``per_category``,
    ``threshold``, ``unit_ids`` (required by hand; otherwise the baseline), ``reasons``
    (``{unit_id: text}``, required for every deviation). Replaces the previous list; audited.
    Refused (409 ``seal_broken``) while the ballots differ from the sealed ones."""
    require(actor, Action.PROPOSAL_EDIT, campaign)
    choice = parse_choice(data)
    tally = tally_of(campaign, by_role=False)
    require_intact(tally.check)
    vetoed = veto.vetoed_unit_ids(campaign.id)
    names = {r.unit_id: r.name for r in tally.results}
    eligible = [r for r in tally.results if r.unit_id not in vetoed and r.score is not None]
    given = data.get("unit_ids")
    if choice.rule is ProposalRule.MANUAL or given is not None:
        chosen = unit_ids_of(given, set(names), vetoed, names)
        if not chosen:
            raise InvalidInput(fields={"unit_ids": [msg(N_("请至少选择一个单位。"))]})
    else:
        chosen = []
    base = [r.unit_id for r in baseline(choice, eligible, len(chosen))]
    if not chosen:
        chosen = base
    if not chosen:
        raise InvalidInput(fields={"unit_ids": [msg(N_("按此规则没有可列入的单位。"))]})
    order = [r.unit_id for r in tally.results]
    settle(actor, campaign, choice, order, chosen, base, reasons_of(data.get("reasons")), names)
    return get_proposal(actor, campaign, check=False, tally=tally)


def settle(
    actor: Actor, campaign: Campaign, choice: Choice, order: Sequence[int], chosen: list[int],
    base: list[int], reasons_given: Mapping[int, str], names: dict[int, str],
) -> None:  # fmt: skip
    """Store *chosen* as the proposed list against the rule's *base*: every unit added below the cut
    or skipped above it needs a written reason (400 otherwise); *order* is the ranking the list's
    positions follow. Replaces the previous list; audited. (The composite's list uses it too.)"""
    reasons = dict(reasons_given)
    added = [u for u in chosen if u not in base]
    skipped = [u for u in base if u not in chosen]
    _require_reasons(added, skipped, reasons, names)
    _store(campaign, choice, order, chosen, added, skipped, reasons)
    _audit(actor, campaign, choice, chosen, added, skipped, reasons)


def _require_reasons(
    added: list[int], skipped: list[int], reasons: dict[int, str], names: dict[int, str]
) -> None:
    errors = []
    for uid in added:
        if not reasons.get(uid):
            errors.append(msg(N_("“%(name)s”排在入选线以下,列入须写明理由。"), name=names[uid]))
    for uid in skipped:
        if not reasons.get(uid):
            errors.append(msg(N_("“%(name)s”按排名应当入选,不列入须写明理由。"), name=names[uid]))
    for uid in added + skipped:
        reason = reasons.get(uid, "")
        if len(reason) > MAX_REASON:
            errors.append(msg(N_("“%(name)s”的理由最多 %(max)d 个字。"), name=names[uid], max=MAX_REASON))
        elif reason and (problem := text_problem(reason, required=True)) is not None:
            errors.append(msg(N_("“%(name)s”的理由:%(problem)s"), name=names[uid], problem=problem))
    if errors:
        raise InvalidInput(msg(N_("偏离排名的每一处都须写明理由。")), fields={"reasons": errors})


def _store(
    campaign: Campaign, choice: Choice, ranking: Sequence[int], chosen: list[int], added: list[int],
    skipped: list[int], reasons: dict[int, str],
) -> None:  # fmt: skip
    values = {
        "rule": choice.rule, "k": choice.k, "per_category": choice.per_category,
        "threshold": choice.threshold, "updated_at": clock.now(),
    }  # fmt: skip
    stmt = insert(ProposedList).values(campaign_id=campaign.id, **values)
    db.session.execute(stmt.on_conflict_do_update(index_elements=[ProposedList.campaign_id], set_=values))
    db.session.execute(sa.delete(ProposedEntry).where(ProposedEntry.campaign_id == campaign.id))
    order = {u: i for i, u in enumerate(ranking)}
    rows = [
        {"campaign_id": campaign.id, "unit_id": u, "included": True, "position": order[u],
         "deviation": u in added, "reason": reasons.get(u, "") if u in added else ""}
        for u in chosen
    ] + [
        {"campaign_id": campaign.id, "unit_id": u, "included": False, "position": order[u],
         "deviation": True, "reason": reasons[u]}
        for u in skipped
    ]  # fmt: skip
    db.session.execute(sa.insert(ProposedEntry), rows)


def _audit(
    actor: Actor, campaign: Campaign, choice: Choice, chosen: list[int], added: list[int],
    skipped: list[int], reasons: dict[int, str],
) -> None:  # fmt: skip
    audit.record(
        actor, "proposal.set", campaign_id=campaign.id, subject=("campaign", campaign.id),
        data={"rule": choice.rule.value, "k": choice.k, "per_category": choice.per_category,
              "threshold": str(choice.threshold) if choice.threshold is not None else None,
              "unit_ids": chosen},
    )  # fmt: skip
    for uid in added:
        audit.record(actor, "proposal.add_below_cut", campaign_id=campaign.id, subject=("unit", uid),
                     to_state="included", reason=reasons[uid])  # fmt: skip
    for uid in skipped:
        audit.record(actor, "proposal.skip", campaign_id=campaign.id, subject=("unit", uid),
                     to_state="left_off", reason=reasons[uid])  # fmt: skip


def get_proposal(
    actor: Actor, campaign: Campaign, *, check: bool = True, tally: Tally | None = None
) -> Proposal:
    """The proposed list with its choice and entries; *tally* saves recomputing a tally at hand."""
    if check:
        require(actor, Action.TALLY_VIEW, campaign)
    choice = db.session.get(ProposedList, campaign.id, populate_existing=True)
    entries = list(
        db.session.scalars(
            sa.select(ProposedEntry)
            .where(ProposedEntry.campaign_id == campaign.id)
            .order_by(ProposedEntry.position, ProposedEntry.unit_id)
            .execution_options(populate_existing=True)
        )
    )
    return Proposal(
        choice, entries, veto.vetoed_unit_ids(campaign.id), tally or tally_of(campaign, by_role=False)
    )
