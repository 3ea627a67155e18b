"""evalflow: a civilized-unit selection campaign (文明单位评选), end to end.

:func:`create_app` builds the application: config → extensions → blueprints → CLI → error handlers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the package root stays importable without Flask, so the domain core is pure
    from flask import Flask

from evalflow.version import VERSION as __version__  # noqa: F401 - the package's version


def _parts() -> tuple[Any, ...]:
    """The sign-in, the office's desk, then each phase in the order of the process."""
    from evalflow import (
        assessment,
        briefing,
        inspection,
        intake,
        notice,
        office,
        review,
        survey,
        tally,
        training,
    )
    from evalflow.shared import signin

    return (signin, office, intake, training, briefing, tally, assessment, inspection, survey, review, notice)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The application factory. *test_config* replaces the instance file and environment."""
    from flask import Flask

    from evalflow import cli
    from evalflow.config import load_config
    from evalflow.database import register_database, register_request_commit
    from evalflow.shared import answers as errors
    from evalflow.shared import i18n, security, web
    from evalflow.shared.api import register_api
    from evalflow.shared.campaigns.guard import register_write_guard
    from evalflow.shared.converters import IdConverter

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(Path(__file__).parent.parent / "templates"),
    )
    app.url_map.converters["int"] = IdConverter  # ids past the id columns are a 404 (converters.py)
    load_config(app, test_config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    register_database(app)
    i18n.register_i18n(app)
    security.register_security(app)
    web.register_web(app)
    register_write_guard(app)  # after register_web: its first hook starts each request's state
    for part in _parts():
        part.register(app)  # each phase serves its own API routes and pages
    register_api(app)
    cli.register_cli(app)
    errors.register_error_handlers(app)
    from evalflow.shared.observability import register_observability

    register_observability(app)
    # Registered last, so it is the first to run after each view.
    register_request_commit(app, conflict=errors.conflict_response, lost=errors.database_unavailable_response)
    return app
