"""Two app servers, one database: nothing about the briefing lives in one process's memory.

Two gunicorn processes on different ports serve the same PostgreSQL schema. A burst of ballots with
duplicates and changes is split across both; afterwards the database holds exactly one ballot per
seat with its final grade, and both servers' control-panel counts are the same.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from evalflow import create_app
from evalflow.briefing.models import Ballot
from evalflow.extensions import db
from tests.briefing_world import build
from tests.conftest import pg_schema
from tests.factories import make_config

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("甲社区", "乙社区", "丙社区", "丁社区", "戊社区")
GRADES = ("好", "较好", "一般")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(port: int, method: str, path: str, token: str, payload: Any = None) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        body = json.dumps(payload).encode() if payload is not None else None
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None
    finally:
        conn.close()


def _start(url: str, secret: str, log: Path) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVALFLOW_")}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "EVALFLOW_DATABASE_URL": url,
            "EVALFLOW_SECRET_KEY": secret,
            "EVALFLOW_RATELIMIT_ENABLED": "false",
        }
    )
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        "1",
        "--no-control-socket",
        "-b",
        f"127.0.0.1:{port}",
        "wsgi:app",
    ]
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )
    return proc, port


def _wait_up(proc: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-2000:]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.25)
    raise AssertionError("gunicorn did not start")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def test_two_servers_one_database_count_the_same(tmp_path: Path) -> None:
    with pg_schema() as url:
        app = create_app(make_config(url, tmp_path))
        with app.app_context():
            db.create_all()
            world = build(app.test_client(), names=NAMES)
            cid, target, office = world.cid, world.uid(0), world.office
            voters = [(world.seat_ids[k], token) for k, token in world.seats.items() if k[0] != 0]
            secret = app.config["SECRET_KEY"]
            db.session.remove()
            db.engine.dispose()
        servers = [_start(url, secret, tmp_path / f"gunicorn-{i}.log") for i in range(2)]
        try:
            for i, (proc, port) in enumerate(servers):
                _wait_up(proc, port, tmp_path / f"gunicorn-{i}.log")
            ports = [port for _, port in servers]
            status, _ = _request(
                ports[0], "POST", f"/api/v1/campaigns/{cid}/presentations/{target}/open", office
            )
            assert status == 200
            expected: dict[int, str] = {}
            statuses: list[int] = []
            lock = threading.Lock()

            def send(port: int, token: str, grades: list[str]) -> None:
                for grade in grades:
                    code, _ = _request(
                        port, "PUT", f"/api/v1/campaigns/{cid}/ballots/{target}", token, {"grade": grade}
                    )
                    with lock:
                        statuses.append(code)

            threads = []
            for i, (seat_id, token) in enumerate(voters):
                plan = [GRADES[i % 3], GRADES[(i + 1) % 3], GRADES[(i + 2) % 3], GRADES[(i + 2) % 3]]
                expected[seat_id] = plan[-1]
                threads.append(threading.Thread(target=send, args=(ports[i % 2], token, plan)))
                threads.append(
                    threading.Thread(target=send, args=(ports[(i + 1) % 2], token, [plan[-1]] * 2))
                )
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            assert statuses == [200] * (len(voters) * 6)
            lives = [
                _request(port, "GET", f"/api/v1/campaigns/{cid}/briefing/live", office)[1] for port in ports
            ]
            assert lives[0] == lives[1]
            assert (lives[0]["current"]["ballots"], lives[0]["current"]["expected"]) == (
                len(voters),
                len(voters),
            )
            presentations = [
                _request(port, "GET", f"/api/v1/campaigns/{cid}/presentations", office)[1] for port in ports
            ]
            assert presentations[0] == presentations[1]
            engine = sa.create_engine(url)
            with engine.connect() as conn:
                rows = dict(
                    conn.execute(
                        sa.select(Ballot.seat_id, Ballot.grade).where(Ballot.unit_id == target)
                    ).all()
                )
            engine.dispose()
            assert rows == expected
        finally:
            for proc, _ in servers:
                _stop(proc)
