"""A concurrent burst of ballots with duplicates and changes loses nothing and counts nothing twice.

Threads send ballots through the app (each its own client, session and connection) against a file
SQLite database and against PostgreSQL. Every seat has two threads: one sends its grades in order
(changes and duplicates, the last one final), the other repeats the final grade — so whatever the
interleaving, the seat's ballot must end with the final grade, exactly once.
"""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa

from evalflow.briefing.models import Ballot
from evalflow.extensions import db
from evalflow.shared.audit.models import AuditEntry
from tests.briefing_world import build

NAMES = ("甲社区", "乙社区", "丙社区", "丁社区", "戊社区", "己社区")
GRADES = ("好", "较好", "一般")


def _plan(index: int) -> list[str]:
    first, second, final = GRADES[index % 3], GRADES[(index + 1) % 3], GRADES[(index + 2) % 3]
    return [first, first, second, final, final]


def test_ballot_burst_with_duplicates_and_changes_loses_nothing(app: Any, client: Any) -> None:
    world = build(client, names=NAMES)
    target, cid = world.uid(0), world.cid  # read here: ORM attributes need this thread's app context
    assert (
        client.post(
            f"/api/v1/campaigns/{world.cid}/presentations/{target}/open", headers=world.office_headers()
        ).status_code
        == 200
    )
    voters = [(key, token) for key, token in world.seats.items() if key[0] != 0]
    statuses: list[int] = []
    lock = threading.Lock()

    def send(token: str, grades: list[str]) -> None:
        local = app.test_client()
        for grade in grades:
            response = local.put(
                f"/api/v1/campaigns/{cid}/ballots/{target}",
                json={"grade": grade},
                headers={"Authorization": f"Bearer {token}"},
            )
            with lock:
                statuses.append(response.status_code)

    threads = []
    for i, (_, token) in enumerate(voters):
        plan = _plan(i)
        threads.append(threading.Thread(target=send, args=(token, plan)))
        threads.append(threading.Thread(target=send, args=(token, [plan[-1]] * 3)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert statuses == [200] * len(voters) * 8
    db.session.expire_all()
    ballots = dict(
        db.session.execute(sa.select(Ballot.seat_id, Ballot.grade).where(Ballot.unit_id == target)).all()
    )
    expected = {world.seat_ids[key]: _plan(i)[-1] for i, (key, _) in enumerate(voters)}
    assert ballots == expected
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(Ballot).where(Ballot.unit_id == target)
    ) == len(voters)
    live = client.get(
        f"/api/v1/campaigns/{world.cid}/briefing/live", headers=world.office_headers()
    ).get_json()
    assert (live["current"]["ballots"], live["current"]["expected"], live["missing"]) == (
        len(voters),
        len(voters),
        [],
    )
    # The audit trail of each seat is an unbroken chain None → … → final grade.
    entries = db.session.execute(
        sa.select(AuditEntry.subject_id, AuditEntry.from_state, AuditEntry.to_state)
        .where(AuditEntry.action.in_(["ballot.cast", "ballot.change"]))
        .order_by(AuditEntry.id)
    ).all()
    for seat_id, final in expected.items():
        chain = [(f, t) for s, f, t in entries if s == seat_id]
        assert chain[0][0] is None
        assert all(chain[i][1] == chain[i + 1][0] for i in range(len(chain) - 1))
        assert chain[-1][1] == final
