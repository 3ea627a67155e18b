"""The HTML interface, one blueprint per audience; views are thin wrappers over the services."""

from __future__ import annotations

from flask import Flask, g
from flask_login import current_user

from evalflow.extensions import login_manager
from evalflow.shared.access import PUBLIC, Action, Actor, can
from evalflow.shared.accounts import service as accounts
from evalflow.shared.accounts.models import User
from evalflow.shared.answers import DATABASE_UNAVAILABLE
from evalflow.shared.phases import ORDER, Phase


def current_actor() -> Actor:
    if "actor" not in g:
        g.actor = accounts.actor_for_user(current_user) if current_user.is_authenticated else PUBLIC
    return g.actor


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader. While a request is answered "database unavailable" its page is drawn
    as for a visitor who is not signed in: asking the database who it is would fail again."""
    if g.get(DATABASE_UNAVAILABLE):
        return None
    return accounts.user_for_session(session_id)


def register_web(app: Flask) -> None:
    from evalflow.briefing import pages as briefing_pages
    from evalflow.briefing import seat_pages as seat
    from evalflow.briefing import seats_pages as seats
    from evalflow.intake import office_pages as intake_office
    from evalflow.intake import unit_pages as unit
    from evalflow.notice import office_pages as notice_office
    from evalflow.notice import public_pages as notices
    from evalflow.office import pages as office
    from evalflow.office import public_pages as public
    from evalflow.shared.accounts import office_pages as office_accounts
    from evalflow.shared.accounts import pages as auth
    from evalflow.tally import pages as tally_pages
    from evalflow.training import pages as training

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
    for module in (public, auth, office, office_accounts, unit, training, seats, seat, intake_office):
        app.register_blueprint(module.bp)
    app.register_blueprint(briefing_pages.bp)
    app.register_blueprint(tally_pages.bp)
    for module in (notices, notice_office):
        app.register_blueprint(module.bp)
    from evalflow.office import audit_pages as office_audit

    app.register_blueprint(office_audit.bp)

    from evalflow.office.labels import audit_action, state_label

    app.add_template_filter(audit_action, "audit_action")
    app.add_template_filter(state_label, "state_label")
    from evalflow.shared.files.rules import human_size

    app.add_template_filter(human_size, "filesize")
    from evalflow.shared.web import drain

    drain.register(app)

    @app.template_filter("localtime")
    def localtime(moment: object) -> str:
        from evalflow.shared.clock import local

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
