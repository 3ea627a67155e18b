"""The office's desk over the whole process: campaigns, the one door between phases, the activity
log, backups, the landing page."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Serve the office's desk: the campaign API, the landing page, the desk and the activity log."""
    from evalflow.office import api, audit_pages, pages, public_pages  # noqa: F401 - routes
    from evalflow.office.labels import audit_action, state_label

    app.register_blueprint(public_pages.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(audit_pages.bp)
    app.add_template_filter(audit_action, "audit_action")
    app.add_template_filter(state_label, "state_label")
