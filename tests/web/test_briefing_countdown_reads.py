"""A countdown that ran out closes scoring without anyone writing it down: every reader — the
office's control panel, the API's agenda and live counts, the delegate's screen and page — computes
it as closed (agenda.state_of), and reading never writes. The row is written down by the use cases
that write anyway (opening or closing scoring, leaving the briefing: briefing/door.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import g

from evalflow.briefing.models import Presentation
from evalflow.extensions import db
from evalflow.shared import clock
from tests.briefing_world import BriefingWorld, build
from tests.factories import login

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def world(client: Any) -> BriefingWorld:
    """The briefing world with 乙's scoring opened for a minute, then its minute gone."""
    world = build(client)
    opened = client.post(
        f"/api/v1/campaigns/{world.cid}/presentations/{world.uid(1)}/open",
        query_string={"seconds": 60},
        headers=world.office_headers(),
    )
    assert opened.status_code == 200 and opened.get_json()["status"] == "open"
    db.session.execute(
        sa.update(Presentation)
        .where(Presentation.unit_id == world.uid(1))
        .values(closes_at=clock.now() - timedelta(seconds=1))
    )
    db.session.commit()
    return world


def _row(world: BriefingWorld) -> tuple[str, object]:
    db.session.expire_all()
    found = db.session.execute(
        sa.select(Presentation.status, Presentation.closed_at).where(Presentation.unit_id == world.uid(1))
    ).one()
    return found[0].value, found[1]


def test_control_panel_after_a_countdown_ran_out_writes_nothing_and_shows_it_closed(app, client, world):
    g.pop("csrf_token", None)
    assert login(client, "office").status_code == 302
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement.lstrip().split()[0].upper())

    panel = f"/office/campaigns/{world.cid}/briefing"
    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = client.get(panel)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    assert response.status_code == 200
    assert statements and [s for s in statements if s in WRITES] == []
    row = f'<tr class="is-closed" id="agenda-{world.uid(1)}">'
    assert row in response.get_data(as_text=True)
    assert _row(world) == ("open", None)  # still as the office left it: nobody wrote it down


def test_countdown_that_ran_out_reads_closed_in_the_api_and_on_the_seat(client, world):
    office = world.office_headers()
    base = f"/api/v1/campaigns/{world.cid}"
    agenda = client.get(f"{base}/presentations", headers=office).get_json()
    assert [(r["status"], r["closed_at"] is not None) for r in agenda if r["unit_id"] == world.uid(1)] == [
        ("closed", True)
    ]
    current = client.get(f"{base}/briefing/live", headers=office).get_json()["current"]
    assert (current["unit_id"], current["status"]) == (world.uid(1), "closed")
    screen = client.get(f"{base}/briefing/current", headers=world.seat_headers(0)).get_json()
    assert (screen["screen"], screen["unit_id"]) == ("closed", world.uid(1))
    page = client.get(f"/s/{world.seats[(0, 'reporter')]}").get_data(as_text=True)
    assert "“乙社区”的评分已结束" in page
    assert _row(world) == ("open", None)
