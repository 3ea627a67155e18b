"""The database goes away in the middle of a ballot burst: nothing acknowledged is lost, and every
request that could not reach the database says so (503 ``database_unavailable`` + ``Retry-After``).

What runs, for real: gunicorn with two gthread workers (the deployed shape) serves a campaign in its
briefing, built through the app's own services; 117 phones each send six grades in turn (each one
retried until answered 200, as the ballot page does), while other clients read the control panel,
poll, open HTML pages and sign in through the API and the HTML form. Mid-burst one gunicorn worker
is SIGKILLed, and on PostgreSQL the cluster — a private one, started for this test in a temporary
folder on its own port — is stopped with ``pg_ctl restart -m immediate`` (its processes are killed,
as in a crash) and started again.

What it proves, on PostgreSQL and on SQLite:

* no answer is a 500, and every error answer is 503 ``database_unavailable`` with ``Retry-After``
  (JSON under /api/, a page elsewhere);
* every phone's last grade answered 200 is the grade stored, and the audit log holds each seat's
  grade changes exactly once, in order (a retried ballot is never counted twice);
* ``flask verify-audit`` passes;
* once the database is back, the pools have recovered: every phone's ballot is answered 200 at the
  first try.

Skipped with the reason on a machine without PostgreSQL's server programs (initdb, pg_ctl); in CI
(``CI=true`` / ``EVALFLOW_E2E_REQUIRED=1``) that is a failure instead.
"""

from __future__ import annotations

import functools
import re
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from evalflow import create_app
from evalflow.briefing.models import Ballot
from evalflow.extensions import db
from evalflow.shared.audit.models import AuditEntry
from tests.briefing_world import build
from tests.factories import PASSWORD, make_config
from tests.outage_burst import Answer, Burst, Server, World
from tests.pg_cluster import private_cluster

pytestmark = pytest.mark.slow

UNITS = 40  # three seats each: the 117 seats of the other 39 units grade the open one
GRADES = ("好", "较好", "一般")
BALLOTS_PER_PHONE = 6
# What each kind of request may answer when all goes well (503 is judged separately).
FINE = {
    "ballot": {200},
    "api_get": {200, 304},
    "api_write": {201},
    "html_page": {200},
    "html_login_form": {200},
    "html_login": {302},
    "html_signed_in": {200},
}


def _prepare(url: str, tmp_path: Path) -> tuple[World, str]:
    """The briefing of 40 units, the first one open for scoring; returns the world and the secret."""
    app = create_app(make_config(url, tmp_path))
    with app.app_context():
        db.create_all()
        client = app.test_client()
        world = build(client, names=tuple(f"第{i + 1}社区" for i in range(UNITS)))
        target = world.uid(0)
        opened = client.post(
            f"/api/v1/campaigns/{world.cid}/presentations/{target}/open", headers=world.office_headers()
        )
        assert opened.status_code == 200, opened.get_json()
        phones = [(world.seat_ids[k], token) for k, token in sorted(world.seats.items()) if k[0] != 0]
        facts = World(world.cid, target, world.office, ("office", PASSWORD), phones)
        db.session.remove()
        db.engine.dispose()
    return facts, app.config["SECRET_KEY"]


def _plans(world: World) -> dict[int, list[str]]:
    """Each phone's grades in the order it sends them; two in a row always differ."""
    return {
        seat: [GRADES[(i + k) % 3] for k in range(BALLOTS_PER_PHONE)]
        for i, (seat, _token) in enumerate(world.phones)
    }


def _judge(answers: list[Answer]) -> list[str]:
    """Every answer that breaks the rule: a 500, an error other than 503 database_unavailable, a 503
    without Retry-After or in the wrong shape."""
    wrong = []
    for a in answers:
        if a.status is None or a.status in FINE[a.route]:
            continue
        if a.status != 503:
            wrong.append(f"{a.route}: {a.status} {a.body[:300]!r}")
            continue
        shape = (
            (a.json() or {}).get("error", {}).get("code") if a.route.startswith(("api", "ballot")) else "page"
        )
        html = a.headers.get("content-type", "").startswith("text/html")
        if not a.headers.get("retry-after", "").isdigit() or shape not in ("database_unavailable", "page"):
            wrong.append(f"{a.route}: 503 without Retry-After or code: {a.headers} {a.body[:200]!r}")
        elif shape == "page" and not html:
            wrong.append(f"{a.route}: 503 outside /api/ is not a page: {a.headers}")
    return wrong


def _stored(url: str, world: World) -> tuple[dict[int, str], dict[int, list[tuple[Any, Any]]]]:
    """The ballots of the open unit, and each seat's audited grade changes in chain order."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        ballots = dict(conn.execute(sa.select(Ballot.seat_id, Ballot.grade).where(Ballot.unit_id == world.target)).all())  # fmt: skip
        rows = conn.execute(
            sa.select(AuditEntry.subject_id, AuditEntry.from_state, AuditEntry.to_state)
            .where(AuditEntry.chain == world.cid, AuditEntry.action.in_(("ballot.cast", "ballot.change")))
            .order_by(AuditEntry.seq)
        ).all()
    engine.dispose()
    changes: dict[int, list[tuple[Any, Any]]] = {}
    for seat, old, new in rows:
        changes.setdefault(seat, []).append((old, new))
    return ballots, changes


def _verify_audit(url: str, tmp_path: Path) -> Any:
    """``flask verify-audit`` on the database, run by the CLI runner (no second interpreter)."""
    app = create_app(make_config(url, tmp_path))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["verify-audit"])
        db.session.remove()
        db.engine.dispose()
    return result


def _burst_through_faults(url: str, tmp_path: Path, faults: list[tuple[float, Any]]) -> list[tuple[int, Any]]:
    world, secret = _prepare(url, tmp_path)
    plans = _plans(world)
    env = {"EVALFLOW_DATABASE_URL": url, "EVALFLOW_SECRET_KEY": secret, "EVALFLOW_RATELIMIT_ENABLED": "false"}
    env["EVALFLOW_UPLOAD_DIR"] = str(tmp_path / "uploads")
    server = Server(env, tmp_path / "gunicorn.log")
    try:
        server.wait_up()
        burst = Burst(server.port, world, plans)
        steps = burst.run([(share, functools.partial(fault, server)) for share, fault in faults])
        log = _errors_logged(server)
        wrong = _judge(burst.answers)
        assert not wrong, "\n".join(wrong[:10]) + f"\n({len(wrong)} in all)\n" + log
        assert burst.stuck == [], f"phones that never got their ballot answered: {burst.stuck}\n{log}"
        assert _unexplained(server) == [], "errors logged besides the workers killed by the test"
        total = len(world.phones) * BALLOTS_PER_PHONE
        assert all(acks < total for acks, _ in steps), f"a fault came after the burst: {steps}"
        last = {seat: plan[-1] for seat, plan in plans.items()}
        assert burst.acked == last
        ballots, changes = _stored(url, world)
        assert ballots == last, "a grade answered 200 is not the one stored"
        expected = {seat: list(zip([None, *plan[:-1]], plan, strict=True)) for seat, plan in plans.items()}
        assert changes == expected, "the audit log does not hold each acknowledged change exactly once"
        again = [burst.ballot(token, last[seat]) for seat, token in world.phones]
        assert [a.status for a in again] == [200] * len(world.phones), "the pools did not recover"
        verified = _verify_audit(url, tmp_path)
        assert verified.exit_code == 0, verified.output
        assert "audit log intact" in verified.output
        print(_summary(burst.answers, steps))
        return steps
    finally:
        server.stop()


def _errors_logged(server: Server) -> str:
    """The server's exceptions, each kind once with its count (the request log left out)."""
    kinds: dict[str, int] = {}
    for line in server.log.read_text(errors="replace").splitlines():
        if re.match(r"^[\w.]+(Error|Exception)\b", line):
            kinds[line[:300]] = kinds.get(line[:300], 0) + 1
    return "server log:\n" + "\n".join(f"{n} x {kind}" for kind, n in kinds.items())


def _unexplained(server: Server) -> list[str]:
    """Error lines of the application and of gunicorn, but for the SIGKILLs the test sent: a worker
    that crashed or timed out, an unhandled error, an error page that failed."""
    lines = server.log.read_text(errors="replace").splitlines()
    return [
        line
        for line in lines
        if re.search(r"\] ERROR \[|\[ERROR\]|\[CRITICAL\]", line) and "was sent SIGKILL" not in line
    ]


def _summary(answers: list[Answer], steps: list[tuple[int, Any]]) -> str:
    counts: dict[str, int] = {}
    for a in answers:
        key = f"{a.route} {a.status or 'broken'}"
        counts[key] = counts.get(key, 0) + 1
    return f"faults at acks {[acks for acks, _ in steps]}; answers: {dict(sorted(counts.items()))}"


def _kill_worker(server: Server, _burst: Burst) -> int:
    return server.kill_a_worker()


# The kinds of request that read or write the database, each of which must meet the outage.
TOUCH_THE_DATABASE = {"ballot", "api_get", "api_write", "html_page", "html_login", "html_signed_in"}


def test_outage_postgres_restart_and_killed_worker_lose_nothing(tmp_path: Path) -> None:
    with private_cluster() as cluster:

        def restart(_server: Server, _burst: Burst) -> None:
            cluster.restart_immediately()

        def outage(_server: Server, burst: Burst) -> set[str]:
            """Crash the cluster and keep it down until every kind of request has been answered
            while it was (at most 15 s), then start it again."""
            since, deadline = len(burst.answers), time.monotonic() + 15
            cluster.crash()
            while burst.met_the_outage(since) < TOUCH_THE_DATABASE and time.monotonic() < deadline:
                time.sleep(0.05)
            cluster.start()
            return burst.met_the_outage(since)

        faults = [(0.15, _kill_worker), (0.35, restart), (0.6, outage)]
        steps = _burst_through_faults(cluster.url, tmp_path, faults)
        assert steps[-1][1] == TOUCH_THE_DATABASE, "some kind of request never met the outage"


def test_outage_sqlite_killed_worker_loses_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'outage.sqlite3'}"
    _burst_through_faults(url, tmp_path, [(0.15, _kill_worker), (0.5, _kill_worker)])
