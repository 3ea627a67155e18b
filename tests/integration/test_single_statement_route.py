"""A route declared ``single_statement`` (the phone's ballot) runs without a transaction on
PostgreSQL, so each of its statements commits by itself: any write that is not a statement standing
alone is refused with an error naming the route (database.refuse_writes_that_need_company).

The case that mattered: an audit entry recorded earlier in the same request made the ballot fall
back to ``record_last``, whose claim of the chain's next number and move of its head would commit
apart and could fork the chain. On SQLite the route runs in the request's one transaction, so the
same fallback is atomic there: its test checks that the chain keeps both entries, in order.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from evalflow import database
from evalflow.briefing import ballots
from evalflow.briefing.models import Ballot
from evalflow.extensions import db
from evalflow.shared.audit import record as audit
from evalflow.shared.audit import statement, verify
from evalflow.shared.audit.models import AuditChainHead, AuditEntry
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.phases import Phase
from tests import factories
from tests.briefing_world import BriefingWorld, build
from tests.conftest import is_postgres

ROUTE = "api.put_ballot"


@pytest.fixture
def world(client: Any) -> BriefingWorld:
    """The briefing world with 甲's scoring open, and a first ballot so the chain has its head."""
    world = build(client)
    opened = client.post(
        f"/api/v1/campaigns/{world.cid}/presentations/{world.uid(0)}/open", headers=world.office_headers()
    )
    assert opened.status_code == 200
    assert _vote(client, world, 2, "好").status_code == 200
    return world


def _vote(client: Any, world: BriefingWorld, voter: int, grade: str) -> Any:
    path, headers = f"/api/v1/campaigns/{world.cid}/ballots/{world.uid(0)}", world.seat_headers(voter)
    db.session.commit()  # the test's reads end: the request gets an idle session, as on a server
    return client.put(path, json={"grade": grade}, headers=headers)


def _record_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ballot's request records an audit entry of its own before the ballot (as a change
    elsewhere in the request might): the entry is unsealed when the ballot is cast."""
    cast = ballots.cast_ballot

    def recording_first(actor: Any, campaign: Any, unit_id: int, grade: object, card: Any = None) -> Any:
        audit.record(actor, "test.before", campaign_id=campaign.id)
        return cast(actor, campaign, unit_id, grade, card)

    monkeypatch.setattr(ballots, "cast_ballot", recording_first)


def _refusal(caplog: pytest.LogCaptureFixture, response: Any) -> str:
    """The bug's answer (500) and the error the log holds for it."""
    assert response.status_code == 500, response.get_json()
    assert response.get_json()["error"]["code"] == "server_error"
    (found,) = [r.exc_info[1] for r in caplog.records if r.exc_info]
    assert isinstance(found, database.SingleStatementBroken)
    return str(found)


def _written(world: BriefingWorld) -> tuple[int, int, int]:
    """Ballots for 甲, audit entries of the campaign, and the chain head's number."""
    db.session.expire_all()
    count = sa.select(sa.func.count())
    return (
        db.session.scalar(count.select_from(Ballot).where(Ballot.unit_id == world.uid(0))) or 0,
        db.session.scalar(count.select_from(AuditEntry).where(AuditEntry.chain == world.cid)) or 0,
        db.session.get(AuditChainHead, world.cid).seq,
    )


def test_ballot_route_with_an_entry_recorded_first_is_refused_on_postgres(
    app, client, world, monkeypatch, caplog
):
    if not is_postgres(app):
        pytest.skip("SQLite runs the route in one transaction: see the test after this one")
    before = _written(world)
    _record_first(monkeypatch)
    refused = _refusal(caplog, _vote(client, world, 1, "较好"))
    assert refused.startswith(f"{ROUTE} is declared single_statement")
    assert "refused: INSERT INTO audit_entry" in refused
    assert _written(world) == before  # refused before it reached the database: nothing half-saved
    assert all(r.broken is None for r in verify.verify())


def test_ballot_route_falling_back_to_record_last_is_refused_on_postgres(
    app, client, world, monkeypatch, caplog
):
    """Whatever made the entry wait for the commit, the ballot's fallback (the upsert, then
    ``record_last``) writes with several statements: the first of them is refused."""
    if not is_postgres(app):
        pytest.skip("SQLite runs the route in one transaction: its fallback is atomic there")
    before = _written(world)
    monkeypatch.setattr(statement, "can_append_in_statement", lambda: False)
    refused = _refusal(caplog, _vote(client, world, 1, "较好"))
    assert refused.startswith(f"{ROUTE} is declared single_statement")
    assert "refused: INSERT INTO ballot" in refused
    assert _written(world) == before


def test_ballot_route_with_an_entry_recorded_first_keeps_the_chain_in_order_on_sqlite(
    app, client, world, monkeypatch
):
    if is_postgres(app):
        pytest.skip("PostgreSQL runs the route without a transaction: see the tests before this one")
    ballots_before, entries_before, head_before = _written(world)
    _record_first(monkeypatch)
    response = _vote(client, world, 1, "较好")
    assert (response.status_code, response.get_json()["grade"]) == (200, "较好")
    assert _written(world) == (ballots_before + 1, entries_before + 2, head_before + 2)
    tail = db.session.scalars(
        sa.select(AuditEntry.action)
        .where(AuditEntry.chain == world.cid)
        .order_by(AuditEntry.seq.desc())
        .limit(2)
    ).all()
    assert tail == ["ballot.cast", "test.before"]
    assert all(r.broken is None for r in verify.verify())


def test_single_statement_request_lets_reads_and_statements_standing_alone_through(app):
    if not is_postgres(app):
        pytest.skip("SQLite keeps its transaction: database.without_transaction changes nothing there")
    campaign = factories.campaign("评选", Phase.BRIEFING)
    db.session.commit()
    database.without_transaction("test.route")
    assert db.session.scalar(sa.select(Campaign.title).where(Campaign.id == campaign.id)) == "评选"
    audit.ensure_head(campaign.id)  # marked database.stands_alone
    renamed = database.stands_alone(sa.update(Campaign).where(Campaign.id == campaign.id).values(title="改"))
    assert db.session.execute(renamed).rowcount == 1
    with pytest.raises(database.SingleStatementBroken, match="test.route"):
        db.session.execute(sa.update(Campaign).where(Campaign.id == campaign.id).values(title="又改"))
    with pytest.raises(database.SingleStatementBroken, match="FOR UPDATE"):
        db.session.execute(sa.select(Campaign.id).where(Campaign.id == campaign.id).with_for_update())
    db.session.rollback()
    factories.campaign("下一次", Phase.INTAKE)  # an ordinary transaction again
    db.session.commit()
    titles = db.session.scalars(sa.select(Campaign.title).order_by(Campaign.id)).all()
    assert titles == ["改", "下一次"]
    assert db.session.get(AuditChainHead, campaign.id).seq == 0
