"""Request plumbing of the API: who is calling, the JSON body, and documented routes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Response, g, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from ..domain.access import PUBLIC, Actor
from ..domain.errors import DomainError, InvalidInput, Unauthenticated
from ..domain.messages import N_, msg
from ..services import accounts
from . import bp

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if header:
        raise Unauthenticated(msg(N_("无法识别的认证方式,请使用 Bearer 令牌。")))
    return None


def authenticate_request() -> None:
    """Set ``g.actor``: a bearer token (user or seat), else the browser session, else public.

    A bad token is a 401 at once. Cookie-authenticated writes must carry the CSRF token.
    """
    raw = _bearer()
    if raw is not None:
        user = accounts.user_for_token(raw)
        if user is not None:
            g.actor = accounts.actor_for_user(user)
            return
        seat = accounts.seat_for_token(raw)
        if seat is not None:
            g.actor = accounts.actor_for_seat(seat)
            return
        raise Unauthenticated(msg(N_("令牌无效或已过期,请重新登录。")))
    if current_user.is_authenticated:
        if request.method in UNSAFE:
            try:
                validate_csrf(request.headers.get("X-CSRFToken") or request.form.get("csrf_token"))
            except ValidationError:
                raise DomainError(msg(N_("缺少或无效的安全令牌(CSRF)。")), code="csrf_failed") from None
        g.actor = accounts.actor_for_user(current_user)
        return
    g.actor = PUBLIC


bp.before_request(authenticate_request)


def actor() -> Actor:
    return g.actor


def require_login() -> Actor:
    if g.actor is PUBLIC:
        raise Unauthenticated()
    return g.actor


def body() -> dict[str, Any]:
    """The request's JSON object, or a 400 in the contract's shape."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput(msg(N_("请求体必须是 JSON 对象。")))
    return data


def reply(data: Any, status: int = 200) -> Response:
    response = jsonify(data)
    response.status_code = status
    return response


# --- documented routes -------------------------------------------------------------------

SPEC_PATHS: dict[str, dict[str, Any]] = {}


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def route(
    rule: str,
    method: str,
    *,
    summary: str,
    tag: str,
    auth: str = "bearer",
    request_schema: dict[str, Any] | None = None,
    responses: dict[int, str | dict[str, Any]] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an API view and its OpenAPI operation in one place, so the two cannot drift."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=view, methods=[method])
        operation: dict[str, Any] = {"summary": summary, "tags": [tag], "operationId": view.__name__}
        params = re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", rule)
        if params:
            operation["parameters"] = [
                {"name": p, "in": "path", "required": True, "schema": {"type": "integer"}} for p in params
            ]
        if auth == "public":
            operation["security"] = []
        if request_schema is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": request_schema}},
            }
        operation["responses"] = _responses(responses or {200: "OK"})
        SPEC_PATHS.setdefault("/api/v1" + openapi_path(rule), {})[method.lower()] = operation
        return view

    return decorator


def _responses(responses: dict[int, str | dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for status, spec in responses.items():
        if isinstance(spec, str):
            out[str(status)] = {"description": spec}
        else:
            out[str(status)] = {
                "description": spec.get("description", "OK"),
                "content": {"application/json": {"schema": spec["schema"]}},
            }
        if status >= 400:
            out[str(status)].setdefault(
                "content", {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
            )
    return out
