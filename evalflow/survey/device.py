"""The public survey's web plumbing: the phone's signed device cookie, the form's signed opening
time, and the rate limit per client address (the API route and the HTML form together).

- The device cookie holds a random id signed with the app's secret key; only its SHA-256 reaches
  the database. A missing or forged cookie gives a new id (so clearing cookies gives a new device —
  the rate limit per address and the anomaly signals are the other guards).
- The form's opening time is signed too; a form post without a valid one (missing, forged, or
  older than a day) is taken and flagged (``signals.SignalKind.UNTIMED``).
- Answers per address: ``SURVEY_ANSWER_RATE`` (default 120/minute), counted in the limiter's storage
  — Redis when ``REDIS_URL`` is set, so every server process shares it; every post counts.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from datetime import UTC, datetime

from flask import Flask, Response, current_app, request
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeSerializer
from limits import RateLimitItem
from limits import parse as parse_limit

from evalflow.extensions import limiter
from evalflow.shared.errors import RateLimited
from evalflow.shared.messages import N_, msg
from evalflow.survey import signals
from evalflow.survey.answers import Sender

COOKIE = "evalflow_survey_device"
COOKIE_DAYS = 400
SCOPE = "survey-answers"
ENDPOINTS = {"api.post_survey_answer", "survey_public.answer_form"}


def _signer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=salt)


def device_id() -> tuple[str, bool]:
    """The phone's device id from its signed cookie, and whether it is new (to be set)."""
    raw = request.cookies.get(COOKIE)
    if raw and len(raw) < 200:
        try:
            value = _signer("survey-device").loads(raw)
        except BadSignature:
            value = None
        if isinstance(value, str) and 10 <= len(value) <= 64:
            return value, False
    return secrets.token_urlsafe(16), True


def remember(response: Response, device: str, new: bool) -> Response:
    """Set the device cookie on *response* when the id is new."""
    if new:
        response.set_cookie(COOKIE, _signer("survey-device").dumps(device), max_age=COOKIE_DAYS * 86400,
                            httponly=True, samesite="Lax", secure=request.is_secure)  # fmt: skip
    return response


def sender(device: str, opened_at: datetime | None = None) -> Sender:
    """Who sends the answer: the device's hash, the address, when the form was opened (None: the
    API, not timed; a form post gives :func:`opened_at`)."""
    digest = hashlib.sha256(device.encode()).hexdigest()
    return Sender(digest, get_remote_address() or "", opened_at)


def opened_at(opened: str | None) -> datetime:
    """When the form was opened, from its signed hidden field — :data:`signals.OPENED_UNKNOWN` when
    the field is missing, forged or older than :data:`signals.OPENED_MAX_AGE` (a harvested value
    reused): the answer is still taken, and flagged ``untimed``."""
    if not opened or len(opened) >= 200:
        return signals.OPENED_UNKNOWN
    try:
        stamp = _signer("survey-opened").loads(opened)
        found = datetime.fromtimestamp(float(stamp), UTC)
    except (BadSignature, TypeError, ValueError, OverflowError, OSError):
        return signals.OPENED_UNKNOWN
    if found < datetime.now(UTC) - signals.OPENED_MAX_AGE:
        return signals.OPENED_UNKNOWN
    return found


def opened_stamp() -> str:
    """A signed 'the form was opened now', carried by the form's hidden field."""
    return _signer("survey-opened").dumps(time.time())


def _rate() -> RateLimitItem:
    return parse_limit(str(current_app.config.get("SURVEY_ANSWER_RATE") or "120/minute"))


def _key() -> tuple[str, str, str]:
    return str(current_app.config.get("RATELIMIT_KEY_PREFIX") or ""), SCOPE, get_remote_address()


def count_answer_posts() -> None:
    """Before a survey answer is read: count it against its address's limit (429 beyond)."""
    if request.method != "POST" or request.endpoint not in ENDPOINTS:
        return
    if not (limiter.enabled and current_app.config.get("RATELIMIT_ENABLED", True)):
        return
    if not limiter.limiter.hit(_rate(), *_key()):
        raise RateLimited(msg(N_("提交过于频繁:同一网络地址提交的问卷太多,请稍后再试。")))


def retry_after(response: Response) -> Response:
    """A refused answer says when the next one will be accepted (``Retry-After``, seconds)."""
    if response.status_code == 429 and request.endpoint in ENDPOINTS:
        reset_at, _ = limiter.limiter.get_window_stats(_rate(), *_key())
        response.headers["Retry-After"] = str(max(1, math.ceil(reset_at - time.time())))
    return response


def register(app: Flask) -> None:
    """Count answer posts before every request and say ``Retry-After`` on a refusal."""
    app.before_request(count_answer_posts)
    app.after_request(retry_after)
