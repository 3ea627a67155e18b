"""Command-line tools (``flask --app evalflow …``): thin wrappers over services, one commit each."""

from __future__ import annotations

import click
from flask import Flask

from .domain.errors import DomainError
from .extensions import db
from .i18n import describe


def _fail(exc: DomainError) -> None:
    db.session.rollback()
    raise click.ClickException(describe(exc))


def register_cli(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.argument("username")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    def create_admin(username: str, password: str) -> None:
        """Create a civilization-office (文明办) account."""
        from .services.accounts import create_admin as create

        try:
            create(username, password)
        except DomainError as exc:
            _fail(exc)
        db.session.commit()
        click.echo(f"created office account {username}")

    @app.cli.command("demo")
    @click.option(
        "--admin-password",
        envvar="EVALFLOW_DEMO_PASSWORD",
        default="evalflow-demo",
        show_default=True,
        help="password of the demo office account 'admin'",
    )
    def demo(admin_password: str) -> None:
        """Load the demo campaign (idempotent: running it again changes nothing)."""
        from .demo import load_demo

        try:
            summary = load_demo(admin_password)
        except DomainError as exc:
            _fail(exc)
        db.session.commit()
        for line in summary:
            click.echo(line)
