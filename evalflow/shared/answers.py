"""Errors are answers: JSON in the contract's shape under /api/, friendly pages elsewhere.

No stack trace ever reaches a user; a 500 is logged with its traceback and answered plainly. A
database that cannot be reached or kept (``database.unavailable``) is not a bug: 503
``database_unavailable`` with ``Retry-After``.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from evalflow.database import busy, unavailable
from evalflow.extensions import db
from evalflow.shared.access import PUBLIC
from evalflow.shared.errors import DomainError, RateLimited
from evalflow.shared.i18n import tr, tr_all
from evalflow.shared.messages import N_

HTTP_CODES = {
    400: ("invalid_input", N_("请求无效。")),
    401: ("unauthenticated", N_("请先登录。")),
    403: ("forbidden", N_("您没有权限访问此页面。")),
    404: ("not_found", N_("未找到该内容。")),
    405: ("method_not_allowed", N_("不支持该请求方法。")),
    409: ("conflict", N_("操作与当前状态冲突,请刷新后重试。")),
    413: ("too_large", N_("上传内容过大。")),
    415: ("unsupported_type", N_("不支持的内容类型。")),
    429: ("rate_limited", N_("请求过于频繁,请稍后再试。")),
    500: ("server_error", N_("服务器出错了,我们已记录此问题。")),
    503: ("database_unavailable", N_("暂时连不上数据库,请稍后重试。")),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    error.update({k: v for k, v in extra.items() if v})
    return {"error": error}


def _respond(status: int, code: str, message: str, **extra: Any) -> Response:
    if wants_json():
        response = jsonify(error_body(code, message, **extra))
        response.status_code = status
        return response
    template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/generic.html"
    try:
        html = render_template(template, status=status, message=message, extra=extra)
    except Exception:  # the error page itself must never fail
        current_app.logger.exception("error page failed to render")
        html = f"<!doctype html><title>{status}</title><h1>{status}</h1><p>{escape(message)}</p>"
    return Response(html, status=status, mimetype="text/html")


def domain_error_response(exc: DomainError) -> Response:
    fields = {name: tr_all(reasons) for name, reasons in exc.fields.items()}
    response = _respond(exc.status, exc.code, tr(exc.message), fields=fields, reasons=tr_all(exc.reasons))
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _rate_limit_wait() -> int | None:
    """Seconds until the limit that refused this request resets (Flask-Limiter's own limits)."""
    from evalflow.extensions import limiter

    try:
        current = limiter.current_limit
        return max(1, int(current.reset_at - time.time())) if current else None  # as Retry-After
    except Exception:  # the storage is unreachable: the page still answers, without a figure
        return None


def conflict_response(exc: Exception) -> Response:
    """A write that lost a race against the database's constraints or locks."""
    return _respond(409, "conflict", gettext("操作与当前状态冲突,请刷新后重试。"))


# Set for a request answered "database unavailable": its page is drawn without asking the database
# again (who is signed in: web/__init__.py), as the visitor's account cannot be read now.
DATABASE_UNAVAILABLE = "database_unavailable"
RETRY_AFTER = 1  # seconds; the pool has already dropped the dead connection, a retry may succeed


def database_unavailable_response(exc: BaseException) -> Response:
    """503 ``database_unavailable`` with ``Retry-After`` for a request that could not reach or keep
    the database (``database.unavailable``): JSON under /api/, a page elsewhere."""
    current_app.logger.warning(
        "database unavailable on %s %s: %s", request.method, request.path, getattr(exc, "orig", exc)
    )
    g.setdefault(DATABASE_UNAVAILABLE, True)
    g.setdefault("actor", PUBLIC)  # the page's menu must not ask the database who this is
    code, text = HTTP_CODES[503]
    message = gettext("数据库正忙,请稍后重试。") if busy(exc) else gettext(text)
    response = _respond(503, code, message)
    response.headers["Retry-After"] = str(RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"  # a passing failure: no cache may keep it
    return response


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, domain_error_response)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Response:
        return _respond(400, "csrf_failed", gettext("页面已过期或缺少安全令牌,请刷新页面后重试。"))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        code, message = HTTP_CODES.get(status, ("error", exc.name))
        text = gettext(message)
        if status == 429 and (wait := _rate_limit_wait()):
            text = gettext("请求过于频繁,请 %(seconds)d 秒后再试。", seconds=wait)
        response = _respond(status, code, text)
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(InternalServerError)
    def failed_outside_the_view(exc: InternalServerError) -> Response:
        """Flask's 500 for an error raised where no other handler applies (an after-request hook):
        503 when it was the database going away."""
        if exc.original_exception is not None and unavailable(exc.original_exception):
            return database_unavailable_response(exc.original_exception)
        return http_error(exc)

    @app.errorhandler(SQLAlchemyError)
    def database_error(exc: SQLAlchemyError) -> Response:
        """The database could not be reached or kept (database.unavailable: a restart, a refused
        connection, a locked SQLite file): 503, try again — the pool replaces dead connections by
        itself, so the retry succeeds once the database is back. Anything else is a bug: 500."""
        if isinstance(exc, IntegrityError):  # a write inside the view lost a race (two requests
            app.logger.warning(  # adding the same row at once): the same 409 as at commit
                "constraint refused a write on %s %s: %s", request.method, request.path, exc.orig
            )
            db.session.rollback()
            return conflict_response(exc)
        if not unavailable(exc):
            return unexpected(exc)
        return database_unavailable_response(exc)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(500, "server_error", gettext(HTTP_CODES[500][1]))
