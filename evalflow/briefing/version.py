"""The phone's poll without the database: ``GET /campaigns/<cid>/briefing/current`` answering 304.

Every phone polls every few seconds (docs/briefing.md, *How the poll stays cheap*). Its ETag says,
besides a hash of the screen it was given, which version numbers (shared/versions.py) were current
when the screen was read, until when the screen holds by itself, and for whom:

    p1.<cid>.<seat>.<global>.<campaign>.<seat version>.<until>.<screen hash>.<mac>

*mac* is an HMAC (the app's secret key) over all of it and the digest of the caller's bearer
token. A poll that brings such an ETag is answered 304 before authentication and without a query
(:func:`fast_poll`) when the MAC matches its own token, the campaign is the one in the path, the
three numbers are still current and *until* has not come. Why each part is there:

* the numbers move after every commit that changes what the poll shows (:func:`keys_for`): a
  seat's own ballot moves its seat's number, any other write to the campaign, unit, seat,
  presentation or ballot tables moves the campaign's (or, outside a campaign's URL, the global
  one). A seat losing its card is such a write, so the MAC plus current numbers also prove that
  the token was good at those numbers — the authentication the 304 needs;
* *until*: a countdown closes scoring with no write at all, so the screen's next deadline bounds
  the answer; and no number is trusted for longer than :data:`TRUST_SECONDS` (a worker killed
  between a commit and its bump, a store that failed to move);
* the numbers of the database path are read before the rows they vouch for (global and campaign
  in :func:`fast_poll`, before authentication; the seat's just before its ballot is read), so a
  write that commits meanwhile leaves them older than the rows, never newer;
* no store, no numbers: the ETag is the plain screen hash and every poll asks the database.

Tests: tests/web/test_poll_versions.py.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, Response, current_app, g, has_request_context, request

from evalflow.briefing.models import Ballot, Presentation
from evalflow.shared import clock, versions
from evalflow.shared.access import Role
from evalflow.shared.accounts.service import token_digest
from evalflow.shared.campaigns.models import Campaign, Seat, Unit
from evalflow.shared.security import bearer_token

ENDPOINT = "api.seat_current"
TRUST_SECONDS = 60
WATCHED = {t.__tablename__ for t in (Campaign, Unit, Seat, Presentation, Ballot)}
_SEAT_ONLY = {Ballot.__tablename__}


def keys_for(tables: set[str]) -> set[str]:
    """Which numbers a write to *tables* moves: a seat's ballot its seat's, a write in a campaign's
    URL the campaign's, anything else (a command, an office page without a campaign) the global."""
    if not has_request_context():
        return {versions.GLOBAL}
    who = g.get("actor")
    if tables <= _SEAT_ONLY and who is not None and who.role is Role.SEAT and who.seat_id is not None:
        return {versions.seat_key(who.seat_id)}
    cid = (request.view_args or {}).get("cid")
    return {versions.campaign_key(cid)} if isinstance(cid, int) else {versions.GLOBAL}


@dataclass(frozen=True)
class Stamp:
    """What an ETag vouches for: whose screen, at which numbers, until when."""

    cid: int
    seat: int
    numbers: tuple[int, int, int]
    until: int
    screen: str

    def text(self) -> str:
        return ".".join(str(p) for p in ("p1", self.cid, self.seat, *self.numbers, self.until, self.screen))

    def etag(self, digest: str) -> str:
        return f"{self.text()}.{_mac(self.text(), digest)}"


def _mac(text: str, digest: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"{digest}|{text}".encode(), hashlib.sha256).hexdigest()[:32]


def _parse(tag: str) -> tuple[Stamp, str] | None:
    parts = tag.split(".")
    if len(parts) != 9 or parts[0] != "p1":
        return None
    try:
        cid, seat, g_, c, s, until = (int(p) for p in parts[1:7])
    except ValueError:
        return None
    return Stamp(cid, seat, (g_, c, s), until, parts[7]), parts[8]


def _bearer_digest() -> str | None:
    token = bearer_token(request.headers.get("Authorization", ""))
    return None if token is None else token_digest(token)


def _keys(cid: int, seat: int) -> list[str]:
    return [versions.GLOBAL, versions.campaign_key(cid), versions.seat_key(seat)]


def fast_poll() -> Response | None:
    """Before authentication, for the poll only: 304 from the ETag and the store, or ``None`` to go
    on (after reading the global and campaign numbers the database path will vouch for)."""
    if request.endpoint != ENDPOINT:
        return None
    cid = (request.view_args or {}).get("cid")
    stamps = [p for t in request.if_none_match if (p := _parse(t)) is not None and p[0].cid == cid]
    digest = _bearer_digest() if stamps else None
    seat = stamps[0][0].seat if stamps and digest else 0
    numbers = versions.store().get(_keys(cid, seat)[: 3 if seat else 2])
    g.poll_numbers = numbers[:2] if numbers is not None else None
    if numbers is None or digest is None:
        return None
    now = clock.now().timestamp()
    for stamp, mac in stamps:
        if (
            stamp.seat == seat
            and list(stamp.numbers) == numbers
            and now < stamp.until
            and hmac.compare_digest(mac, _mac(stamp.text(), digest))
        ):
            return _not_modified(f"{stamp.text()}.{mac}")  # the ETag it brought
    return None


def _not_modified(etag: str) -> Response:
    response = Response(status=304)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    return response


def seat_numbers(seat_id: int) -> list[int] | None:
    """The database path: the seat's number, read before its ballot is; ``None`` without a store."""
    before = g.get("poll_numbers")
    if before is None:
        return None
    mine = versions.store().get([versions.seat_key(seat_id)])
    return None if mine is None else [*before, *mine]


def etag_of(
    cid: int, seat_id: int, numbers: list[int] | None, screen: str, changes_at: datetime | None
) -> str:
    """The ETag of a screen read from the database at *numbers* (the plain hash without them)."""
    digest = _bearer_digest()
    if numbers is None or digest is None:
        return screen
    until = int(clock.now().timestamp()) + TRUST_SECONDS
    if changes_at is not None:
        until = min(until, int(changes_at.timestamp()))
    return Stamp(cid, seat_id, (numbers[0], numbers[1], numbers[2]), until, screen).etag(digest)


def unchanged(screen: str) -> bool:
    """Whether the caller already has this screen (any of its ETags carries its hash)."""
    return any(t == screen or t.split(".")[-2:-1] == [screen] for t in request.if_none_match)


def register(app: Flask) -> None:
    """Keep the numbers (the app's version store, moved after commits) and answer polls from them."""
    versions.track_writes(app, WATCHED, keys_for)
    app.before_request(fast_poll)
