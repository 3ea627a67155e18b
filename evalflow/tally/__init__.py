"""综合评定 review: the tally of the ballots, bias signals, the seal, reports and the proposed list."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Serve this phase: its routes on the API blueprint and its pages' blueprints."""
    from evalflow.tally import api, door, pages  # noqa: F401 - routes

    app.register_blueprint(pages.bp)
