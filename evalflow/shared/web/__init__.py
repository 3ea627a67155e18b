"""The HTML pages' machinery: request state, sign-in sessions, template filters and globals.

The pages themselves live with their phase (``<phase>/*pages.py``), one blueprint per audience."""

from __future__ import annotations

from flask import Flask, g
from flask_login import current_user

from evalflow.extensions import login_manager
from evalflow.shared.access import PUBLIC, Action, Actor, can
from evalflow.shared.accounts import actors
from evalflow.shared.accounts import service as accounts
from evalflow.shared.accounts.models import User
from evalflow.shared.answers import DATABASE_UNAVAILABLE
from evalflow.shared.clock import local
from evalflow.shared.files.rules import human_size
from evalflow.shared.phases import ORDER, Phase
from evalflow.shared.web import drain


def current_actor() -> Actor:
    if "actor" not in g:
        g.actor = actors.actor_for_user(current_user) if current_user.is_authenticated else PUBLIC
    return g.actor


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader. While a request is answered "database unavailable" its page is drawn
    as for a visitor who is not signed in: asking the database who it is would fail again."""
    if g.get(DATABASE_UNAVAILABLE):
        return None
    return accounts.user_for_session(session_id)


def register_web(app: Flask) -> None:
    """What every page needs: fresh request state, sign-in sessions, template filters and globals.
    Each phase registers its own blueprints (``<phase>.register``)."""

    @app.before_request
    def fresh_request_state() -> None:
        """Request state (user, actor, CSRF token, locale) starts empty for every request, as it
        does in production; an app context that outlives one request (tests) must not leak it."""
        for name in list(vars(g)):
            g.pop(name, None)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    app.add_template_filter(human_size, "filesize")
    drain.register(app)

    @app.template_filter("localtime")
    def localtime(moment: object) -> str:
        return local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""  # type: ignore[arg-type]

    @app.context_processor
    def inject() -> dict[str, object]:
        return {"actor": current_actor(), "can": _can, "Action": Action, "PHASES": ORDER, "Phase": Phase}


def _can(action: Action, campaign: object = None, unit_id: int | None = None) -> bool:
    """The template-side view of the one permission predicate (hides buttons the actor may not use)."""
    return can(
        current_actor(),
        action,
        phase=getattr(campaign, "phase", None),
        campaign_id=getattr(campaign, "id", None),
        unit_id=unit_id,
    )
