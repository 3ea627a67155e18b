"""Command-line tools (``flask --app evalflow …``): thin wrappers over services, one commit each."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from evalflow.extensions import db
from evalflow.shared.errors import DomainError
from evalflow.shared.i18n import describe


def _fail(exc: DomainError) -> None:
    db.session.rollback()
    raise click.ClickException(describe(exc))


@click.command("create-admin")
@with_appcontext
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_admin(username: str, password: str) -> None:
    """Create a civilization-office (文明办) account."""
    from evalflow.shared.accounts.service import create_admin as create

    try:
        create(username, password)
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"created office account {username}")


@click.command("demo")
@with_appcontext
@click.option(
    "--admin-password",
    envvar="EVALFLOW_DEMO_PASSWORD",
    default="evalflow-demo",
    show_default=True,
    help="password of the demo office account 'admin'",
)
def demo(admin_password: str) -> None:
    """Load the demo campaign (idempotent: running it again changes nothing)."""
    from evalflow.demo import load_demo

    try:
        summary = load_demo(admin_password)
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    for line in summary:
        click.echo(line)


@click.command("verify-tally")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--digest", "sealed", default="", help="the sealed digest printed on the tally report")
@click.option(
    "--composite",
    "composite",
    default="",
    type=click.Path(dir_okay=False),
    help="also the 综合测评 export (JSON): recompute every composite and its digest",
)
@click.option("--composite-digest", "composite_digest", default="", help="the composite's sealed digest")
def verify_tally(file: str, sealed: str, composite: str, composite_digest: str) -> None:
    """Recompute the tally and the digest from an exported ballots CSV; fail on any discrepancy.
    With ``--composite``, also every composite from its export, chained to the ballots' digest."""
    from pathlib import Path

    from evalflow.tally.rules import display
    from evalflow.tally.seal_rules import verify_export

    data = Path(file).read_bytes()  # not read_text(): its newline translation would turn a CR into LF
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(
            f"{file} is not UTF-8 text (byte {exc.start}): the ballots export is UTF-8; was it saved again "
            "in another encoding?"
        ) from None
    result = verify_export(text, sealed)
    for r in result.results:
        counts = " ".join(f"{label}:{n}" for label, n in r.counts.items())
        score = display(r.score) if r.score is not None else "—"
        click.echo(f"{r.rank:>3}  {r.name}  {counts}  {r.ballots}/{r.expected}  {score}")
    click.echo(f"ballots: {result.ballots}")
    click.echo(f"digest:  {result.digest}")
    if not result.ok:
        for problem in result.problems:
            click.echo(problem.render(), err=True)
        raise click.ClickException(f"verification FAILED: {len(result.problems)} problem(s)")
    click.echo("verification OK: the digest and the tally match the file")
    if composite:
        _verify_composite(composite, composite_digest, result.digest)


def _verify_composite(file: str, sealed: str, ballots_digest: str) -> None:
    """Recompute every composite of a 综合测评 export; fail on any discrepancy."""
    from pathlib import Path

    from evalflow.review.seal_rules import verify
    from evalflow.tally.rules import display

    result = verify(Path(file).read_bytes().decode("utf-8-sig"), sealed, ballots_digest)
    for r in result.results:
        total = display(r.total)
        click.echo(f"{r.rank if r.rank is not None else '—':>3}  {r.name}  {total}")
    click.echo(f"composite digest: {result.digest}")
    if not result.ok:
        for problem in result.problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"composite verification FAILED: {len(result.problems)} problem(s)")
    click.echo("composite verification OK: the digest and every total match the file")


@click.command("verify-audit")
@with_appcontext
@click.option(
    "--campaign", "campaign_ids", type=int, multiple=True, help="check only these campaigns' chains"
)
def verify_audit(campaign_ids: tuple[int, ...]) -> None:
    """Re-check the hash chains of the audit log; exit 1 at the first broken link."""
    from evalflow.shared.audit.verify import verify

    reports = verify(list(campaign_ids) if campaign_ids else None)
    broken = [r for r in reports if r.broken is not None]
    for report in reports:
        state = "BROKEN" if report.broken else "ok"
        click.echo(f"chain {report.chain}: {state}, {report.length} entries checked, head {report.head}")
    if broken:
        raise click.ClickException("first broken link: " + broken[0].broken.describe())  # type: ignore[union-attr]
    click.echo(f"audit log intact: {len(reports)} chains")


@click.command("export")
@with_appcontext
@click.argument("campaign_id", type=int)
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
def export_campaign(campaign_id: int, out: str) -> None:
    """Back up one campaign (its rows, audit chain and files) into the zip archive OUT."""
    from pathlib import Path

    from evalflow.office.backup import export_campaign as export

    try:
        summary = export(campaign_id, Path(out))
    except DomainError as exc:
        _fail(exc)
    except OSError as exc:  # the archive could not be written (no room, no permission …)
        db.session.rollback()
        raise click.ClickException(f"export failed, nothing written: {exc}") from None
    db.session.rollback()
    click.echo(
        f"exported campaign {campaign_id} to {summary.path}: {sum(summary.rows.values())} rows, {summary.files} files"
    )


@click.command("import")
@with_appcontext
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
def import_campaign(archive: str) -> None:
    """Restore a campaign archive written by `export` into an empty database."""
    from pathlib import Path

    from evalflow.office.backup import import_archive

    try:
        summary = import_archive(Path(archive))
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"imported {sum(summary.rows.values())} rows and {summary.files} files from {archive}")


@click.command("api-guide")
@with_appcontext
def api_guide() -> None:
    """Print the API guide (Markdown) written from the OpenAPI document: > docs/api.md"""
    from evalflow.shared.api.guide import render
    from evalflow.shared.api.openapi import document

    click.echo(render(document()), nl=False)


COMMANDS = (create_admin, demo, verify_tally, verify_audit, export_campaign, import_campaign, api_guide)


def register_cli(app: Flask) -> None:
    """The commands of ``flask --app evalflow …``, each a thin wrapper over a use case."""
    for command in COMMANDS:
        app.cli.add_command(command)
