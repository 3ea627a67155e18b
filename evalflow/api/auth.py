"""``POST /api/v1/auth/token``: username + password → bearer token; ``DELETE`` revokes all sessions."""

from __future__ import annotations

from flask import Response

from ..domain.errors import InvalidInput
from ..domain.messages import N_, msg
from ..extensions import db, limiter
from ..models import User
from ..services import accounts
from .common import body, reply, require_login, route

TOKEN_REQUEST = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
}
TOKEN_RESPONSE = {
    "type": "object",
    "properties": {
        "token": {"type": "string"},
        "role": {"type": "string", "enum": ["office", "unit"]},
        "unit_id": {"type": ["integer", "null"]},
        "expires_at": {"type": "string", "format": "date-time"},
    },
}


@route(
    "/auth/token",
    "POST",
    summary="Exchange username and password for a bearer token",
    tag="auth",
    auth="public",
    request_schema=TOKEN_REQUEST,
    responses={201: {"schema": TOKEN_RESPONSE}, 400: "invalid input", 401: "bad credentials"},
)
@limiter.limit("20 per minute")
def create_token() -> Response:
    data = body()
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise InvalidInput(msg(N_("请提供用户名和密码。")))
    user = accounts.authenticate(username, password)
    token = accounts.issue_token(user)
    return reply({"token": token, "role": user.role.value, "unit_id": user.unit_id}, 201)


@route(
    "/auth/logout",
    "POST",
    summary="End every session and token of the calling account (seats: nothing to end)",
    tag="auth",
    responses={200: "all sessions ended", 401: "not signed in"},
)
def logout_everywhere() -> Response:
    actor = require_login()
    user = db.session.get(User, actor.user_id) if actor.user_id else None
    if user is not None:
        accounts.end_sessions(user, actor)
    return reply({"status": "ok"})
