"""Request ids, a one-line request log, and Prometheus metrics (docs/deployment.md).

* **Request id.** Every request gets one: the proxy's ``X-Request-ID`` when a proxy is trusted
  (``TRUSTED_PROXIES`` > 0, so a client cannot choose it) and the value is a sane token, otherwise
  a fresh random one. It is in ``g.request_id``, in every log line of the app (``%(request_id)s``),
  and echoed in the ``X-Request-ID`` response header.
* **Request log.** ``evalflow.request`` logs one INFO line per request: id, client address (after
  the proxy rules), method, path, status, duration. ``EVALFLOW_REQUEST_LOG=0`` turns it off.
* **Metrics.** ``EVALFLOW_METRICS=1`` adds ``/metrics`` (off by default: no route at all). It answers
  only the addresses in ``METRICS_ALLOW`` (default loopback) or a request carrying
  ``Authorization: Bearer <METRICS_TOKEN>``; anybody else gets 404.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
import uuid

from flask import Flask, Response, abort, g, has_request_context, request
from flask.logging import default_handler

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
LOG_FORMAT = "[%(asctime)s] %(levelname)s [%(request_id)s] %(name)s: %(message)s"
request_log = logging.getLogger("evalflow.request")


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` ("-" outside a request) so every formatter may use it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def _install_log_format() -> None:
    if not any(isinstance(f, RequestIdFilter) for f in default_handler.filters):
        default_handler.addFilter(RequestIdFilter())
        default_handler.setFormatter(logging.Formatter(LOG_FORMAT))


def current_request_id() -> str:
    if "request_id" not in g:
        supplied = request.headers.get("X-Request-ID", "")
        trusted = int(_config("TRUSTED_PROXIES", 0) or 0) > 0
        g.request_id = supplied if trusted and REQUEST_ID.match(supplied) else uuid.uuid4().hex
    return str(g.request_id)


def _config(name: str, default: object) -> object:
    from flask import current_app

    return current_app.config.get(name, default)


def _truthy(value: object) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def register_observability(app: Flask) -> None:
    from evalflow.shared.accesslog import install_filter

    _install_log_format()
    for logger in (app.logger, request_log):
        if not any(isinstance(f, RequestIdFilter) for f in logger.filters):
            logger.addFilter(RequestIdFilter())
    install_filter(request_log)  # seat tokens in paths stay out of this log too
    if _truthy(app.config.get("REQUEST_LOG", "1")):
        request_log.setLevel(logging.INFO)
    metrics_on = _truthy(app.config.get("METRICS", "0"))

    @app.before_request
    def assign_request_id() -> None:
        current_request_id()
        g.request_started = time.perf_counter()

    @app.after_request
    def echo_request_id(response: Response) -> Response:
        rid = current_request_id()
        response.headers["X-Request-ID"] = rid
        elapsed = time.perf_counter() - g.get("request_started", time.perf_counter())
        request_log.info(
            "%s %s %s %s %d %.1fms",
            rid, request.remote_addr or "-", request.method, request.path, response.status_code, elapsed * 1000,
        )  # fmt: skip
        if metrics_on:
            from evalflow.shared import metrics

            metrics.observe(
                request.method, request.url_rule.rule if request.url_rule else "-", response, elapsed
            )
        return response

    if metrics_on:
        _register_metrics_route(app)


def _register_metrics_route(app: Flask) -> None:
    from evalflow.shared import metrics

    allowed = {
        a.strip() for a in str(app.config.get("METRICS_ALLOW", "127.0.0.1,::1")).split(",") if a.strip()
    }
    token = str(app.config.get("METRICS_TOKEN") or "")

    def metrics_view() -> Response:
        offered = request.headers.get("Authorization", "")
        by_token = bool(token) and hmac.compare_digest(offered.encode(), f"Bearer {token}".encode())
        if not by_token and request.remote_addr not in allowed:
            abort(404)
        body, content_type = metrics.render()
        return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})

    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])
    from evalflow.extensions import csrf, limiter

    csrf.exempt(metrics_view)
    limiter.exempt(metrics_view)
