"""The public JSON API v1 (contract: shared/contract/api-v1.md).

Views here parse input, call one service and serialize; rules live in services and the domain.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def register_api(app: Flask) -> None:
    from . import (  # noqa: F401 - routes
        applications,
        auth,
        briefing,
        campaigns,
        notices,
        openapi,
        seats,
        tally,
        training,
        units,
        veto,
    )

    csrf.exempt(bp)
    app.register_blueprint(bp)
