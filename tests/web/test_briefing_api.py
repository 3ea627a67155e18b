"""The contract's briefing part of *Seats and the briefing*: presentations, open/close, ballots."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from evalflow.briefing.models import Ballot, Presentation
from evalflow.briefing.rules import draw_order
from evalflow.extensions import db
from evalflow.shared import clock
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.phases import Phase
from tests.briefing_world import BriefingWorld, build


@pytest.fixture
def world(client) -> BriefingWorld:
    return build(client)


def _open(client, w: BriefingWorld, index: int, **query):
    return client.post(
        f"/api/v1/campaigns/{w.cid}/presentations/{w.uid(index)}/open",
        query_string=query,
        headers=w.office_headers(),
    )


def _close(client, w: BriefingWorld, index: int):
    return client.post(
        f"/api/v1/campaigns/{w.cid}/presentations/{w.uid(index)}/close", headers=w.office_headers()
    )


def _vote(client, w: BriefingWorld, voter: int, target: int, grade: str, role: str = "reporter"):
    return client.put(
        f"/api/v1/campaigns/{w.cid}/ballots/{w.uid(target)}",
        json={"grade": grade},
        headers=w.seat_headers(voter, role),
    )


def _ballots(w: BriefingWorld, target: int) -> list[tuple[int, str]]:
    rows = db.session.execute(sa.select(Ballot.seat_id, Ballot.grade).where(Ballot.unit_id == w.uid(target)))
    return sorted(tuple(r) for r in rows)


def test_presentations_list_has_status_ballots_and_expected(client, world):
    _open(client, world, 1)
    _vote(client, world, 0, 1, "好")
    response = client.get(f"/api/v1/campaigns/{world.cid}/presentations", headers=world.office_headers())
    assert response.status_code == 200
    rows = {r["unit_id"]: (r["status"], r["ballots"], r["expected"]) for r in response.get_json()}
    assert rows == {
        world.uid(0): ("pending", 0, 6),
        world.uid(1): ("open", 1, 6),
        world.uid(2): ("pending", 0, 6),
    }


@pytest.mark.parametrize("who", ["seat", "public"])
def test_presentations_list_is_office_only(client, world, who):
    headers = world.seat_headers(0) if who == "seat" else {}
    response = client.get(f"/api/v1/campaigns/{world.cid}/presentations", headers=headers)
    assert response.status_code == (403 if who == "seat" else 401)


def test_open_second_presentation_is_409_while_one_is_open(client, world):
    assert _open(client, world, 0).get_json()["status"] == "open"
    response = _open(client, world, 1)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "another_open"
    statuses = dict(db.session.execute(sa.select(Presentation.unit_id, Presentation.status)).all())
    assert [statuses[world.uid(i)].value for i in range(3)] == ["open", "pending", "pending"]


def test_close_then_open_next(client, world):
    _open(client, world, 0)
    closed = _close(client, world, 0)
    assert (closed.status_code, closed.get_json()["status"]) == (200, "closed")
    assert _open(client, world, 1).get_json()["status"] == "open"


def test_closed_presentation_is_never_reopened(client, world):
    _open(client, world, 0)
    _close(client, world, 0)
    response = _open(client, world, 0)
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "scoring_closed")


def test_open_needs_briefing_phase(client, world):
    from evalflow.shared.phases import Phase

    world.campaign.phase = Phase.REVIEW
    db.session.commit()
    response = _open(client, world, 0)
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "wrong_phase")


def test_ballot_put_returns_unit_and_grade(client, world):
    _open(client, world, 1)
    response = _vote(client, world, 0, 1, "较好")
    assert response.status_code == 200
    assert response.get_json() == {"unit_id": world.uid(1), "grade": "较好"}


def test_ballot_to_a_final_campaign_is_409_wrong_phase(client, world):
    """The write guard reads a seat's campaign with its token (one query for both): a campaign
    that reached ``final`` refuses the ballot even with a presentation still marked open, and an
    unknown card is still 401 before any phase is told."""
    _open(client, world, 1)
    assert _vote(client, world, 0, 1, "好").status_code == 200
    db.session.execute(sa.update(Campaign).where(Campaign.id == world.cid).values(phase=Phase.FINAL))
    db.session.commit()
    refused = _vote(client, world, 0, 1, "一般")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "wrong_phase"
    assert _ballots(world, 1) == [(world.seat_ids[(0, "reporter")], "好")]
    stranger = client.put(
        f"/api/v1/campaigns/{world.cid}/ballots/{world.uid(1)}",
        json={"grade": "一般"},
        headers={"Authorization": "Bearer " + "x" * 43},
    )
    assert stranger.status_code == 401


def test_ballot_sent_again_and_changed_is_one_row(client, world):
    _open(client, world, 1)
    for grade in ("好", "好", "一般", "较好"):
        assert _vote(client, world, 0, 1, grade).status_code == 200
    assert _ballots(world, 1) == [(world.seat_ids[(0, "reporter")], "较好")]


def test_ballot_changes_are_audited_old_to_new(client, world):
    _open(client, world, 1)
    for grade in ("好", "好", "一般"):
        _vote(client, world, 0, 1, grade)
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action.like("ballot.%")).order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.from_state, e.to_state, e.data["unit_id"]) for e in entries] == [
        ("ballot.cast", None, "好", world.uid(1)),
        ("ballot.change", "好", "一般", world.uid(1)),
    ]
    assert {e.subject_id for e in entries} == {world.seat_ids[(0, "reporter")]}


def test_ballot_own_unit_is_403_own_unit(client, world):
    _open(client, world, 0)
    response = _vote(client, world, 0, 0, "好")
    assert (response.status_code, response.get_json()["error"]["code"]) == (403, "own_unit")
    assert _ballots(world, 0) == []


@pytest.mark.parametrize("grade", ["优秀", "", " 好 "])
def test_ballot_grade_outside_scale_is_400_invalid_grade(client, world, grade):
    _open(client, world, 1)
    response = client.put(
        f"/api/v1/campaigns/{world.cid}/ballots/{world.uid(1)}",
        json={"grade": grade},
        headers=world.seat_headers(0),
    )
    assert (response.status_code, response.get_json()["error"]["code"]) == (400, "invalid_grade")


@pytest.mark.parametrize("body", [{"grade": 3}, {"grade": None}, {}])
def test_ballot_grade_not_text_is_400_invalid_input(client, world, body):
    _open(client, world, 1)
    response = client.put(
        f"/api/v1/campaigns/{world.cid}/ballots/{world.uid(1)}", json=body, headers=world.seat_headers(0)
    )
    assert (response.status_code, list(response.get_json()["error"]["fields"])) == (400, ["grade"])
    assert _ballots(world, 1) == []


def test_ballot_for_pending_unit_is_409_scoring_closed(client, world):
    _open(client, world, 1)
    response = _vote(client, world, 0, 2, "好")
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "scoring_closed")
    assert _ballots(world, 2) == []


def test_ballot_after_close_is_409_and_keeps_the_grade(client, world):
    _open(client, world, 1)
    _vote(client, world, 0, 1, "好")
    _close(client, world, 1)
    response = _vote(client, world, 0, 1, "一般")
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "scoring_closed")
    assert _ballots(world, 1) == [(world.seat_ids[(0, "reporter")], "好")]


def test_ballot_after_countdown_is_refused_without_a_click(client, world):
    assert _open(client, world, 1, seconds=60).get_json()["closes_at"]
    _vote(client, world, 0, 1, "好")
    db.session.execute(
        sa.update(Presentation)
        .where(Presentation.unit_id == world.uid(1))
        .values(closes_at=clock.now() - timedelta(seconds=1))
    )
    db.session.commit()
    response = _vote(client, world, 0, 1, "一般")
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "scoring_closed")
    listed = client.get(
        f"/api/v1/campaigns/{world.cid}/presentations", headers=world.office_headers()
    ).get_json()
    assert [r["status"] for r in listed if r["unit_id"] == world.uid(1)] == ["closed"]
    assert _open(client, world, 2).status_code == 200  # the expired one no longer blocks the next


def test_ballot_bad_countdown_is_400(client, world):
    response = _open(client, world, 1, seconds=3)
    assert (response.status_code, list(response.get_json()["error"]["fields"])) == (400, ["seconds"])


def test_ballot_seat_of_another_campaign_is_404(client, world):
    _open(client, world, 1)
    response = client.put(
        f"/api/v1/campaigns/{world.cid}/ballots/{world.uid(1)}",
        json={"grade": "好"},
        headers={"Authorization": f"Bearer {world.stranger_seat}"},
    )
    assert response.status_code == 404


def test_ballot_office_cannot_vote(client, world):
    _open(client, world, 1)
    response = client.put(
        f"/api/v1/campaigns/{world.cid}/ballots/{world.uid(1)}",
        json={"grade": "好"},
        headers=world.office_headers(),
    )
    assert (response.status_code, response.get_json()["error"]["code"]) == (403, "forbidden")


def test_ballots_mine_lists_only_the_seats_ballots(client, world):
    _open(client, world, 1)
    _vote(client, world, 0, 1, "好")
    _vote(client, world, 2, 1, "一般")
    _close(client, world, 1)
    _open(client, world, 2)
    _vote(client, world, 0, 2, "较好")
    response = client.get(f"/api/v1/campaigns/{world.cid}/ballots/mine", headers=world.seat_headers(0))
    assert response.status_code == 200
    mine = [(b["unit_id"], b["grade"], b["source"]) for b in response.get_json()]
    assert mine == [(world.uid(1), "好", "online"), (world.uid(2), "较好", "online")]


def test_order_set_by_hand(client, world):
    order = [world.uid(2), world.uid(0), world.uid(1)]
    response = client.put(
        f"/api/v1/campaigns/{world.cid}/presentations/order",
        json={"unit_ids": order},
        headers=world.office_headers(),
    )
    assert response.status_code == 200
    assert [(r["unit_id"], r["position"]) for r in response.get_json()] == list(
        zip(order, [1, 2, 3], strict=True)
    )


def test_order_must_list_every_unit_once(client, world):
    response = client.put(
        f"/api/v1/campaigns/{world.cid}/presentations/order",
        json={"unit_ids": [world.uid(0), world.uid(0), world.uid(1)]},
        headers=world.office_headers(),
    )
    assert (response.status_code, list(response.get_json()["error"]["fields"])) == (400, ["unit_ids"])


def test_order_drawn_is_reproducible_from_seed(client, world):
    response = client.post(
        f"/api/v1/campaigns/{world.cid}/presentations/draw",
        json={"seed": "汇报会2026"},
        headers=world.office_headers(),
    )
    body = response.get_json()
    assert response.status_code == 200
    assert (body["seed"], body["algorithm"]) == ("汇报会2026", "sha256-fisher-yates-v1")
    assert body["order"] == draw_order([world.uid(i) for i in range(3)], "汇报会2026")
    again = client.get(f"/api/v1/campaigns/{world.cid}/presentations/draw", headers=world.office_headers())
    assert again.get_json()["order"] == body["order"]


def test_order_is_fixed_once_the_first_opens(client, world):
    _open(client, world, 0)
    response = client.post(
        f"/api/v1/campaigns/{world.cid}/presentations/draw", json={}, headers=world.office_headers()
    )
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "order_fixed")


def test_live_counts_by_role_and_missing_seats(client, world):
    _open(client, world, 1)
    _vote(client, world, 0, 1, "好", "cadre")
    _vote(client, world, 2, 1, "好", "cadre")
    _vote(client, world, 2, 1, "好", "public")
    response = client.get(f"/api/v1/campaigns/{world.cid}/briefing/live", headers=world.office_headers())
    body = response.get_json()
    assert (body["current"]["unit_id"], body["current"]["ballots"], body["current"]["expected"]) == (
        world.uid(1),
        3,
        6,
    )
    assert {r["role"]: (r["ballots"], r["expected"]) for r in body["by_role"]} == {
        "reporter": (0, 2),
        "cadre": (2, 2),
        "public": (1, 2),
    }
    assert sorted(m["seat_id"] for m in body["missing"]) == sorted(
        [world.seat_ids[(0, "reporter")], world.seat_ids[(0, "public")], world.seat_ids[(2, "reporter")]]
    )


def test_live_counts_answer_304_until_something_changes(client, world):
    _open(client, world, 1)
    url = f"/api/v1/campaigns/{world.cid}/briefing/live"
    first = client.get(url, headers=world.office_headers())
    etag = first.headers["ETag"]
    same = client.get(url, headers={**world.office_headers(), "If-None-Match": etag})
    assert (same.status_code, same.data) == (304, b"")
    _vote(client, world, 0, 1, "好")
    changed = client.get(url, headers={**world.office_headers(), "If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["current"]["ballots"] == 1


def test_seat_current_follows_the_open_presentation(client, world):
    url = f"/api/v1/campaigns/{world.cid}/briefing/current"
    assert client.get(url, headers=world.seat_headers(0)).get_json()["screen"] == "waiting"
    _open(client, world, 0)
    assert client.get(url, headers=world.seat_headers(0)).get_json()["screen"] == "own_unit"
    _close(client, world, 0)
    _open(client, world, 1)
    _vote(client, world, 0, 1, "较好")
    body = client.get(url, headers=world.seat_headers(0)).get_json()
    assert (body["screen"], body["unit_id"], body["grade"]) == ("open", world.uid(1), "较好")


def test_briefing_to_review_guard_lists_unpresented_and_open(client, world):
    _open(client, world, 0)
    response = client.post(
        f"/api/v1/campaigns/{world.cid}/transitions", json={"to": "review"}, headers=world.office_headers()
    )
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "transition_blocked")
    reasons = " ".join(response.get_json()["error"]["reasons"])
    assert "乙社区" in reasons and "丙社区" in reasons and "甲社区" in reasons
    for i in range(3):
        _open(client, world, i)
        _close(client, world, i)
    done = client.post(
        f"/api/v1/campaigns/{world.cid}/transitions", json={"to": "review"}, headers=world.office_headers()
    )
    assert (done.status_code, done.get_json()["phase"]) == (200, "review")


def test_briefing_to_review_after_a_countdown_ran_out(client, world):
    for i in range(3):
        _open(client, world, i, seconds=60)
        if i < 2:
            _close(client, world, i)
    db.session.execute(
        sa.update(Presentation)
        .where(Presentation.unit_id == world.uid(2))
        .values(closes_at=clock.now() - timedelta(seconds=1))
    )
    db.session.commit()
    done = client.post(
        f"/api/v1/campaigns/{world.cid}/transitions", json={"to": "review"}, headers=world.office_headers()
    )
    assert (done.status_code, done.get_json()["phase"]) == (200, "review")
    db.session.expire_all()
    assert (
        db.session.get(
            Presentation,
            db.session.scalar(sa.select(Presentation.id).where(Presentation.unit_id == world.uid(2))),
        ).status.value
        == "closed"
    )
