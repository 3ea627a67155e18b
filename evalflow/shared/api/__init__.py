"""The JSON API v1's blueprint. Each phase declares its routes on it (``<phase>/*api.py``, with
``routes.route``); views parse input, call one use case and serialize (docs/api.md)."""

from __future__ import annotations

from flask import Blueprint, Flask

from evalflow.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def register_api(app: Flask) -> None:
    """Serve the API: call after every phase declared its routes (``<phase>.register``)."""
    from evalflow.shared.api import caller, openapi  # noqa: F401 - authentication; GET /openapi.json

    csrf.exempt(bp)
    app.register_blueprint(bp)
