"""``POST /api/v1/auth/token``: username + password → bearer token; ``/auth/logout`` ends every session."""

from __future__ import annotations

from ..extensions import db
from ..models import User
from ..schemas.auth import TokenIn, TokenOut
from ..schemas.base import Done
from ..services import accounts
from .common import require_login, route


@route(
    "/auth/token",
    "POST",
    summary="Exchange username and password for a bearer token",
    tag="auth",
    auth="public",
    body=TokenIn,
    responses={201: TokenOut, 400: "invalid input", 401: "bad credentials", 429: "rate limited"},
)
def create_token(body: TokenIn) -> TokenOut:
    user = accounts.authenticate(body.username, body.password)
    return TokenOut(token=accounts.issue_token(user), role=user.role, unit_id=user.unit_id)


@route(
    "/auth/logout",
    "POST",
    summary="End every session and token of the calling account (seats: nothing to end)",
    tag="auth",
    responses={200: Done, 401: "not signed in"},
)
def logout_everywhere() -> Done:
    actor = require_login()
    user = db.session.get(User, actor.user_id) if actor.user_id else None
    if user is not None:
        accounts.end_sessions(user, actor)
    return Done(status="ok")
