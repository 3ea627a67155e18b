"""Sign-in throttling: only *failed* attempts count, per account and per client address.

A training venue signs in forty unit accounts from one address within a minute; counting every
attempt per address would lock it out. Counting failures instead stops password guessing against
one account (per-account limit) and spraying many accounts from one address (per-address limit),
while successful sign-ins are never throttled.

The counters live in Flask-Limiter's storage (``RATELIMIT_STORAGE_URI``; Redis when configured, so
every worker process shares them). The client address is ``request.remote_addr``, which honours
``X-Forwarded-For`` only when ``TRUSTED_PROXIES`` says a proxy is in front (see security.py).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

from flask import current_app, has_request_context, request
from limits import RateLimitItem, parse_many

from evalflow.extensions import limiter
from evalflow.shared.errors import RateLimited
from evalflow.shared.messages import N_, msg

NAMESPACE = "login-failed"


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED")) and limiter.initialized and limiter.enabled


def _buckets(username: str) -> Iterator[tuple[RateLimitItem, tuple[str, ...]]]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or "evalflow"
    account = (username or "").strip().casefold()[:80]
    for item in parse_many(current_app.config["LOGIN_FAILURES_PER_ACCOUNT"]):
        yield item, (prefix, NAMESPACE, "account", account)
    if has_request_context():
        address = request.remote_addr or "-"
        for item in parse_many(current_app.config["LOGIN_FAILURES_PER_ADDRESS"]):
            yield item, (prefix, NAMESPACE, "address", address)


def check_login(username: str) -> None:
    """Refuse (429, with the wait in seconds) while this account or address has failed too often."""
    if not _enabled():
        return
    strategy = limiter.limiter
    wait = 0.0
    try:
        for item, keys in _buckets(username):
            if not strategy.test(item, *keys):
                reset_at, _ = strategy.get_window_stats(item, *keys)
                wait = max(wait, reset_at - time.time())
    except Exception:  # the storage (Redis) is down: sign-in keeps working, the log says why
        current_app.logger.exception("sign-in throttle: rate-limit storage unavailable")
        return
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise RateLimited(
            msg(N_("登录失败次数过多,请 %(seconds)d 秒后再试。"), seconds=seconds), retry_after=seconds
        )


def login_failed(username: str) -> None:
    """Count one failed sign-in against the account and the address."""
    if not _enabled():
        return
    strategy = limiter.limiter
    try:
        for item, keys in _buckets(username):
            strategy.hit(item, *keys)
    except Exception:
        current_app.logger.exception("sign-in throttle: rate-limit storage unavailable")
