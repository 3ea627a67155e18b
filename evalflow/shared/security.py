"""Security headers, cookies and CSRF.

Flask-Talisman sets the CSP (no inline script), nosniff, frame-ancestors / X-Frame-Options and the
Referrer-Policy on every response; it is the maintained, widely used choice for this in Flask. The
session cookie is HttpOnly and SameSite=Lax, and Secure whenever the request came over HTTPS.
"""

from __future__ import annotations

import logging

from flask import Flask, Request, Response, g, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from werkzeug.middleware.proxy_fix import ProxyFix

from evalflow.extensions import csrf, limiter, talisman
from evalflow.shared.accesslog import install_filter

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def bearer_token(header: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; ``None`` for no header, another
    scheme or an empty token. The one reading of the header: the API's caller, the cookie session
    and the phone's poll all ask here."""
    scheme, _, value = header.partition(" ")
    value = value.strip()
    return value if value and scheme.lower() == "bearer" else None


def _signed_in() -> bool:
    from flask_login import current_user

    try:
        return bool(current_user.is_authenticated)
    except Exception:  # no login manager or a broken session: not a signed-in page
        return False


def no_referrer() -> None:
    """This response must not leak its URL to other sites (the URL is a credential)."""
    g.referrer_policy = "no-referrer"


class TokenRequestSession(SecureCookieSession):
    """The session of an API request that carries a bearer token: empty, and never saved. Such a
    request is authenticated by its token alone (shared/api/caller.py), so the browser's session
    cookie is neither read nor written — the phone's ballot and poll skip decoding and signing it."""


class SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure when the request itself came over HTTPS; leaves the cookie
    alone for API requests authenticated by a bearer token (:class:`TokenRequestSession`)."""

    def get_cookie_secure(self, app: Flask) -> bool:  # type: ignore[override]
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:  # type: ignore[override]
        if (
            request.path.startswith("/api/")
            and bearer_token(request.headers.get("Authorization", "")) is not None
        ):
            return TokenRequestSession()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:  # type: ignore[override]
        if not isinstance(session, TokenRequestSession):
            super().save_session(app, session, response)


def register_security(app: Flask) -> None:
    install_filter(app.logger)
    install_filter(logging.getLogger("werkzeug"))
    # X-Forwarded-* is believed only from as many proxies as the operator says are in front;
    # by default (0) a client cannot pick its own address and so dodge the rate limits.
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )
    app.session_interface = SessionInterface()

    @app.after_request
    def keep_stricter_referrer_policy(response: Response) -> Response:
        """Registered before Talisman, so it runs after it: a page that asked for a stricter
        policy (:func:`no_referrer`) keeps it instead of Talisman's site-wide one."""
        policy = g.get("referrer_policy")
        if policy:
            response.headers["Referrer-Policy"] = policy
        return response

    @app.after_request
    def no_store_private_pages(response: Response) -> Response:
        """API answers and pages for a signed-in user are private: no browser or proxy cache
        keeps a copy (a shared computer, the back button after logout)."""
        private = request.path.startswith("/api/") or _signed_in()
        if (
            request.endpoint != "static"
            and private
            and "no-store" not in response.headers.get("Cache-Control", "")
        ):
            response.headers["Cache-Control"] = "no-store"
        return response

    talisman.init_app(
        app,
        force_https=bool(app.config.get("FORCE_HTTPS")),
        strict_transport_security=bool(app.config.get("FORCE_HTTPS")),
        session_cookie_secure=bool(app.config["SESSION_COOKIE_SECURE"]),
        session_cookie_http_only=True,
        frame_options="DENY",
        content_security_policy=CSP,
        referrer_policy="strict-origin-when-cross-origin",
        x_content_type_options=True,
    )
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
