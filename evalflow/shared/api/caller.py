"""Who is calling the API: a bearer token (an account's or a seat's card), else the browser
session (whose writes carry the CSRF token), else the public. Runs before every API view, then
refuses a write to a finished campaign (shared/campaigns/guard.py)."""

from __future__ import annotations

from flask import g, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError as CSRFInvalid

from evalflow.database import without_transaction
from evalflow.shared.access import PUBLIC, Actor
from evalflow.shared.accounts import actors
from evalflow.shared.api import bp
from evalflow.shared.campaigns.guard import UNSAFE, refuse_writes_after_final
from evalflow.shared.errors import DomainError, Unauthenticated
from evalflow.shared.messages import N_, msg
from evalflow.shared.security import bearer_token


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    token = bearer_token(header)
    if token is not None:
        return token
    if header:
        raise Unauthenticated(msg(N_("无法识别的认证方式,请使用 Bearer 令牌。")))
    return None


def authenticate_request() -> None:
    """Set ``g.actor``: a bearer token (user or seat), else the browser session, else public; then
    refuse a write to a finished campaign (write_guard.py).

    A bad token is a 401 at once. Cookie-authenticated writes must carry the CSRF token. A route
    declared ``single_statement`` runs without a transaction on PostgreSQL (database.py).
    """
    if request.endpoint in SINGLE_STATEMENT:
        without_transaction(request.endpoint)
    _authenticate(remembered=request.endpoint in CHECKS_SEAT_CARD)
    if request.endpoint not in CHECKS_PHASE:
        refuse_writes_after_final()


def reauthenticate() -> Actor:
    """Authenticate again from the database, for a view whose write refused a remembered seat card
    (``route(checks_seat_card=True)``): the card is forgotten, and the request goes on as if it had
    never been remembered — 401 when the card is no longer valid (a good one is remembered again)."""
    card = g.pop("seat_card", None)
    if card is not None:
        actors.forget_card(card)
    g.pop("campaign_facts", None)
    _authenticate(remembered=True, fresh=True)
    refuse_writes_after_final()
    return g.actor


def _authenticate(remembered: bool = False, fresh: bool = False) -> None:
    if request.endpoint in OWN_BEARER:  # the view reads a token of its own (a link's), not an account's
        g.actor = PUBLIC
        return
    raw = _bearer()
    if raw is not None:
        found = actors.bearer(raw, remembered=remembered, fresh=fresh)
        if isinstance(found, actors.SeatCard):  # its campaign was read by the same query
            g.actor, g.campaign_facts, g.seat_card = found.actor, found.facts, found
            return
        if found is not None:
            g.actor = actors.actor_for_user(found)
            return
        raise Unauthenticated(msg(N_("令牌无效或已过期,请重新登录。")))
    if current_user.is_authenticated:
        if request.method in UNSAFE:
            try:
                validate_csrf(request.headers.get("X-CSRFToken") or request.form.get("csrf_token"))
            except CSRFInvalid:
                raise DomainError(msg(N_("缺少或无效的安全令牌(CSRF)。")), code="csrf_failed") from None
        g.actor = actors.actor_for_user(current_user)
        return
    g.actor = PUBLIC


def actor() -> Actor:
    return g.actor


def require_login() -> Actor:
    if g.actor is PUBLIC:
        raise Unauthenticated()
    return g.actor


bp.before_request(authenticate_request)


# Endpoints whose view writes with at most one statement (``route(single_statement=True)``).
SINGLE_STATEMENT: set[str] = set()


# Endpoints whose bearer token is not an account's but a link's the view checks itself (a department's):
# ``route(caller=…)``; the caller is the public for everything else.
OWN_BEARER: set[str] = set()


# Endpoints whose view checks a seat's card in its own write (``route(checks_seat_card=True)``).
CHECKS_SEAT_CARD: set[str] = set()


# Endpoints whose view checks the campaign's phase in its own write and calls
# ``refuse_writes_after_final`` itself before any other write (``route(checks_phase=True)``).
CHECKS_PHASE: set[str] = set()
