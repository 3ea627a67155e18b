"""The phone's ballot trusts a seat card this process remembers only as far as the ballot's own
statement checks it: a card reissued, a campaign that left the briefing, or a scale replaced under
it (a restored database) make the write refuse, and the request then asks the database again — so
every answer is the one a fresh lookup gives. Both engines."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from evalflow.briefing import seats
from evalflow.briefing.models import Ballot
from evalflow.extensions import db
from evalflow.shared.accounts import actors
from evalflow.shared.audit import verify
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.phases import Phase
from tests.briefing_world import BriefingWorld, build
from tests.factories import bearer, office_actor


@pytest.fixture
def world(client) -> BriefingWorld:
    w = build(client)
    opened = client.post(
        f"/api/v1/campaigns/{w.cid}/presentations/{w.uid(1)}/open", headers=w.office_headers()
    )
    assert opened.status_code == 200
    return w


def _vote(client, w: BriefingWorld, grade: str, headers: dict[str, str] | None = None):
    return client.put(
        f"/api/v1/campaigns/{w.cid}/ballots/{w.uid(1)}",
        json={"grade": grade},
        headers=headers or w.seat_headers(0),
    )


def _grade(w: BriefingWorld) -> str | None:
    db.session.expire_all()
    seat = w.seat_ids[(0, "reporter")]
    return db.session.scalar(
        sa.select(Ballot.grade).where(Ballot.seat_id == seat, Ballot.unit_id == w.uid(1))
    )


def _remembered(client) -> int:
    return len(client.application.extensions.get(actors.CARD_MEMORY, {}))


def test_first_ballot_remembers_the_card_only_in_the_briefing(client, world):
    assert _remembered(client) == 0
    assert _vote(client, world, "好").status_code == 200
    assert _remembered(client) == 1
    assert (
        client.get(f"/api/v1/campaigns/{world.cid}/ballots/mine", headers=world.seat_headers(1)).status_code
        == 200
    )
    assert _remembered(client) == 1, "only the ballot's route remembers cards"


def test_reissued_card_is_401_although_remembered(client, world):
    assert _vote(client, world, "好").status_code == 200
    campaign = db.session.get(Campaign, world.cid)
    new = seats.reissue_seat(office_actor(), campaign, world.uid(0), world.seat_ids[(0, "reporter")])
    db.session.commit()
    refused = _vote(client, world, "一般")
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "unauthenticated"
    assert _grade(world) == "好"
    assert _remembered(client) == 0, "the refused card is forgotten"
    assert _vote(client, world, "一般", bearer(new.token)).status_code == 200
    assert _grade(world) == "一般"


def test_remembered_card_after_the_briefing_is_409_wrong_phase(client, world):
    assert _vote(client, world, "好").status_code == 200
    db.session.execute(sa.update(Campaign).where(Campaign.id == world.cid).values(phase=Phase.REVIEW))
    db.session.commit()
    refused = _vote(client, world, "一般")
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "wrong_phase")
    assert _grade(world) == "好"


def test_remembered_card_after_its_unit_closed_is_409_scoring_closed(client, world):
    assert _vote(client, world, "好").status_code == 200
    closed = client.post(
        f"/api/v1/campaigns/{world.cid}/presentations/{world.uid(1)}/close", headers=world.office_headers()
    )
    assert closed.status_code == 200
    refused = _vote(client, world, "一般")
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "scoring_closed")
    assert _grade(world) == "好"
    assert _remembered(client) == 1, "a card that was good is remembered again"


def test_remembered_card_with_a_scale_replaced_under_it_follows_the_new_scale(client, world):
    """A database restored under a running server could give the campaign another scale while the
    phase stays ``briefing``: the remembered scale no longer matches, so the request reads the card
    again and grades on the scale the database holds."""
    assert _vote(client, world, "好").status_code == 200
    scale = [{"label": "甲等", "points": 3, "criteria": ""}, {"label": "乙等", "points": 1, "criteria": ""}]
    db.session.execute(sa.update(Campaign).where(Campaign.id == world.cid).values(scale_json=scale))
    db.session.commit()
    refused = _vote(client, world, "较好")
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (400, "invalid_grade")
    assert _vote(client, world, "甲等").status_code == 200
    assert _grade(world) == "甲等"


@pytest.mark.parametrize(
    "labels",
    [
        ('引号"里', "反斜杠\\", "换行\n制表\t"),
        ("\x01\x1f控制", "\u2028行分隔\u2029", "😀表情"),
        ("</script>", "%s %(x)s", '{"a":1}'),
    ],
    ids=["quotes-backslash-newline", "controls-separators-emoji", "markup-percent-json"],
)
def test_ballot_audit_entries_verify_whatever_the_grade_labels(client, labels):
    """On PostgreSQL the database writes the entry's canonical JSON and hashes it (the grade it
    replaced is known only to the statement): it must match Python's byte for byte, whatever the
    labels hold. The chain verifies after casts and changes on both engines."""

    w = build(client)
    scale = [{"label": label, "points": 3 - i, "criteria": ""} for i, label in enumerate(labels)]
    db.session.execute(sa.update(Campaign).where(Campaign.id == w.cid).values(scale_json=scale))
    db.session.commit()
    assert (
        client.post(
            f"/api/v1/campaigns/{w.cid}/presentations/{w.uid(1)}/open", headers=w.office_headers()
        ).status_code
        == 200
    )
    for grade in (labels[0], labels[1], labels[1], labels[2]):
        assert _vote(client, w, grade).status_code == 200, grade
    for role in ("cadre", "public"):
        assert _vote(client, w, labels[2], w.seat_headers(2, role)).status_code == 200
    from evalflow.shared.audit.models import AuditEntry

    entries = db.session.execute(
        sa.select(AuditEntry.action, AuditEntry.from_state, AuditEntry.to_state)
        .where(AuditEntry.action.like("ballot.%"))
        .order_by(AuditEntry.seq)
    ).all()
    assert [tuple(e) for e in entries] == [
        ("ballot.cast", None, labels[0]),
        ("ballot.change", labels[0], labels[1]),
        ("ballot.change", labels[1], labels[2]),
        ("ballot.cast", None, labels[2]),
        ("ballot.cast", None, labels[2]),
    ]
    assert [r.broken for r in verify.verify()] == [None] * len(verify.verify())
