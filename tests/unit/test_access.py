"""The one permission predicate."""

from __future__ import annotations

import pytest

from evalflow.shared.access import PUBLIC, Action, Actor, Permission, Role, decide
from evalflow.shared.phases import Phase

OFFICE = Actor(Role.OFFICE, user_id=1)
UNIT_A = Actor(Role.UNIT, user_id=2, unit_id=10, campaign_id=1)
SEAT_A = Actor(Role.SEAT, unit_id=10, campaign_id=1, seat_id=5)


@pytest.mark.parametrize(
    ("actor", "action", "context", "expected"),
    [
        (OFFICE, Action.CAMPAIGN_TRANSITION, {"phase": Phase.INTAKE, "campaign_id": 1}, Permission.ALLOWED),
        (UNIT_A, Action.CAMPAIGN_TRANSITION, {"phase": Phase.INTAKE, "campaign_id": 1}, Permission.FORBIDDEN),
        (PUBLIC, Action.CAMPAIGN_VIEW, {"campaign_id": 1}, Permission.FORBIDDEN),
        (UNIT_A, Action.CAMPAIGN_VIEW, {"campaign_id": 1}, Permission.ALLOWED),
        (UNIT_A, Action.CAMPAIGN_VIEW, {"campaign_id": 2}, Permission.FORBIDDEN),
        (OFFICE, Action.CAMPAIGN_EDIT_SCALE, {"phase": Phase.DRAFT, "campaign_id": 1}, Permission.ALLOWED),
        (
            OFFICE,
            Action.CAMPAIGN_EDIT_SCALE,
            {"phase": Phase.INTAKE, "campaign_id": 1},
            Permission.WRONG_PHASE,
        ),
        (UNIT_A, Action.APPLICATION_VIEW, {"campaign_id": 1, "unit_id": 10}, Permission.ALLOWED),
        (UNIT_A, Action.APPLICATION_VIEW, {"campaign_id": 1, "unit_id": 11}, Permission.FORBIDDEN),
        (SEAT_A, Action.APPLICATION_VIEW, {"campaign_id": 1, "unit_id": 10}, Permission.FORBIDDEN),
        (SEAT_A, Action.BALLOT_CAST, {"phase": Phase.TRAINING, "campaign_id": 1}, Permission.WRONG_PHASE),
        (SEAT_A, Action.BALLOT_CAST, {"phase": Phase.BRIEFING, "campaign_id": 1}, Permission.ALLOWED),
        (
            UNIT_A,
            Action.APPLICATION_EDIT,
            {"phase": Phase.TRAINING, "campaign_id": 1, "unit_id": 11},
            Permission.FORBIDDEN,
        ),
    ],
)
def test_decide_matches_rules(actor, action, context, expected):
    assert decide(actor, action, **context) is expected


def test_every_action_has_a_rule():
    from evalflow.shared.access import RULES

    assert set(RULES) == set(Action)


def test_decision_truthiness_only_for_allowed():
    assert bool(Permission.ALLOWED) and not Permission.FORBIDDEN and not Permission.WRONG_PHASE
