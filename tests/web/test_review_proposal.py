"""The proposed list from the composite (``POST /api/v1/campaigns/{cid}/composite/proposal``) on both
databases: the baseline is the qualifying units (threshold, veto), deviations need reasons, the list is
stored in the tally's proposed list with its deviations; refused once the composite's seal is broken."""

from __future__ import annotations

import sqlalchemy as sa

from evalflow.assessment.models import SheetScore
from evalflow.extensions import db
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.phases import Phase
from evalflow.tally.models import ProposedEntry
from tests.factories import login, office_actor
from tests.review_world import build


def _in_review(threshold=None):
    world = build(settings={"threshold": threshold} if threshold is not None else None)
    phases.advance_phase(office_actor(), world.campaign, Phase.REVIEW)
    db.session.commit()
    return world


def _post(client, world, body=None):
    return client.post(
        f"/api/v1/campaigns/{world.cid}/composite/proposal", json=body or {}, headers=world.headers("office")
    )


def test_the_baseline_is_the_units_at_or_above_the_threshold(app, client):
    world = _in_review(threshold=16)
    a, b, c = (u.id for u in world.units)
    response = _post(client, world)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"unit_ids": [a, b], "baseline": [a, b], "reasons": {}}
    stored = db.session.execute(sa.select(ProposedEntry.unit_id, ProposedEntry.included)).all()
    assert sorted(stored) == [(a, True), (b, True)]


def test_a_deviation_needs_a_reason(app, client):
    world = _in_review(threshold=16)
    a, b, c = (u.id for u in world.units)
    refused = _post(client, world, {"unit_ids": [a, c]})
    assert refused.status_code == 400
    texts = refused.get_json()["error"]["fields"]["reasons"]
    assert "“丙”排在入选线以下,列入须写明理由。" in texts and "“乙”按排名应当入选,不列入须写明理由。" in texts
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProposedEntry)) == 0
    reasons = {str(c): "群众满意度突出", str(b): "整改未完成"}
    done = _post(client, world, {"unit_ids": [c, a], "reasons": reasons})
    assert done.status_code == 200
    assert done.get_json() == {"unit_ids": [a, c], "baseline": [a, b], "reasons": reasons}
    rows = {u: (inc, dev, r) for u, inc, dev, r in db.session.execute(
        sa.select(ProposedEntry.unit_id, ProposedEntry.included, ProposedEntry.deviation, ProposedEntry.reason))}  # fmt: skip
    assert rows == {a: (True, False, ""), b: (False, True, "整改未完成"), c: (True, True, "群众满意度突出")}


def test_refused_once_a_sealed_score_changed(app, client):
    world = _in_review()
    db.session.scalars(sa.select(SheetScore).where(SheetScore.points == 6)).first().points = 5
    db.session.commit()
    response = _post(client, world)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "seal_broken"


def test_only_in_review(app, client):
    world = build()
    assert _post(client, world).status_code == 409


def test_the_list_says_it_came_from_the_composite_and_the_tally_form_cannot_claim_it(app, client):
    """Stored with the rule ``composite`` (GET …/proposed-list shows it, the tally page says so and
    links the composite); the tally's own endpoint refuses that rule with a plain reason."""
    world = _in_review(threshold=16)
    a, b, c = (u.id for u in world.units)
    assert _post(client, world).status_code == 200
    listed = client.get(f"/api/v1/campaigns/{world.cid}/proposed-list", headers=world.headers("office"))
    assert listed.status_code == 200
    assert (listed.get_json()["rule"], listed.get_json()["unit_ids"]) == ("composite", [a, b])
    refused = client.put(
        f"/api/v1/campaigns/{world.cid}/proposed-list",
        json={"rule": "composite", "unit_ids": [a]},
        headers=world.headers("office"),
    )
    assert refused.status_code == 400
    assert refused.get_json()["error"]["fields"]["rule"] == [
        "按综合测评确定名单,请在综合测评页面操作(POST …/composite/proposal)。"
    ]
    stored = db.session.execute(sa.select(ProposedEntry.unit_id).where(ProposedEntry.included)).scalars()
    assert sorted(stored) == [a, b]  # nothing half-saved
    login(client, "office")
    page = client.get(f"/office/campaigns/{world.cid}/tally").get_data(as_text=True)
    assert "这份名单由综合测评确定" in page and f'href="/office/campaigns/{world.cid}/composite"' in page
    assert '<option selected value="manual">' in page  # the tally's form starts from the list as it is
