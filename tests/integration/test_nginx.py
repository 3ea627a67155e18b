"""The production shape, for real: nginx (deploy/nginx/evalflow.conf, TLS) in front of TWO gunicorn
servers on one PostgreSQL schema and Redis.

Skipped with the reason where nginx, openssl, PostgreSQL or Redis is missing — and failing instead
when ``CI=true``, so CI can never pass without having run it. Everything runs unprivileged: its own
nginx prefix and configuration in a temporary directory, free ports on 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from evalflow.shared.audit import verify
from tests.conftest import PG_URL, pg_schema
from tests.factories import make_config

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Nginx-Test-Passw0rd-2026"
BURST = 60
REDIS_URL = os.environ.get("EVALFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the nginx integration test: {reason}")
    pytest.skip(reason)


def _nginx() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if not found:
        _missing("nginx is not installed (Debian: apt-get install nginx-light)")
    return str(found)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


TLS = ssl.create_default_context()
TLS.check_hostname = False
TLS.verify_mode = ssl.CERT_NONE


def call(
    port: int,
    method: str,
    path: str,
    *,
    tls: bool = True,
    source: str = "127.0.0.1",
    json_body: Any = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    kind: Any = http.client.HTTPSConnection if tls else http.client.HTTPConnection
    extra = {"context": TLS} if tls else {}
    conn = kind("127.0.0.1", port, timeout=60, source_address=(source, 0), **extra)
    body = json.dumps(json_body).encode() if json_body is not None else None
    all_headers = {"Host": "localhost", **(headers or {})}
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        conn.close()


def announce_large_body(port: int, path: str, size: int) -> Reply:
    """Send only the headers of a *size*-byte upload: nginx answers from Content-Length alone."""
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=TLS)
    try:
        conn.putrequest("POST", path, skip_host=True)
        conn.putheader("Host", "localhost")
        conn.putheader("Content-Type", "multipart/form-data; boundary=x")
        conn.putheader("Content-Length", str(size))
        conn.endheaders()
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        conn.close()


@dataclass
class Stack:
    https: int
    http: int
    apps: list[int]
    logs: list[Path]
    db_url: str
    tmp: Path
    secret: str
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    outputs: list[Any] = field(default_factory=list)

    def app_log(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs)


def _site_config(tmp: Path, https: int, http_port: int, apps: list[int], cert: Path, key: Path) -> str:
    site = (ROOT / "deploy" / "nginx" / "evalflow.conf").read_text()
    replacements = {
        "127.0.0.1:8001": f"127.0.0.1:{apps[0]}",
        "127.0.0.1:8002": f"127.0.0.1:{apps[1]}",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
        "/etc/ssl/evalflow/fullchain.pem": str(cert),
        "/etc/ssl/evalflow/privkey.pem": str(key),
        "/var/log/nginx/": f"{tmp}/logs/",
        "/srv/evalflow": str(ROOT),
    }
    for old, new in replacements.items():
        assert old in site, f"deploy/nginx/evalflow.conf no longer contains {old!r}"
        site = site.replace(old, new)
    # no IPv6 listeners in the sandbox
    return "\n".join(line for line in site.splitlines() if "listen [::]" not in line)


def _main_config(tmp: Path) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""
    temps = "\n".join(
        f"    {name}_temp_path {tmp}/temp/{name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/logs/error.log info;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp}/logs/access.log;
{temps}
    include {tmp}/site.conf;
}}
"""


def _wait(port: int, proc: subprocess.Popen[bytes], what: str, log: Path, tls: bool = False) -> None:
    """Until /healthz answers 200: a listening socket is not enough, gunicorn's master binds the
    port before its worker has imported the application (slow on a busy machine)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited: {log.read_text(errors='replace')[-3000:]}")
        if _listening(port):
            try:
                if call(port, "GET", "/healthz", tls=tls).status == 200:
                    return
            except OSError:
                pass
        time.sleep(0.5)
    raise AssertionError(f"{what} did not start: {log.read_text(errors='replace')[-3000:]}")


def _prepare_database(url: str, tmp: Path) -> None:
    from flask_migrate import upgrade

    from evalflow import create_app
    from evalflow.extensions import db
    from evalflow.shared.accounts import service as accounts

    app = create_app(make_config(url, tmp))
    with app.app_context():
        upgrade()  # the real schema, with the audit log's append-only triggers
        accounts.create_admin("wmb", PASSWORD)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _redis_ok() -> bool:
    from urllib.parse import urlsplit

    where = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((where.hostname or "127.0.0.1", where.port or 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    nginx = _nginx()
    if not shutil.which("openssl"):
        _missing("openssl is not installed (needed for a throw-away TLS certificate)")
    if not PG_URL:
        _missing("PostgreSQL not configured: set EVALFLOW_TEST_DATABASE_URL")
    if not _redis_ok():
        _missing(f"Redis is not answering at {REDIS_URL} (EVALFLOW_TEST_REDIS_URL)")
    tmp = tmp_path_factory.mktemp("nginx")
    for sub in ("logs", "temp", "uploads"):
        (tmp / sub).mkdir()
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    with pg_schema() as url:
        _prepare_database(url, tmp)
        https, http_port, apps = _free_port(), _free_port(), [_free_port(), _free_port()]
        secret = "nginx-test-" + uuid.uuid4().hex
        s = Stack(https, http_port, apps, [tmp / "logs" / f"app-{p}.log" for p in apps], url, tmp, secret)
        env = {
            **os.environ,
            "EVALFLOW_DATABASE_URL": url,
            "EVALFLOW_SECRET_KEY": secret,
            "EVALFLOW_REDIS_URL": REDIS_URL,
            "EVALFLOW_RATELIMIT_KEY_PREFIX": "nginx-test-" + uuid.uuid4().hex[:8],
            "EVALFLOW_TRUSTED_PROXIES": "1",
            "EVALFLOW_UPLOAD_DIR": str(tmp / "uploads"),
            "EVALFLOW_LOGIN_FAILURES_PER_ADDRESS": "3 per minute",
            "EVALFLOW_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "PYTHONUNBUFFERED": "1",
        }
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        try:
            for port, log in zip(apps, s.logs, strict=True):
                out = log.open("wb")
                s.outputs.append(out)
                s.procs.append(
                    subprocess.Popen(
                        [gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "gthread",
                         "--threads", "4", "--keep-alive", "75", "--access-logfile", "-", "wsgi:app"],
                        cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                    )
                )  # fmt: skip
            (tmp / "site.conf").write_text(_site_config(tmp, https, http_port, apps, cert, key))
            (tmp / "nginx.conf").write_text(_main_config(tmp))
            check = subprocess.run(
                [nginx, "-t", "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "logs" / "error.log")],
                capture_output=True, text=True,
            )  # fmt: skip
            assert check.returncode == 0, check.stderr
            s.outputs.append((tmp / "logs" / "nginx.out").open("wb"))
            s.procs.append(
                subprocess.Popen(
                    [nginx, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "logs" / "error.log")],
                    stdout=s.outputs[-1], stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
            for port, proc, log in zip(apps, s.procs, s.logs, strict=False):
                _wait(port, proc, f"gunicorn on {port}", log)
            _wait(https, s.procs[-1], "nginx", tmp / "logs" / "error.log", tls=True)
            yield s
        finally:
            for proc in reversed(s.procs):
                proc.terminate()
            for proc in s.procs:
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            for out in s.outputs:
                out.close()


def _eventually_logged(path: Path, needle: str) -> str:
    """nginx writes the access log line after it has answered: give it a moment."""
    for _ in range(50):
        text = path.read_text(errors="replace")
        if needle in text:
            return text
        time.sleep(0.1)
    return path.read_text(errors="replace")


def _token(stack: Stack, source: str = "127.0.0.9") -> str:
    reply = call(
        stack.https, "POST", "/api/v1/auth/token", source=source,
        json_body={"username": "wmb", "password": PASSWORD},
    )  # fmt: skip
    assert reply.status == 201, reply.text
    return str(reply.json()["token"])


def test_nginx_real_client_address_reaches_the_rate_limiter(stack):
    """Three failed sign-ins from 127.0.0.2 exhaust *its* allowance whatever X-Forwarded-For it
    sends; 127.0.0.3 behind the same nginx is untouched, so the limiter sees each client."""
    statuses = [
        call(
            stack.https, "POST", "/api/v1/auth/token", source="127.0.0.2",
            headers={"X-Forwarded-For": f"198.51.100.{i}"},
            json_body={"username": f"nobody{i}", "password": "wrong-password"},
        ).status
        for i in range(4)
    ]  # fmt: skip
    assert statuses == [401, 401, 401, 429]
    other = call(
        stack.https, "POST", "/api/v1/auth/token", source="127.0.0.3",
        json_body={"username": "nobody", "password": "wrong-password"},
    )  # fmt: skip
    assert other.status == 401
    log = stack.app_log()
    assert re.search(r" 127\.0\.0\.2 POST /api/v1/auth/token 401 ", log)
    assert re.search(r" 127\.0\.0\.3 POST /api/v1/auth/token 401 ", log)
    assert "198.51.100." not in log


def test_nginx_upload_cap_answers_a_friendly_413(stack):
    page = announce_large_body(stack.https, "/register", 30 * 1024 * 1024)
    assert page.status == 413
    assert page.headers["Content-Type"].startswith("text/html")
    assert "上传内容过大" in page.text and "20 MB" in page.text
    api = announce_large_body(stack.https, "/api/v1/campaigns/1/training/materials", 30 * 1024 * 1024)
    assert api.status == 413
    assert api.json()["error"]["code"] == "too_large"
    # just under the cap, nginx lets the request through to the application
    small = call(stack.https, "POST", "/api/v1/campaigns", json_body={"title": "x" * 10})
    assert small.status == 401


def test_nginx_cookies_are_secure_over_the_forwarded_https_scheme(stack):
    page = call(stack.https, "GET", "/login")
    assert page.status == 200
    cookie = page.headers["Set-Cookie"]
    assert "session=" in cookie and "Secure" in cookie and "HttpOnly" in cookie
    direct = call(stack.apps[0], "GET", "/login", tls=False)  # gunicorn itself speaks plain HTTP
    assert "session=" in direct.headers["Set-Cookie"] and "Secure" not in direct.headers["Set-Cookie"]
    plain = call(stack.http, "GET", "/login?next=%2Foffice%2F", tls=False)
    assert plain.status == 301
    assert plain.headers["Location"] == "https://localhost/login?next=%2Foffice%2F"


def test_nginx_serves_static_files_itself(stack):
    reply = call(stack.https, "GET", "/static/app.css")
    assert reply.status == 200
    assert reply.body == (ROOT / "evalflow" / "static" / "app.css").read_bytes()
    assert "max-age=604800" in reply.headers["Cache-Control"]
    assert reply.headers["Content-Type"].startswith("text/css")
    # nothing of the application's answer: no request id, no CSP from Talisman
    assert reply.headers.get("X-Request-ID") is None and reply.headers.get("Content-Security-Policy") is None
    assert "/static/app.css" not in stack.app_log()


def test_nginx_request_id_set_by_the_proxy_reaches_the_logs(stack):
    reply = call(stack.https, "GET", "/healthz", headers={"X-Request-ID": "chosen-by-the-client"})
    rid = reply.headers["X-Request-ID"]
    assert reply.status == 200 and re.fullmatch(r"[0-9a-f]{32}", rid)
    assert f"rid={rid}" in _eventually_logged(stack.tmp / "logs" / "evalflow.access.log", f"rid={rid}")
    assert re.search(rf"\[{rid}\] evalflow\.request: {rid} 127\.0\.0\.1 GET /healthz 200 ", stack.app_log())


def test_nginx_write_burst_across_both_servers_loses_nothing(stack):
    token = _token(stack)
    auth = {"Authorization": f"Bearer {token}"}
    created = call(stack.https, "POST", "/api/v1/campaigns", headers=auth, json_body={"title": "并发写入"})
    assert created.status == 201, created.text
    cid = created.json()["id"]

    def post(i: int) -> tuple[int, str]:
        reply = call(
            stack.https, "POST", f"/api/v1/campaigns/{cid}/faq", headers=auth,
            json_body={"question": f"问题 {i}", "answer": f"回答 {i}"},
        )  # fmt: skip
        return reply.status, reply.headers["X-Request-ID"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(post, range(BURST)))
    assert [status for status, _ in results] == [201] * BURST
    listed = call(stack.https, "GET", f"/api/v1/campaigns/{cid}/faq", headers=auth)
    items = listed.json()
    items = items["items"] if isinstance(items, dict) else items
    assert sorted(item["question"] for item in items) == sorted(f"问题 {i}" for i in range(BURST))
    served = [
        p.read_text(errors="replace").count(f"POST /api/v1/campaigns/{cid}/faq 201") for p in stack.logs
    ]
    assert sum(served) == BURST and min(served) > 0, served
    # every write was audited, and the two servers kept one unbroken chain
    from evalflow import create_app
    from evalflow.extensions import db

    app = create_app(make_config(stack.db_url, stack.tmp))
    with app.app_context():
        (report,) = verify.verify([cid])
        assert (report.length, report.broken) == (BURST + 1, None)
        db.session.remove()
        db.engine.dispose()


def test_nginx_ballot_burst_across_both_servers_loses_nothing(stack):
    """Delegates' phones (one client address each) change their grades in a burst through nginx;
    every ballot ends at its last grade, once, and the audit chain stays whole."""
    import sqlalchemy as sa

    from evalflow import create_app
    from evalflow.briefing.models import Ballot
    from evalflow.extensions import db
    from tests.briefing_world import build

    grades = ("好", "较好", "一般")
    app = create_app(make_config(stack.db_url, stack.tmp, SECRET_KEY=stack.secret))
    with app.app_context():
        world = build(app.test_client(), names=("甲社区", "乙社区", "丙社区", "丁社区", "戊社区"))
        cid, target, office = world.cid, world.uid(0), world.office
        voters = [(world.seat_ids[k], token) for k, token in world.seats.items() if k[0] != 0]
        db.session.remove()
    opened = call(
        stack.https, "POST", f"/api/v1/campaigns/{cid}/presentations/{target}/open",
        headers={"Authorization": f"Bearer {office}"},
    )  # fmt: skip
    assert opened.status == 200, opened.text
    plans = {
        seat_id: [grades[i % 3], grades[(i + 1) % 3], grades[(i + 2) % 3]]
        for i, (seat_id, _) in enumerate(voters)
    }

    def vote(args: tuple[int, tuple[int, str]]) -> list[int]:
        i, (seat_id, token) = args
        return [
            call(
                stack.https, "PUT", f"/api/v1/campaigns/{cid}/ballots/{target}", source=f"127.0.1.{i + 1}",
                headers={"Authorization": f"Bearer {token}"}, json_body={"grade": grade},
            ).status
            for grade in plans[seat_id]
        ]  # fmt: skip

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [code for codes in pool.map(vote, enumerate(voters)) for code in codes]
    assert statuses == [200] * (3 * len(voters))
    path = f"PUT /api/v1/campaigns/{cid}/ballots/{target} 200"
    served = [p.read_text(errors="replace").count(path) for p in stack.logs]
    assert sum(served) == 3 * len(voters) and min(served) > 0, served
    with app.app_context():
        rows = dict(
            db.session.execute(sa.select(Ballot.seat_id, Ballot.grade).where(Ballot.unit_id == target)).all()
        )
        assert rows == {seat_id: plan[-1] for seat_id, plan in plans.items()}
        (report,) = verify.verify([cid])
        assert report.broken is None and report.length > 3 * len(voters)
        db.session.remove()
        db.engine.dispose()
