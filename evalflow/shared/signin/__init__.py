"""Signing in and out (pages and the token endpoint) and the office's account pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Serve sign-in: the token endpoint, the sign-in pages and the office's account pages."""
    from evalflow.shared.signin import accounts_api, api, office_pages, pages  # noqa: F401 - routes

    app.register_blueprint(pages.bp)
    app.register_blueprint(office_pages.bp)
