"""The composite's rules in words: one sentence of formula for the results page, and one line per
leaf explaining how its value was made (the trace's words).

Everything is a :class:`~evalflow.shared.messages.Message`, so the sentence is translated when it is
shown; a variable number of parts is joined by nesting messages (``"%(head)s、%(tail)s"``), never by
joining rendered strings, so every part is translated too.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from evalflow.assessment import rules
from evalflow.assessment.composite import Basis, Gap, LeafResult
from evalflow.assessment.rules import Kind, Method, Mode, Tree
from evalflow.shared.messages import N_, Message, msg
from evalflow.tally.rules import display

LIST = N_("%(head)s、%(tail)s")
PLUS = N_("%(head)s + %(tail)s")
THEN = N_("%(head)s%(tail)s")
NUMBER = "%(p)s"  # a bare figure: nothing to translate, so not marked


def join(parts: Sequence[Message], template: str) -> Message:
    """One message of *parts* joined by *template* (a list, a sum, or plain concatenation)."""
    out = parts[0]
    for part in parts[1:]:
        out = msg(template, head=out, tail=part)
    return out


def shown(value: Fraction | Decimal | None) -> str:
    """A figure as the pages show it: 2 decimals, half up; a Decimal setting as written."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return str(value)
    return str(display(value))


def _sources(tree: Tree) -> Message:
    totals = tree.totals().methods
    parts = []
    for method in tree.methods():
        label = msg(method.label)
        if tree.settings.mode is Mode.WEIGHTED:
            weight = shown(tree.settings.weight(method))
            parts.append(msg(N_("%(method)s得分率 × %(weight)s%%"), method=label, weight=weight))
        else:
            parts.append(msg(N_("%(method)s得分(%(points)s 分)"), method=label, points=shown(totals[method])))
    return join(parts, PLUS)


def _extras(tree: Tree) -> list[Message]:
    parts: list[Message] = []
    cap = tree.settings.bonus_cap
    if tree.leaves(Kind.BONUS):
        if cap is None:
            parts.append(msg(N_(" + 特色加分")))
        else:
            parts.append(msg(N_(" + 特色加分(最多 %(cap)s 分)"), cap=shown(cap)))
    if tree.leaves(Kind.DEDUCTION):
        parts.append(msg(N_(" − 负面清单扣分")))
    if tree.settings.mode is Mode.WEIGHTED:
        parts.append(msg(N_("(得分率 = 该来源条目得分之和 ÷ 其分值之和)")))
    return parts


def _conversions(tree: Tree, top_points: Decimal) -> list[Message]:
    parts: list[Message] = []
    methods = {leaf.method for leaf in tree.leaves()}
    if Method.BRIEFING in methods:
        parts.append(msg(N_(";集中汇报互评条目得分 = 分值 × 互评得分 ÷ %(top)s"), top=shown(top_points)))
    if Method.SURVEY in methods:
        parts.append(msg(N_(";问卷调查条目得分 = 分值 × 满意率")))
    if methods & rules.SHEET_METHODS:
        parts.append(msg(N_(";其余条目取已提交评分表的平均分")))
    return parts


def _ties(tree: Tree) -> Message:
    keys = [msg(rules.TIE_LABELS[key]) for key in tree.settings.tie_break]
    if not keys:
        return msg(N_(";总分相同者名次并列"))
    return msg(N_(";总分相同时依次比较%(keys)s,仍相同者名次并列"), keys=join(keys, LIST))


def formula(tree: Tree, top_points: Decimal) -> Message:
    """The declared settings as one sentence, e.g. "总分 = 材料审核得分(50 分)+ … − 负面清单扣分;
    集中汇报互评条目得分 = 分值 × 互评得分 ÷ 100;…;总分相同者名次并列。"."""
    parts = [msg(N_("总分 = %(sources)s"), sources=_sources(tree))]
    parts += _extras(tree) + _conversions(tree, top_points) + [_ties(tree)]
    if tree.settings.threshold is not None:
        parts.append(msg(N_(";达标分数线 %(threshold)s 分"), threshold=shown(tree.settings.threshold)))
    return msg(N_("%(text)s。"), text=join(parts, THEN))


GAP_TEXT: dict[Gap, str] = {
    Gap.NO_SHEETS: N_("尚无已提交的评分表。"),
    Gap.NO_TALLY: N_("尚无互评得分。"),
    Gap.NO_SURVEY: N_("尚无问卷调查结果。"),
    Gap.DIVERGENT: N_("评审分差超过阈值,待第三位评审评分或文明办裁定。"),
}


def explain(leaf: LeafResult, top_points: Decimal) -> Message:
    """How *leaf*'s value was made, with its numbers (a line of the trace)."""
    points, value = shown(leaf.item.points), shown(leaf.value)
    if leaf.basis is Basis.MEAN:
        terms = join([msg(NUMBER, p=shown(m.points)) for m in leaf.marks], PLUS)
        text = msg(
            N_("%(n)d 份评分表的平均分:(%(terms)s)÷ %(n)d = %(value)s"),
            n=len(leaf.marks),
            terms=terms,
            value=value,
        )
    elif leaf.basis is Basis.DECISION:
        assert leaf.decision is not None
        text = msg(N_("文明办裁定 %(value)s 分,理由:%(reason)s"), value=value, reason=leaf.decision.reason)
    elif leaf.basis is Basis.TALLY:
        text = msg(
            N_("%(points)s × 互评得分 %(score)s ÷ %(top)s = %(value)s"),
            points=points, score=shown(leaf.factor), top=shown(top_points), value=value,
        )  # fmt: skip
    elif leaf.basis is Basis.SURVEY:
        rate = shown(None if leaf.factor is None else leaf.factor * 100)
        text = msg(N_("%(points)s × 满意率 %(rate)s%% = %(value)s"), points=points, rate=rate, value=value)
    elif leaf.item.kind is Kind.DEDUCTION:
        text = msg(N_("未发现问题,不扣分。"))
    elif leaf.gap is None:
        text = msg(N_("未获评分,计 0 分。"))
    else:
        text = msg(GAP_TEXT[leaf.gap])
    if leaf.gap is Gap.DIVERGENT:
        text = join([text, msg(N_(";")), msg(GAP_TEXT[Gap.DIVERGENT])], THEN)
    return text


def gap_text(gap: Gap) -> Message:
    """Why a leaf has no value yet, in words (the trace's pending marks)."""
    return msg(GAP_TEXT[gap])
