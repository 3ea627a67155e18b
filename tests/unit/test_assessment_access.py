"""Who may do what in the 测评体系 (shared/access.py): a reviewer belongs to no campaign and acts where
their use case finds them assigned; units and seats stay scoped to their own campaign. Asked through
``can`` only (the predicate's answer type is the access module's own business)."""

from __future__ import annotations

import pytest

from evalflow.shared.access import Action, Actor, Role, can
from evalflow.shared.phases import Phase

REVIEWER = Actor(Role.REVIEWER, user_id=7, label="zhang")
OFFICE = Actor(Role.OFFICE, user_id=1)
UNIT = Actor(Role.UNIT, user_id=2, unit_id=3, campaign_id=4)


def test_reviewer_scores_sheets_from_training_through_briefing():
    allowed = {
        phase for phase in Phase if can(REVIEWER, Action.SHEET_SCORE, phase=phase, campaign_id=99, unit_id=5)
    }
    assert allowed == {Phase.TRAINING, Phase.BRIEFING}


def test_reviewer_is_scoped_by_assignment_not_by_campaign():
    assert can(REVIEWER, Action.SHEET_VIEW_OWN, phase=Phase.REVIEW, campaign_id=99)
    assert not can(UNIT, Action.APPLICATION_VIEW, campaign_id=99, unit_id=3)
    assert can(UNIT, Action.APPLICATION_VIEW, campaign_id=4, unit_id=3)


@pytest.mark.parametrize(
    "action",
    [
        Action.INDICATORS_EDIT,
        Action.INDICATORS_VIEW,
        Action.REVIEWERS_MANAGE,
        Action.SHEETS_VIEW,
        Action.DIVERGENCE_RESOLVE,
        Action.SOURCE_CLOSE,
        Action.CAMPAIGN_VIEW,
        Action.ACCOUNT_MANAGE,
    ],
)
def test_reviewer_never_does_the_office_s_work(action):
    assert not can(REVIEWER, action, phase=Phase.TRAINING)
    assert not can(Actor(Role.INSPECTOR, user_id=8), action, phase=Phase.TRAINING)


@pytest.mark.parametrize(
    ("action", "open_in"),
    [
        (Action.INDICATORS_EDIT, {Phase.DRAFT, Phase.INTAKE, Phase.TRAINING, Phase.BRIEFING}),
        (Action.REVIEWERS_MANAGE, {Phase.DRAFT, Phase.INTAKE, Phase.TRAINING, Phase.BRIEFING}),
        (Action.DIVERGENCE_RESOLVE, {Phase.TRAINING, Phase.BRIEFING}),
        (Action.SOURCE_CLOSE, {Phase.TRAINING, Phase.BRIEFING}),
        (Action.SHEETS_VIEW, set(Phase)),
    ],
)
def test_office_assessment_actions_by_phase(action, open_in):
    allowed = {phase for phase in Phase if can(OFFICE, action, phase=phase)}
    assert allowed == open_in
