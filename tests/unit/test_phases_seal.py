"""The phase guards refuse to publish the notice, or to finish the campaign, from ballots changed since
the seal (shared.campaigns.transitions gathers the fact from tally.service.seal_check)."""

from __future__ import annotations

from datetime import date

import pytest

from evalflow.shared.phases import CampaignFacts, Phase, blocking_reasons

REASON = "选票在封存后被改动(当前选票与封存摘要不符),不能据此确定拟表彰对象或发布公示;请查明原因,将选票恢复为封存时的状态。"
READY = CampaignFacts(notice_units=3, notice_ends_on=date(2026, 1, 9), today=date(2026, 1, 12))


@pytest.mark.parametrize(("current", "target"), [(Phase.REVIEW, Phase.NOTICE), (Phase.NOTICE, Phase.FINAL)])
def test_broken_seal_blocks_notice_and_final_with_its_reason(current, target):
    assert blocking_reasons(current, target, READY) == []
    broken = CampaignFacts(**{**READY.__dict__, "seal_broken": True})
    assert [r.render() for r in blocking_reasons(current, target, broken)] == [REASON]


def test_broken_seal_does_not_block_withdrawing_the_notice():
    broken = CampaignFacts(**{**READY.__dict__, "seal_broken": True})
    assert blocking_reasons(Phase.NOTICE, Phase.REVIEW, broken) == []
