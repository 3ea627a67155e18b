"""The public JSON API v1 (contract: shared/contract/api-v1.md).

Views here parse input, call one service and serialize; rules live in services and the domain.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from evalflow.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def register_api(app: Flask) -> None:
    from evalflow.briefing import api as briefing
    from evalflow.briefing import seats_api as seats
    from evalflow.intake import api as applications
    from evalflow.intake import units_api as units
    from evalflow.intake import veto_api as veto
    from evalflow.notice import api as notices
    from evalflow.office import api as campaigns
    from evalflow.shared.accounts import api as auth
    from evalflow.shared.api import openapi
    from evalflow.tally import api as tally
    from evalflow.training import api as training

    csrf.exempt(bp)
    app.register_blueprint(bp)
