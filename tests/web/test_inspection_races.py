"""Two office requests changing the same visit at once, on both engines (tests/races.py): the visit
row is locked before it is read (``visits.open_visit``; on SQLite ``database.write_lock_first``), so
the second request waits for the first and then sees its change."""

from __future__ import annotations

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.inspection import sheets, visits
from evalflow.inspection.models import Visit
from evalflow.shared.audit.models import AuditEntry
from tests.inspection_world import build, later, visit_body
from tests.races import Meanwhile


def _entries(action: str) -> int:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    )


def test_a_visit_cancelled_twice_at_once_is_cancelled_once(app, client, auth, monkeypatch):
    world = build()
    made = client.post(f"/api/v1/campaigns/{world.campaign.id}/visits", json=visit_body(world),
                       headers=auth.headers(world.office))  # fmt: skip
    assert made.status_code == 201, made.get_json()
    url, headers = f"/api/v1/visits/{made.get_json()['id']}", auth.headers(world.office)
    other = Meanwhile(app, lambda c: c.delete(url, headers=headers))
    # the competing cancel runs after the first one read the visit and before it deletes it
    monkeypatch.setattr(visits, "members", other.wrap(visits.members, after=False))
    first = client.delete(url, headers=headers)
    second = other.result()
    assert first.status_code == 200, first.get_json()
    assert (second[0], second[1]["error"]["code"]) == (404, "not_found")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0
    assert _entries("inspection.visit_cancel") == 1


def test_a_visit_moved_twice_at_once_records_each_move_from_the_time_before_it(
    app, client, auth, monkeypatch
):
    world = build()
    made = client.post(f"/api/v1/campaigns/{world.campaign.id}/visits", json=visit_body(world),
                       headers=auth.headers(world.office))  # fmt: skip
    assert made.status_code == 201, made.get_json()
    url, headers = f"/api/v1/visits/{made.get_json()['id']}", auth.headers(world.office)
    first_time, second_time = later(50), later(52)
    other = Meanwhile(app, lambda c: c.patch(url, json={"starts_at": second_time}, headers=headers))
    # the competing move runs after the first one read the visit and before it changes it
    monkeypatch.setattr(visits, "parse_starts_at", other.wrap(visits.parse_starts_at, after=False))
    first = client.patch(url, json={"starts_at": first_time}, headers=headers)
    second = other.result()
    assert first.status_code == 200 and second[0] == 200, (first.get_json(), second)
    db.session.expire_all()
    moves = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "inspection.visit_move").order_by(AuditEntry.id)
    ).all()
    assert len(moves) == 2
    # each move starts from the time the one before it left: the chain of old → new has no gap
    assert moves[1].data["old"] == moves[0].data["new"], [m.data for m in moves]


def test_a_sheet_submitted_twice_at_once_is_submitted_once(app, client, auth, monkeypatch):
    world = build()
    made = client.post(f"/api/v1/campaigns/{world.campaign.id}/visits", json=visit_body(world),
                       headers=auth.headers(world.office))  # fmt: skip
    url, headers = f"/api/v1/visits/{made.get_json()['id']}/sheets/mine", auth.headers(world.lead)
    body = {"scores": {"A2": 4, "G1": 6}, "submit": True}
    other = Meanwhile(app, lambda c: c.put(url, json=body, headers=headers))
    # the competing submit runs once the first one has read (and locked) the inspector's row
    monkeypatch.setattr(sheets, "inspection_tree", other.wrap(sheets.inspection_tree, after=False))
    first = client.put(url, json=body, headers=headers)
    second = other.result()
    assert first.status_code == 200, first.get_json()
    assert (second[0], second[1]["error"]["code"]) == (409, "submitted")
    assert _entries("inspection.sheet_submit") == 1
