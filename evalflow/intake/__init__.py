"""申报 intake: units register and submit their report; the office reviews and records vetoes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Serve this phase: its routes on the API blueprint and its pages' blueprints."""
    from evalflow.intake import api, door, office_pages, unit_pages, units_api, veto_api  # noqa: F401 - routes

    app.register_blueprint(unit_pages.bp)
    app.register_blueprint(office_pages.bp)
