"""Version numbers that every server process sees: a cheap way to know "nothing changed".

A poller (the phone's ``/briefing/current``) answers 304 without asking the database when the
numbers it was given with its last answer are still the current ones. For that to be safe:

* every committed write to a watched table moves a number (:func:`track_writes`): a dialect-level
  hook notes which keys a statement's tables touch, and the keys are bumped right after the
  driver's commit — or its rollback, which over-bumps but never misses an autocommit statement;
* the numbers live where every worker sees them: Redis when ``REDIS_URL`` is set
  (:class:`RedisVersions`), else a small memory-mapped file in the instance folder
  (:class:`FileVersions`, ``VERSION_FILE``; chosen by default on SQLite only: one machine);
  ``VERSION_STORE`` = ``redis``, ``file`` or ``off`` overrides the choice;
* a store that cannot answer answers ``None`` and the caller takes the database path; numbers
  start at a random value (a Redis restart or a new file never repeats an old number).

Keys: ``GLOBAL`` (a write whose campaign is not known), ``campaign:<id>`` and ``seat:<id>``.
The briefing's poll (briefing/version.py) explains which write moves which key.
"""

from __future__ import annotations

import functools
import logging
import mmap
import os
import re
import secrets
import struct
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

log = logging.getLogger(__name__)

GLOBAL = "global"
EXTENSION = "evalflow.versions"


def campaign_key(campaign_id: int) -> str:
    """The key moved by a write to a campaign's briefing (its phase, agenda, units, seats)."""
    return f"campaign:{campaign_id}"


def seat_key(seat_id: int) -> str:
    """The key moved by a seat's own ballot (only that seat's screen shows its grade)."""
    return f"seat:{seat_id}"


class VersionStore:
    """Where the numbers live. ``get`` answers ``None`` when the store cannot be trusted now."""

    name = "off"

    def get(self, keys: Sequence[str]) -> list[int] | None:
        """The current numbers of *keys*, or ``None`` (take the database path)."""
        return None

    def bump(self, keys: Sequence[str]) -> None:
        """Move *keys* (after a commit). Raises when the store cannot be written."""


class FileVersions(VersionStore):
    """A memory-mapped file of :data:`SLOTS` counters shared by the processes of one machine.

    A key's counter is the slot its CRC-32 names: two keys may share a slot, which only makes one
    move when the other does (a needless 200, never a wrong 304). The file's first 8 bytes are a
    random epoch, part of every answer, so a recreated file never repeats a number. Bumps take an
    exclusive ``flock``; reads are plain aligned 8-byte loads from the mapping, no system call.
    """

    name = "file"
    SLOTS = 1 << 16
    _HEADER = 8

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pid: int | None = None
        self._map: mmap.mmap | None = None
        self._fd = -1

    def _mapping(self) -> mmap.mmap:
        if self._map is None or self._pid != os.getpid():  # opened again in a forked worker
            size = self._HEADER + 8 * self.SLOTS
            if not self.path.exists():
                tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
                tmp.write_bytes(secrets.token_bytes(8) + bytes(8 * self.SLOTS))
                os.replace(tmp, self.path)  # atomic: no process sees a half-written file
            self._fd = os.open(self.path, os.O_RDWR | os.O_CLOEXEC)
            if os.fstat(self._fd).st_size != size:
                raise OSError(f"{self.path} is not a version file")
            self._map, self._pid = mmap.mmap(self._fd, size), os.getpid()
        return self._map

    def _offset(self, key: str) -> int:
        return self._HEADER + 8 * (zlib.crc32(key.encode()) % self.SLOTS)

    def get(self, keys: Sequence[str]) -> list[int] | None:
        """The counters of *keys* plus the file's epoch; ``None`` when the file cannot be used."""
        try:
            data = self._mapping()
        except (OSError, ValueError):
            log.warning("version file %s unavailable: the poll asks the database", self.path, exc_info=True)
            return None
        epoch = struct.unpack_from("<Q", data, 0)[0] >> 16  # 48 random bits, added to every number
        return [epoch + struct.unpack_from("<q", data, self._offset(k))[0] for k in keys]

    def bump(self, keys: Sequence[str]) -> None:
        """Add one to each key's slot, holding the file's lock."""
        import fcntl

        data = self._mapping()
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            for key in set(keys):
                offset = self._offset(key)
                struct.pack_into("<q", data, offset, struct.unpack_from("<q", data, offset)[0] + 1)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)


# Each key of KEYS set to its random start in ARGV when missing, then moved by one.
_BUMP = """
for i, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[i], 'NX')
  redis.call('INCR', key)
end
return #KEYS
"""


class RedisVersions(VersionStore):
    """Counters in Redis, shared by every server. A missing key (a restarted Redis) starts at a
    random number, so no old ETag can match it; a bump sets a missing key the same way first. After a
    failure the store is skipped for :data:`BACKOFF` seconds (the poll asks the database)."""

    name = "redis"
    BACKOFF = 1.0
    PREFIX = "evalflow:version:"

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)
        self._down_until = 0.0
        self.owed: set[str] = set()  # bumps that failed: made before this process trusts Redis again

    def get(self, keys: Sequence[str]) -> list[int] | None:
        """The counters of *keys* (one MGET), or ``None`` when Redis is down."""
        if time.monotonic() < self._down_until:
            return None
        names = [self.PREFIX + k for k in keys]
        try:
            if self.owed:
                self.bump(sorted(self.owed))
                self.owed.clear()
            values = self.client.mget(names)
            missing = [n for n, v in zip(names, values, strict=True) if v is None]
            if missing:  # never bumped since Redis started: a random start, then read again
                pipe = self.client.pipeline(transaction=False)
                for name in missing:
                    pipe.set(name, _random_start(), nx=True)
                pipe.mget(names)
                values = pipe.execute()[-1]
        except Exception:
            self._down_until = time.monotonic() + self.BACKOFF
            log.warning("Redis version store unavailable: the poll asks the database", exc_info=True)
            return None
        return [int(v) for v in values]

    def bump(self, keys: Sequence[str]) -> None:
        """INCR each key (a missing key starts at a random number first): one command, one reply
        (a ballot's bump is one key; a pipeline of SET NX and INCR cost twice the client's work)."""
        names = [self.PREFIX + k for k in sorted(set(keys))]
        script = self.client.register_script(_BUMP)  # its SHA-1 made here: EVALSHA, loaded if Redis forgot it
        script(keys=names, args=[_random_start() for _ in names])


def _random_start() -> int:
    return secrets.randbits(48)


def store_for(app: Flask) -> VersionStore:
    """The store this installation uses (``VERSION_STORE``, else Redis, else the file on SQLite)."""
    choice = (app.config.get("VERSION_STORE") or "").lower()
    url = app.config.get("REDIS_URL")
    if not choice:
        sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
        choice = "redis" if url else "file" if sqlite else "off"
    if choice == "redis" and url:
        return RedisVersions(url)
    if choice == "file":
        return FileVersions(
            Path(app.config.get("VERSION_FILE") or Path(app.instance_path) / "poll-versions.bin")
        )
    return VersionStore()


def store() -> VersionStore:
    """The current app's store (:func:`track_writes` installs it)."""
    return current_app.extensions.get(EXTENSION) or VersionStore()


# --- every committed write to a watched table moves its keys ---------------------------------------

_TARGET = re.compile(r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)
_PENDING = "evalflow_version_keys"  # on the DBAPI connection's pool record: keys to move at commit


@functools.lru_cache(maxsize=1024)
def written_tables(statement: str) -> frozenset[str]:
    """The tables a statement writes (its words, never its bound values); none for a plain read.
    Remembered per statement text: the app runs the same few hundred statements over and over, and
    the ballot's is long (a regular expression over it would cost more than the rest of the hook)."""
    head = statement.lstrip()[:6].upper()
    if head == "SELECT" or head.startswith(("PRAGMA", "BEGIN", "SAVEPO", "RELEAS")):
        return frozenset()
    return frozenset(m.lower() for m in _TARGET.findall(statement))


def track_writes(app: Flask, tables: set[str], keys_for: Callable[[set[str]], set[str]]) -> None:
    """Install the app's store and move keys after every commit that wrote one of *tables*.

    *keys_for* turns the watched tables a statement wrote into keys; it runs while the statement
    runs (the request is known then) and must answer :data:`GLOBAL` when it cannot tell.
    """
    chosen = store_for(app)
    app.extensions[EXTENSION] = chosen
    if chosen.name == "off":  # no store, no numbers: nothing to keep up to date
        return
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    dialect = engine.dialect

    def note(_cursor: Any, statement: str, _params: Any, context: Any) -> None:
        found = written_tables(statement) & tables
        if not found:
            return
        found = set(found)
        try:
            keys = keys_for(found)
        except Exception:  # unsure which campaign: every poll looks again
            keys = {GLOBAL}
        info = _info(context.root_connection.connection)
        if info is None:  # a connection outside the pool (the dialect's first look): moved at once
            _bump(chosen, keys)
            return
        info.setdefault(_PENDING, set()).update(keys)

    def note_no_params(cursor: Any, statement: str, context: Any) -> None:
        note(cursor, statement, None, context)

    sa.event.listen(engine, "do_execute", note)
    sa.event.listen(engine, "do_executemany", note)
    sa.event.listen(engine, "do_execute_no_params", note_no_params)
    _bump_after(dialect, "do_commit", chosen)
    _bump_after(dialect, "do_rollback", chosen)  # an autocommit statement stays written


def _bump_after(dialect: sa.Dialect, method: str, chosen: VersionStore) -> None:
    """Wrap the dialect's *method* (driver commit or rollback; SQLAlchemy hands it the pooled
    connection, whose ``info`` holds the noted keys): afterwards, move the keys. A store that fails
    is logged; its numbers are then trusted only until the poll's time limit (briefing/version.py)."""
    original = getattr(dialect, method)

    def wrapped(dbapi_connection: Any) -> None:
        try:
            original(dbapi_connection)
        finally:  # also when it failed: an autocommit statement may be written all the same
            info = _info(dbapi_connection)
            keys = info.pop(_PENDING, None) if info is not None else None
            if keys:
                _bump(chosen, keys)

    setattr(dialect, method, wrapped)


def _bump(chosen: VersionStore, keys: set[str]) -> None:
    """Move *keys*; a store that fails is logged, and Redis owes the bump (made before it is trusted
    again, :class:`RedisVersions`)."""
    try:
        chosen.bump(sorted(keys))
    except Exception:  # the write is committed whatever the store says
        log.warning("could not move versions %s", sorted(keys), exc_info=True)
        if isinstance(chosen, RedisVersions):
            chosen.owed.update(keys)


def _info(pooled: Any) -> dict[str, Any] | None:
    """The pooled connection's ``info`` (kept by its pool entry), or None for one without it."""
    try:
        info = pooled.info
    except (AttributeError, NotImplementedError):
        return None
    return info if isinstance(info, dict) else None
