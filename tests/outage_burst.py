"""A burst of real traffic against a real gunicorn, for the database outage test.

``Server`` runs ``gunicorn --workers 2 --worker-class gthread`` (the deployed shape) on a free port
and can SIGKILL one of its workers. ``Burst`` plays the briefing: every phone sends its planned
grades one after the other, each one again and again until the server answers 200 (as
``static/ballot.js`` does: any 5xx or a broken connection is retried after a pause), while other
clients read the control panel, poll like the phone, open HTML pages and sign in — every answer
is kept for the test to judge.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.pg_cluster import free_port

ROOT = Path(__file__).resolve().parents[1]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FORM = "application/x-www-form-urlencoded"


@dataclass
class Answer:
    route: str
    status: int | None  # None: the connection broke (a killed worker)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def call(port: int, method: str, path: str, route: str, **kw: Any) -> Answer:
    """One request on a new connection (a phone's); a broken connection is an answer too."""
    headers = dict(kw.get("headers") or {})
    body = kw.get("body")
    if "json" in kw:
        body, headers["Content-Type"] = json.dumps(kw["json"]).encode(), "application/json"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        got = {k.lower(): v for k, v in response.getheaders() if k.lower() != "set-cookie"}
        cookies = [v for k, v in response.getheaders() if k.lower() == "set-cookie"]
        if cookies:
            got["set-cookie"] = "; ".join(c.split(";", 1)[0] for c in cookies)
        return Answer(route, response.status, got, response.read())
    except (OSError, http.client.HTTPException):
        return Answer(route, None)
    finally:
        conn.close()


class Server:
    """gunicorn with two gthread workers serving *env*'s database."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port, self.log = free_port(), log
        cmd = [sys.executable, "-m", "gunicorn", "--workers", "2", "--worker-class", "gthread"]
        cmd += ["--threads", "4", "--timeout", "60", "--no-control-socket"]
        cmd += ["--bind", f"127.0.0.1:{self.port}", "wsgi:app"]
        full = {k: v for k, v in os.environ.items() if not k.startswith("EVALFLOW_")}
        full.update(env, PYTHONPATH=str(ROOT))
        with open(log, "wb") as fh:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, env=full, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
            )

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def wait_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log_tail()
            if call(self.port, "GET", "/healthz", "healthz").status == 200 and len(self.workers()) == 2:
                return
            time.sleep(0.2)
        raise AssertionError("gunicorn did not start:\n" + self.log_tail())

    def kill_a_worker(self) -> int:
        victim = self.workers()[0]
        os.kill(victim, signal.SIGKILL)
        return victim

    def log_tail(self, size: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-size:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)


@dataclass
class World:
    cid: int
    target: int
    office_token: str
    office_login: tuple[str, str]
    phones: list[tuple[int, str]]  # (seat id, token) of every seat that grades the target


class Burst:
    """The phones' ballots and the other clients' requests, all answers kept in ``answers``."""

    DEADLINE = 90.0  # seconds for the whole burst; a phone still retrying then is a failure

    def __init__(self, port: int, world: World, plans: dict[int, list[str]]) -> None:
        self.port, self.world, self.plans = port, world, plans
        self.answers: list[Answer] = []
        self.acked: dict[int, str] = {}  # seat id -> the last grade answered 200
        self.acks = 0
        self.stuck: list[int] = []
        self.finished = threading.Event()
        self._lock = threading.Lock()
        self._deadline = time.monotonic() + self.DEADLINE

    def _keep(self, answer: Answer) -> Answer:
        with self._lock:
            self.answers.append(answer)
        return answer

    def _get(self, path: str, route: str, **kw: Any) -> Answer:
        return self._keep(call(self.port, "GET", path, route, **kw))

    def ballot(self, token: str, grade: str) -> Answer:
        path = f"/api/v1/campaigns/{self.world.cid}/ballots/{self.world.target}"
        headers = {"Authorization": f"Bearer {token}"}
        return self._keep(call(self.port, "PUT", path, "ballot", headers=headers, json={"grade": grade}))

    def phone(self, seat_id: int, token: str) -> None:
        for grade in self.plans[seat_id]:
            attempt = 0
            while True:
                answer = self.ballot(token, grade)
                if answer.status == 200:
                    with self._lock:
                        self.acked[seat_id], self.acks = (answer.json() or {}).get("grade"), self.acks + 1
                    break
                if (answer.status is not None and answer.status < 500) or time.monotonic() > self._deadline:
                    with self._lock:
                        self.stuck.append(seat_id)
                    return
                time.sleep(min(0.5, 0.05 * 2**attempt))  # ballot.js backs off the same way, slower
                attempt += 1

    def met_the_outage(self, since: int) -> set[str]:
        """The kinds of request answered 503 among the answers after the first *since*."""
        with self._lock:
            return {a.route for a in self.answers[since:] if a.status == 503}

    def _loop(self, step: Any) -> None:
        while not self.finished.is_set():
            step()
            time.sleep(0.01)

    def onlookers(self) -> list[Any]:
        """The control panel and a phone's poll (API reads), HTML pages, API sign-ins (a write),
        and a browser signing in and opening the office's dashboard — until the phones are done."""
        w, office = self.world, {"Authorization": f"Bearer {self.world.office_token}"}
        seat = {"Authorization": f"Bearer {w.phones[0][1]}"}
        username, password = w.office_login

        def api_reads() -> None:
            self._get(f"/api/v1/campaigns/{w.cid}/briefing/live", "api_get", headers=office)
            self._get(f"/api/v1/campaigns/{w.cid}/briefing/current", "api_get", headers=seat)

        def pages() -> None:
            self._get(f"/s/{w.phones[1][1]}", "html_page")
            self._get("/", "html_page")

        def api_write() -> None:
            login = {"username": username, "password": password}
            self._keep(call(self.port, "POST", "/api/v1/auth/token", "api_write", json=login))

        return [api_reads, pages, api_write, self.browser()]

    def sign_in(self) -> str | None:
        """Sign in with the HTML form; the session cookie, or None when refused."""
        page = self._get("/login", "html_login_form")
        found = CSRF.search(page.body.decode(errors="replace"))
        if page.status != 200 or not found:
            return None
        username, password = self.world.office_login
        form = {"username": username, "password": password, "csrf_token": found.group(1)}
        headers = {"Cookie": page.headers.get("set-cookie", ""), "Content-Type": FORM}
        body = urllib.parse.urlencode(form).encode()
        signed = self._keep(call(self.port, "POST", "/login", "html_login", headers=headers, body=body))
        return signed.headers.get("set-cookie") if signed.status == 302 else None

    def browser(self) -> Any:
        """Open the office's dashboard with the last session won, and sign in again."""
        session = {"Cookie": self.sign_in() or ""}  # before the burst: the database is there
        assert session["Cookie"], "the office could not sign in before the burst"

        def step() -> None:
            self._get("/office/", "html_signed_in", headers=session)
            session["Cookie"] = self.sign_in() or session["Cookie"]

        return step

    def run(self, chaos: list[tuple[float, Any]]) -> list[tuple[int, Any]]:
        """Play the burst; each chaos step runs (given this burst) once the phones have had that
        share of their ballots answered. Returns (ballots answered, what the step returned)."""
        total = sum(len(plan) for plan in self.plans.values())
        threads = [threading.Thread(target=self.phone, args=phone) for phone in self.world.phones]
        watchers = [threading.Thread(target=self._loop, args=(step,)) for step in self.onlookers()]
        for thread in [*watchers, *threads]:
            thread.start()
        done: list[tuple[int, Any]] = []
        try:
            for share, step in chaos:
                while self.acks < share * total and any(t.is_alive() for t in threads):
                    time.sleep(0.01)
                done.append((self.acks, step(self)))
        finally:
            for thread in threads:
                thread.join(self.DEADLINE + 30)
            self.finished.set()
            for thread in watchers:
                thread.join(60)
        return done
