"""bench/wrk_bench.py's ballot script: each wrk thread has its own seats, so every ballot after a seat's
first changes its grade (bench/README.md, *Ballots at 16 and 64 connections*)."""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import wrk_bench

from tests import pg_cluster


def test_plan_gives_each_thread_its_own_seats_and_changes_every_grade() -> None:
    plans = wrk_bench.plan(15, 2)
    seats = [{k for k, _ in steps} for steps in plans]
    assert seats == [set(range(1, 16, 2)), set(range(2, 16, 2))]
    for steps in plans:
        loop = steps + steps  # the thread repeats its steps
        for seat in {k for k, _ in steps}:
            grades = [g for k, g in loop if k == seat]
            assert grades == ["好", "较好", "一般"] * 2
            assert all(a != b for a, b in zip(grades, grades[1:], strict=False))


def test_plan_with_fewer_seats_than_threads_gives_every_thread_all_seats() -> None:
    assert [{k for k, _ in steps} for steps in wrk_bench.plan(1, 2)] == [{1}, {1}]


def test_wrk_sends_each_seat_a_new_grade_every_time(tmp_path: Path) -> None:
    """Two wrk threads, one connection each: in the order the server receives them, no seat's ballot
    repeats its previous grade (with the seats shared by both threads, about half did)."""
    if shutil.which("wrk") is None:
        pg_cluster.missing("wrk is not installed (apt-get install wrk; .ci/run installs it)")
    seen: list[tuple[str, str]] = []
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_PUT(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                seen.append((self.headers["Authorization"], json.loads(body)["grade"]))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        tokens = [f"seat{n}" for n in range(15)]
        script = wrk_bench.lua(tmp_path, "ballot", "PUT", "/ballot", tokens, [])
        out = subprocess.run(
            ["wrk", "-t2", "-c2", "-d1s", "-s", str(script), f"http://127.0.0.1:{server.server_port}/"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    assert '"other": 0' in out.stdout, out.stdout + out.stderr
    assert len(seen) > 100
    last: dict[str, str] = {}
    repeats = 0
    for token, grade in seen:
        repeats += last.get(token) == grade
        last[token] = grade
    assert repeats == 0
    assert set(last) == {f"Bearer seat{n}" for n in range(15)}
