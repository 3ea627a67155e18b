"""The phone's poll answers 304 without the database while nothing changed (briefing/version.py,
shared/versions.py): a change made through one app instance (one server process) is seen by a
poll served by another sharing the store; an unchanged poll runs no statement; a store that cannot
answer falls back to the database (never a wrong 304); the seat is still authenticated."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from evalflow import create_app
from evalflow.extensions import db
from evalflow.shared import clock
from tests.briefing_world import BriefingWorld, build
from tests.factories import bearer, make_config

REDIS_URL = os.environ.get("EVALFLOW_TEST_REDIS_URL", "")
STORES = ["file", "redis"]


@contextmanager
def counted(app: Any) -> Iterator[list[str]]:
    """Every statement *app* sends to its database meanwhile."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(" ".join(statement.split())[:60])

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


@contextmanager
def sessions_begun() -> Iterator[list[str]]:
    """Every ORM session transaction begun meanwhile (a commit of an unused session begins one)."""
    from sqlalchemy.orm import Session

    begun: list[str] = []

    def note(_session: Any, transaction: Any) -> None:
        begun.append(type(transaction).__name__)

    sa.event.listen(Session, "after_transaction_create", note)
    try:
        yield begun
    finally:
        sa.event.remove(Session, "after_transaction_create", note)


def _settings(store: str) -> dict[str, Any]:
    if store == "redis":
        if not REDIS_URL:
            pytest.skip("set EVALFLOW_TEST_REDIS_URL (Redis db 15) to test the shared store in Redis")
        return {"VERSION_STORE": "redis", "REDIS_URL": REDIS_URL}
    return {"VERSION_STORE": "file"}


@pytest.fixture(params=STORES)
def pair(
    request: pytest.FixtureRequest, db_url: str, tmp_path: Any
) -> Iterator[tuple[Any, Any, BriefingWorld]]:
    """Two app instances (two gunicorn workers) on one database and one version store."""
    settings = _settings(request.param)
    first, second = (create_app(make_config(db_url, tmp_path, **settings)) for _ in range(2))
    with first.app_context():  # the world's rows stay readable through the first instance
        db.create_all()
        yield first, second, build(first.test_client())
        db.session.remove()
        db.engine.dispose()
    with second.app_context():
        db.engine.dispose()


def _poll(
    app: Any, world: BriefingWorld, etag: str | None = None, unit: int = 0, raw: str | None = None
) -> Any:
    headers = bearer(raw if raw is not None else world.seats[(unit, "reporter")])
    if etag:
        headers["If-None-Match"] = etag
    return app.test_client().get(f"/api/v1/campaigns/{world.cid}/briefing/current", headers=headers)


def _office(app: Any, world: BriefingWorld, method: str, path: str, **kwargs: Any) -> Any:
    client = app.test_client()
    return client.open(
        f"/api/v1/campaigns/{world.cid}{path}", method=method, headers=world.office_headers(), **kwargs
    )


def test_unchanged_poll_is_304_without_a_statement_and_a_change_elsewhere_is_seen(pair):
    first, second, world = pair
    answer = _poll(second, world)
    assert (answer.status_code, answer.get_json()["screen"]) == (200, "waiting")
    etag = answer.headers["ETag"].strip('"')
    assert etag.startswith(f"p1.{world.cid}.{world.seat_ids[(0, 'reporter')]}.")
    with counted(second) as seen, sessions_begun() as begun:
        again = _poll(second, world, etag)
    assert (again.status_code, again.data, seen, begun) == (304, b"", [], [])  # no session either
    assert again.headers["ETag"].strip('"') == etag
    assert again.headers["Cache-Control"] == answer.headers["Cache-Control"]

    opened = _office(first, world, "POST", f"/presentations/{world.uid(1)}/open")
    assert opened.status_code == 200
    seen_now = _poll(second, world, etag)
    assert (seen_now.status_code, seen_now.get_json()["screen"], seen_now.get_json()["unit_id"]) == (
        200,
        "open",
        world.uid(1),
    )
    etag = seen_now.headers["ETag"].strip('"')
    with counted(second) as seen:
        assert _poll(second, world, etag).status_code == 304
    assert seen == []


def test_a_seat_ballot_moves_only_its_own_screen(pair):
    first, second, world = pair
    assert _office(first, world, "POST", f"/presentations/{world.uid(1)}/open").status_code == 200
    mine, other = _poll(second, world), _poll(second, world, unit=2)
    voted = first.test_client().put(
        f"/api/v1/campaigns/{world.cid}/ballots/{world.uid(1)}",
        json={"grade": "较好"},
        headers=world.seat_headers(0),
    )
    assert voted.status_code == 200
    with counted(second) as seen:
        unchanged = _poll(second, world, other.headers["ETag"], unit=2)
    assert (unchanged.status_code, seen) == (304, [])
    changed = _poll(second, world, mine.headers["ETag"])
    assert (changed.status_code, changed.get_json()["grade"]) == (200, "较好")


def test_a_countdown_that_runs_out_is_seen_without_any_write(pair, monkeypatch):
    first, second, world = pair
    opened = _office(
        first, world, "POST", f"/presentations/{world.uid(1)}/open", query_string={"seconds": 30}
    )
    assert opened.status_code == 200
    etag = _poll(second, world).headers["ETag"]
    assert _poll(second, world, etag).status_code == 304
    later = clock.now() + timedelta(seconds=31)
    monkeypatch.setattr(clock, "now", lambda: later)
    after = _poll(second, world, etag)
    assert (after.status_code, after.get_json()["screen"]) == (200, "closed")


def test_numbers_are_trusted_for_a_minute_at_most(pair, monkeypatch):
    _first, second, world = pair
    etag = _poll(second, world).headers["ETag"]
    later = clock.now() + timedelta(seconds=61)
    monkeypatch.setattr(clock, "now", lambda: later)
    with counted(second) as seen:
        answer = _poll(second, world, etag)
    assert answer.status_code == 304 and seen != []  # the database said so, not the numbers


def test_the_304_still_authenticates_the_seat(pair):
    _first, second, world = pair
    etag = _poll(second, world).headers["ETag"]
    assert _poll(second, world, etag, raw="not-a-card").status_code == 401
    no_token = second.test_client().get(
        f"/api/v1/campaigns/{world.cid}/briefing/current", headers={"If-None-Match": etag}
    )
    assert no_token.status_code == 401
    other_seat = _poll(second, world, etag, unit=1)  # another seat brings this seat's ETag: the
    theirs = other_seat.headers["ETag"].strip('"')  # database answers, for that seat (same screen)
    assert theirs.startswith(f"p1.{world.cid}.{world.seat_ids[(1, 'reporter')]}.") and theirs != etag.strip(
        '"'
    )
    stranger = _poll(second, world, etag, raw=world.stranger_seat)  # a seat of another campaign
    assert stranger.status_code in (403, 404)
    forged = etag.strip('"')[:-1] + ("0" if etag.strip('"')[-1] != "0" else "1")
    with counted(second) as seen:
        assert _poll(second, world, forged).status_code == 304  # the same screen …
    assert seen != []  # … as the database says, not the ETag


def test_a_card_taken_away_is_refused_at_once(pair):
    first, second, world = pair
    etag = _poll(second, world).headers["ETag"]
    with first.app_context():
        from evalflow.shared.campaigns.models import Seat

        db.session.execute(
            sa.update(Seat).where(Seat.id == world.seat_ids[(0, "reporter")]).values(token_hash="gone")
        )
        db.session.commit()
    assert _poll(second, world, etag).status_code == 401


@pytest.mark.parametrize("broken", ["redis", "file"])
def test_a_store_that_cannot_answer_falls_back_to_the_database(db_url, tmp_path, broken):
    settings = (
        {"VERSION_STORE": "redis", "REDIS_URL": "redis://127.0.0.1:1/15"}  # nothing listens on port 1
        if broken == "redis"
        else {"VERSION_STORE": "file", "VERSION_FILE": str(tmp_path)}  # a folder, not a file
    )
    app = create_app(make_config(db_url, tmp_path, **settings))
    with app.app_context():
        db.create_all()
        _fall_back(app, build(app.test_client()))
        db.session.remove()
        db.engine.dispose()


def _fall_back(app: Any, world: BriefingWorld) -> None:
    answer = _poll(app, world)
    assert answer.status_code == 200 and not answer.headers["ETag"].strip('"').startswith("p1.")
    with counted(app) as seen:
        again = _poll(app, world, answer.headers["ETag"])
    assert again.status_code == 304 and seen != []  # answered from the database
    assert _office(app, world, "POST", f"/presentations/{world.uid(1)}/open").status_code == 200
    assert _poll(app, world, answer.headers["ETag"]).get_json()["screen"] == "open"
    assert _poll(app, world, answer.headers["ETag"], raw="not-a-card").status_code == 401


def test_redis_bump_is_one_command_that_starts_a_missing_key_at_random_and_moves_it():
    """The Lua bump of RedisVersions, against the Redis the tests are given."""
    import redis

    from evalflow.shared import versions

    if not REDIS_URL:
        pytest.skip("set EVALFLOW_TEST_REDIS_URL (Redis db 15) to test the shared store in Redis")
    store = versions.RedisVersions(REDIS_URL)
    names = [store.PREFIX + k for k in ("test-bump:a", "test-bump:b")]
    client = redis.Redis.from_url(REDIS_URL)
    client.delete(*names)
    client.set(names[1], 41)
    client.script_flush()  # Redis does not know the script yet (as after a restart): loaded on demand
    sent: list[str] = []
    send = store.client.execute_command
    store.client.execute_command = lambda *args, **kw: (sent.append(args[0]), send(*args, **kw))[1]
    store.bump(["test-bump:a", "test-bump:b", "test-bump:a"])
    a, b = (int(v) for v in client.mget(names))
    assert b == 42 and a >= 1  # an existing key moves by one; a missing one starts at random, plus one
    assert sent == ["EVALSHA", "SCRIPT LOAD", "EVALSHA"]
    sent.clear()
    store.bump(["test-bump:a"])
    assert sent == ["EVALSHA"]  # one command for the bump
    assert store.get(["test-bump:a", "test-bump:b"]) == [a + 1, 42]
    client.delete(*names)
