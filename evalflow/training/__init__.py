"""集中培训 training: schedule and materials, attendance, the venue check-in, the shared Q&A."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Serve this phase: its routes on the API blueprint and its pages' blueprints."""
    from evalflow.training import api, door, pages  # noqa: F401 - routes

    app.register_blueprint(pages.bp)
