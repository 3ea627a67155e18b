"""The campaign state machine: phases, allowed moves, and the guard of every move.

A campaign moves forward ``draft → intake → training → briefing → review → notice → final``; the only
way back is ``notice → review`` (withdraw the notice to amend the list). :func:`blocking_reasons`
returns *every* unmet condition of a move, so the office sees the whole list at once.

The transition table is a plain mapping: seven states and one backward edge do not earn a
state-machine library, and a dict keeps the guards easy to read and to test exhaustively.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from evalflow.shared.errors import InvalidTransition, TransitionBlocked
from evalflow.shared.messages import N_, Message, msg

MAX_PHASE_NAME = 20  # the column's length: a longer name is no phase


class Phase(enum.StrEnum):
    DRAFT = "draft"
    INTAKE = "intake"
    TRAINING = "training"
    BRIEFING = "briefing"
    REVIEW = "review"
    NOTICE = "notice"
    FINAL = "final"

    @property
    def label(self) -> str:
        return PHASE_LABELS[self]


PHASE_LABELS: dict[Phase, str] = {
    Phase.DRAFT: N_("筹备"),
    Phase.INTAKE: N_("申报"),
    Phase.TRAINING: N_("集中培训"),
    Phase.BRIEFING: N_("集中汇报互评"),
    Phase.REVIEW: N_("综合评定"),
    Phase.NOTICE: N_("公示"),
    Phase.FINAL: N_("审定表彰"),
}

ORDER: tuple[Phase, ...] = tuple(Phase)

TRANSITIONS: dict[Phase, tuple[Phase, ...]] = {
    Phase.DRAFT: (Phase.INTAKE,),
    Phase.INTAKE: (Phase.TRAINING,),
    Phase.TRAINING: (Phase.BRIEFING,),
    Phase.BRIEFING: (Phase.REVIEW,),
    Phase.REVIEW: (Phase.NOTICE,),
    Phase.NOTICE: (Phase.FINAL, Phase.REVIEW),
    Phase.FINAL: (),
}

MIN_ACCEPTED_UNITS = 2


@dataclass(frozen=True)
class CampaignFacts:
    """Everything the guards need to know about a campaign, gathered by the service layer.

    Unit lists hold unit names so that a reason can say exactly who is missing.
    """

    title: str = ""
    scale_size: int = 3
    accepted_units: int = 0
    unreviewed_applications: int = 0
    untrained_units: tuple[str, ...] = ()
    unpresented_units: tuple[str, ...] = ()
    open_presentations: tuple[str, ...] = ()
    notice_units: int = 0
    notice_ends_on: date | None = None
    unresolved_objections: int = 0
    seal_broken: bool = False  # the ballots differ from those sealed at briefing → review
    # 综合测评 (review/door.py): each source not complete nor closed with a reason, in plain words
    incomplete_sources: tuple[Message, ...] = ()
    composite_seal_broken: bool = False  # a composite input differs from those sealed (review/door.py)
    today: date = field(default_factory=date.today)


Guard = Callable[[CampaignFacts], list[Message]]


def _names(units: tuple[str, ...]) -> str:
    return "、".join(units)


def _guard_draft_intake(f: CampaignFacts) -> list[Message]:
    reasons = []
    if not f.title.strip():
        reasons.append(msg(N_("评选活动还没有标题。")))
    if f.scale_size < 2:
        reasons.append(msg(N_("评定表至少需要两个档次。")))
    return reasons


def _guard_intake_training(f: CampaignFacts) -> list[Message]:
    reasons = []
    if f.accepted_units < MIN_ACCEPTED_UNITS:
        reasons.append(
            msg(
                N_("至少需要 %(min)d 个已通过审核的申报单位,目前只有 %(n)d 个。"),
                min=MIN_ACCEPTED_UNITS,
                n=f.accepted_units,
            )
        )
    if f.unreviewed_applications:
        reasons.append(msg(N_("还有 %(n)d 份已提交的申报材料未审核。"), n=f.unreviewed_applications))
    return reasons


def _guard_training_briefing(f: CampaignFacts) -> list[Message]:
    if f.untrained_units:
        return [
            msg(
                N_("以下 %(n)d 个单位尚未登记培训签到或请假:%(units)s。"),
                n=len(f.untrained_units),
                units=_names(f.untrained_units),
            )
        ]
    return []


def _guard_briefing_review(f: CampaignFacts) -> list[Message]:
    reasons = []
    if f.unpresented_units:
        reasons.append(
            msg(
                N_("以下单位尚未汇报:%(units)s。"),
                units=_names(f.unpresented_units),
            )
        )
    if f.open_presentations:
        reasons.append(msg(N_("以下单位的评分尚未结束:%(units)s。"), units=_names(f.open_presentations)))
    reasons.extend(f.incomplete_sources)
    return reasons


def _seals(f: CampaignFacts) -> list[Message]:
    reasons = [msg(SEAL_BROKEN)] if f.seal_broken else []
    return reasons + ([msg(COMPOSITE_SEAL_BROKEN)] if f.composite_seal_broken else [])


def _guard_review_notice(f: CampaignFacts) -> list[Message]:
    reasons = _seals(f)
    if f.notice_units < 1:
        reasons.append(msg(N_("还没有包含至少一个单位的公示名单。")))
    return reasons


def _guard_notice_final(f: CampaignFacts) -> list[Message]:
    reasons = _seals(f)
    if f.notice_ends_on is None:
        reasons.append(msg(N_("公示尚未发布。")))
    elif f.today <= f.notice_ends_on:
        reasons.append(msg(N_("公示期至 %(ends_on)s 结束,尚未期满。"), ends_on=f.notice_ends_on.isoformat()))
    if f.unresolved_objections:
        reasons.append(msg(N_("还有 %(n)d 件异议未处理完毕。"), n=f.unresolved_objections))
    return reasons


def _no_guard(_: CampaignFacts) -> list[Message]:
    return []


GUARDS: dict[tuple[Phase, Phase], Guard] = {
    (Phase.DRAFT, Phase.INTAKE): _guard_draft_intake,
    (Phase.INTAKE, Phase.TRAINING): _guard_intake_training,
    (Phase.TRAINING, Phase.BRIEFING): _guard_training_briefing,
    (Phase.BRIEFING, Phase.REVIEW): _guard_briefing_review,
    (Phase.REVIEW, Phase.NOTICE): _guard_review_notice,
    (Phase.NOTICE, Phase.FINAL): _guard_notice_final,
    (Phase.NOTICE, Phase.REVIEW): _no_guard,
}


def is_edge(current: Phase, target: Phase) -> bool:
    return target in TRANSITIONS[current]


def blocking_reasons(current: Phase, target: Phase, facts: CampaignFacts) -> list[Message]:
    """Every unmet condition for moving from *current* to *target* (empty when the move may happen).

    Raises :class:`InvalidTransition` when the move is not an edge of the machine at all.
    """
    if not is_edge(current, target):
        raise InvalidTransition(
            msg(
                N_("不能从“%(current)s”阶段变更到“%(target)s”阶段。"),
                current=msg(current.label),
                target=msg(target.label),
            )
        )
    return GUARDS[(current, target)](facts)


def check_transition(current: Phase, target: Phase, facts: CampaignFacts) -> None:
    """Raise unless the move is allowed; :class:`TransitionBlocked` lists every reason."""
    reasons = blocking_reasons(current, target, facts)
    if reasons:
        raise TransitionBlocked(reasons=reasons)


@dataclass(frozen=True)
class TransitionOption:
    target: Phase
    allowed: bool
    reasons: tuple[Message, ...]


def options(current: Phase, facts: CampaignFacts) -> list[TransitionOption]:
    """The moves out of *current*, each with whether it is allowed now and why not."""
    result = []
    for target in TRANSITIONS[current]:
        reasons = tuple(blocking_reasons(current, target, facts))
        result.append(TransitionOption(target, not reasons, reasons))
    return result


def parse_phase(value: object) -> Phase:
    try:
        return Phase(str(value))
    except ValueError:
        raise InvalidTransition(msg(N_("未知的阶段:%(value)s。"), value=str(value))) from None


# Why nothing is built on a tally whose seal is broken (the proposed list, the notice).
SEAL_BROKEN = N_(
    "选票在封存后被改动(当前选票与封存摘要不符),不能据此确定拟表彰对象或发布公示;请查明原因,将选票恢复为封存时的状态。"
)
COMPOSITE_SEAL_BROKEN = N_(
    "综合测评的数据在封存后被改动(评分表、裁定、关闭或设置与封存摘要不符),不能据此确定拟表彰对象或发布公示;请查明原因,恢复为封存时的状态。"
)
