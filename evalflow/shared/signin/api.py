"""``POST /api/v1/auth/token``: username + password → bearer token; ``/auth/logout`` ends every session."""

from __future__ import annotations

from evalflow.extensions import db
from evalflow.shared.accounts import service as accounts
from evalflow.shared.accounts.models import User
from evalflow.shared.api.caller import require_login
from evalflow.shared.api.routes import route
from evalflow.shared.api.schemas import Done
from evalflow.shared.signin.schemas import TokenIn, TokenOut


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
