"""The campaign state machine: every edge, every guard, every blocking reason."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalflow.shared.errors import InvalidTransition, TransitionBlocked
from evalflow.shared.phases import (
    TRANSITIONS,
    CampaignFacts,
    Phase,
    blocking_reasons,
    check_transition,
    options,
    parse_phase,
)

READY = CampaignFacts(
    title="评选",
    accepted_units=3,
    notice_units=2,
    notice_ends_on=date(2026, 11, 6),
    today=date(2026, 11, 9),
)


def texts(reasons):
    return [str(r) for r in reasons]


@pytest.mark.parametrize(
    ("current", "target"),
    [(a, b) for a, targets in TRANSITIONS.items() for b in targets],
)
def test_transition_allowed_when_facts_ready(current, target):
    assert blocking_reasons(current, target, READY) == []


@pytest.mark.parametrize(
    ("current", "target"),
    [(a, b) for a in Phase for b in Phase if b not in TRANSITIONS[a]],
)
def test_transition_not_an_edge_is_invalid(current, target):
    with pytest.raises(InvalidTransition) as info:
        blocking_reasons(current, target, READY)
    assert info.value.code == "invalid_transition"
    assert info.value.status == 409


def test_machine_edges_are_exactly_the_contract():
    edges = {(a.value, b.value) for a, targets in TRANSITIONS.items() for b in targets}
    assert edges == {
        ("draft", "intake"),
        ("intake", "training"),
        ("training", "briefing"),
        ("briefing", "review"),
        ("review", "notice"),
        ("notice", "final"),
        ("notice", "review"),
    }


def test_draft_intake_blocked_without_title_and_with_one_grade():
    facts = CampaignFacts(title="  ", scale_size=1)
    assert texts(blocking_reasons(Phase.DRAFT, Phase.INTAKE, facts)) == [
        "评选活动还没有标题。",
        "评定表至少需要两个档次。",
    ]


def test_intake_training_blocked_lists_both_reasons():
    facts = CampaignFacts(accepted_units=1, unreviewed_applications=2)
    assert texts(blocking_reasons(Phase.INTAKE, Phase.TRAINING, facts)) == [
        "至少需要 2 个已通过审核的申报单位,目前只有 1 个。",
        "还有 2 份已提交的申报材料未审核。",
    ]


def test_intake_training_allowed_with_two_accepted_and_none_pending():
    facts = CampaignFacts(accepted_units=2, unreviewed_applications=0)
    assert blocking_reasons(Phase.INTAKE, Phase.TRAINING, facts) == []


def test_training_briefing_blocked_names_untrained_units():
    facts = CampaignFacts(untrained_units=("乌山社区", "五塔北街社区"))
    assert texts(blocking_reasons(Phase.TRAINING, Phase.BRIEFING, facts)) == [
        "以下 2 个单位尚未登记培训签到或请假:乌山社区、五塔北街社区。"
    ]


def test_briefing_review_blocked_by_unpresented_and_open_scoring():
    facts = CampaignFacts(unpresented_units=("乌山社区",), open_presentations=("五塔北街社区",))
    assert texts(blocking_reasons(Phase.BRIEFING, Phase.REVIEW, facts)) == [
        "以下单位尚未汇报:乌山社区。",
        "以下单位的评分尚未结束:五塔北街社区。",
    ]


def test_review_notice_blocked_without_notice():
    assert texts(blocking_reasons(Phase.REVIEW, Phase.NOTICE, CampaignFacts())) == [
        "还没有包含至少一个单位的公示名单。"
    ]


def test_notice_final_blocked_during_period_and_by_objections():
    facts = CampaignFacts(notice_ends_on=date(2022, 11, 4), today=date(2022, 11, 4), unresolved_objections=1)
    assert texts(blocking_reasons(Phase.NOTICE, Phase.FINAL, facts)) == [
        "公示期至 2022-11-04 结束,尚未期满。",
        "还有 1 件异议未处理完毕。",
    ]


def test_notice_final_allowed_day_after_period():
    facts = CampaignFacts(notice_ends_on=date(2022, 11, 4), today=date(2022, 11, 5))
    assert blocking_reasons(Phase.NOTICE, Phase.FINAL, facts) == []


def test_notice_final_blocked_without_published_notice():
    assert texts(blocking_reasons(Phase.NOTICE, Phase.FINAL, CampaignFacts())) == ["公示尚未发布。"]


def test_check_transition_raises_blocked_with_every_reason():
    with pytest.raises(TransitionBlocked) as info:
        check_transition(Phase.INTAKE, Phase.TRAINING, CampaignFacts(unreviewed_applications=1))
    assert info.value.code == "transition_blocked"
    assert len(info.value.reasons) == 2


def test_options_from_notice_offers_final_and_withdraw():
    result = options(Phase.NOTICE, CampaignFacts(notice_ends_on=date(2026, 1, 1), today=date(2026, 1, 1)))
    assert [(o.target, o.allowed) for o in result] == [(Phase.FINAL, False), (Phase.REVIEW, True)]


def test_options_from_final_is_empty():
    assert options(Phase.FINAL, READY) == []


def test_parse_phase_rejects_unknown_value():
    with pytest.raises(InvalidTransition):
        parse_phase("approved")
    assert parse_phase("notice") is Phase.NOTICE


facts_strategy = st.builds(
    CampaignFacts,
    title=st.sampled_from(["", "评选"]),
    scale_size=st.integers(0, 4),
    accepted_units=st.integers(0, 4),
    unreviewed_applications=st.integers(0, 2),
    untrained_units=st.sampled_from([(), ("甲",)]),
    unpresented_units=st.sampled_from([(), ("乙",)]),
    open_presentations=st.sampled_from([(), ("丙",)]),
    notice_units=st.integers(0, 2),
    notice_ends_on=st.sampled_from([None, date(2026, 1, 5)]),
    unresolved_objections=st.integers(0, 1),
    today=st.sampled_from([date(2026, 1, 5), date(2026, 1, 6)]),
)


@given(attempts=st.lists(st.tuples(st.sampled_from(list(Phase)), facts_strategy), max_size=30))
def test_random_attempts_never_leave_the_machine(attempts):
    """Whatever is attempted, the phase only ever follows an edge whose guard held."""
    phase = Phase.DRAFT
    for target, facts in attempts:
        try:
            check_transition(phase, target, facts)
        except (InvalidTransition, TransitionBlocked):
            continue
        assert target in TRANSITIONS[phase]
        assert blocking_reasons(phase, target, facts) == []
        phase = target
    assert phase in Phase


def test_invalid_transition_message_translates_phase_names():
    with pytest.raises(InvalidTransition) as info:
        blocking_reasons(Phase.DRAFT, Phase.FINAL, READY)
    table = {
        "不能从“%(current)s”阶段变更到“%(target)s”阶段。": "Cannot go from %(current)s to %(target)s.",
        "筹备": "Draft",
        "审定表彰": "Final",
    }
    assert info.value.message.render(lambda s: table.get(s, s)) == "Cannot go from Draft to Final."
    assert str(info.value.message) == "不能从“筹备”阶段变更到“审定表彰”阶段。"
