"""公示 notice and 审定表彰 final: the public notice, objections, the commendation list and certificates."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Serve this phase: its routes on the API blueprint and its pages' blueprints."""
    from evalflow.notice import api, door, office_pages, public_pages  # noqa: F401 - routes

    app.register_blueprint(public_pages.bp)
    app.register_blueprint(office_pages.bp)
