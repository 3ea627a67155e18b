"""The poll's version store (shared/versions.py): which store an installation gets, which tables a
statement writes, and the file store's numbers (shared between processes through the file)."""

from __future__ import annotations

import pytest
from flask import Flask

from evalflow.shared import versions


def _app(tmp_path, url: str, **config) -> Flask:
    app = Flask("store-choice", instance_path=str(tmp_path))
    app.config.update(SQLALCHEMY_DATABASE_URI=url, **config)
    return app


@pytest.mark.parametrize(
    ("url", "config", "name"),
    [
        ("sqlite:///x.sqlite3", {}, "file"),  # one machine: the file every worker maps
        ("postgresql+psycopg://h/db", {}, "off"),  # maybe several machines: ask the database
        ("postgresql+psycopg://h/db", {"REDIS_URL": "redis://127.0.0.1:6379/15"}, "redis"),
        ("sqlite:///x.sqlite3", {"REDIS_URL": "redis://127.0.0.1:6379/15"}, "redis"),
        ("postgresql+psycopg://h/db", {"VERSION_STORE": "file"}, "file"),
        ("sqlite:///x.sqlite3", {"VERSION_STORE": "off"}, "off"),
    ],
)
def test_store_choice(tmp_path, url, config, name):
    assert versions.store_for(_app(tmp_path, url, **config)).name == name


def test_off_store_never_vouches():
    assert versions.VersionStore().get(["global"]) is None


@pytest.mark.parametrize(
    ("statement", "tables"),
    [
        ("SELECT ballot.grade FROM ballot WHERE ballot.seat_id = %(seat_id)s FOR UPDATE OF ballot", set()),
        ("UPDATE presentation SET status=%(status)s WHERE presentation.id = %(id)s", {"presentation"}),
        ('DELETE FROM "seat" WHERE seat.id = ?', {"seat"}),
        (
            "WITH written AS (INSERT INTO ballot (seat_id) SELECT 1 ON CONFLICT (seat_id, unit_id) DO UPDATE "
            "SET grade = excluded.grade RETURNING ballot.grade), moved AS (UPDATE audit_chain_head SET seq = 1 "
            "RETURNING seq) INSERT INTO audit_entry (seq) SELECT seq FROM moved",
            {"ballot", "audit_chain_head", "audit_entry", "set"},
        ),
    ],
)
def test_written_tables_reads_the_statements_words(statement, tables):
    assert versions.written_tables(statement) == tables


def test_file_store_numbers_move_for_every_process_and_a_new_file_starts_elsewhere(tmp_path):
    path = tmp_path / "poll-versions.bin"
    one, two = versions.FileVersions(path), versions.FileVersions(path)  # two workers
    before = two.get(["campaign:1", "seat:7"])
    one.bump(["campaign:1"])
    assert two.get(["campaign:1", "seat:7"]) == [before[0] + 1, before[1]]
    path.unlink()
    again = versions.FileVersions(path).get(["campaign:1"])
    assert again is not None and again[0] != before[0] + 1  # a random epoch: old ETags never match


def test_file_store_that_cannot_be_used_answers_none(tmp_path):
    assert versions.FileVersions(tmp_path).get(["global"]) is None  # a folder, not a file


class _Redis:
    """Enough of a Redis client for the store: a dict, and a switch that makes it fail."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}
        self.down = False

    def mget(self, names):
        if self.down:
            raise ConnectionError("down")
        return [self.values.get(n) for n in names]

    def pipeline(self, transaction=False):
        return _Pipe(self)

    def register_script(self, _source):
        return _BumpScript(self)


class _BumpScript:
    """What the store's Lua bump does: each missing key set to its start, then every key moved."""

    def __init__(self, redis: _Redis) -> None:
        self.registered_client = redis

    def __call__(self, keys, args):
        if self.registered_client.down:
            raise ConnectionError("down")
        for name, start in zip(keys, args, strict=True):
            self.registered_client.values.setdefault(name, start)
            self.registered_client.values[name] += 1
        return len(keys)


class _Pipe:
    def __init__(self, redis: _Redis) -> None:
        self.redis, self.calls = redis, []

    def set(self, name, value, nx=False):
        self.calls.append(lambda: self.redis.values.setdefault(name, value))

    def incr(self, name):
        self.calls.append(lambda: self.redis.values.__setitem__(name, self.redis.values[name] + 1))

    def mget(self, names):
        self.calls.append(lambda: self.redis.mget(names))

    def execute(self):
        if self.redis.down:
            raise ConnectionError("down")
        return [call() for call in self.calls]


def test_redis_bump_that_failed_is_made_before_redis_is_trusted_again(monkeypatch):
    store = versions.RedisVersions("redis://127.0.0.1:1/15")
    store.client = fake = _Redis()
    first = store.get(["campaign:1"])  # a new key starts at a random number
    assert first is not None and first[0] >= 0
    fake.down = True
    versions._bump(store, {"campaign:1"})  # a write committed while Redis was away
    assert store.owed == {"campaign:1"}
    assert store.get(["campaign:1"]) is None  # down: ask the database
    fake.down = False
    monkeypatch.setattr(store, "_down_until", 0.0)
    assert store.get(["campaign:1"]) == [first[0] + 1] and store.owed == set()
