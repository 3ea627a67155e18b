"""集中听取汇报 + 互评: delegates' seats and cards, the agenda, open/close scoring, ballots (phone and paper)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Serve this phase: its routes on the API blueprint and its pages' blueprints."""
    from evalflow.briefing import api, door, pages, seat_pages, seats_api, seats_pages, version  # noqa: F401 - routes

    version.register(app)  # the phone's poll answers 304 without the database (briefing/version.py)

    app.register_blueprint(seats_pages.bp)
    app.register_blueprint(seat_pages.bp)
    app.register_blueprint(pages.bp)
