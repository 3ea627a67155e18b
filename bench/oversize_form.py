"""An over-size upload from a plain HTML form, against a real gunicorn: answer or connection reset?

Run from the repository root:  ``.venv/bin/python bench/oversize_form.py``

Starts ``gunicorn --workers 2`` with the demo data (as ``bench/run.py`` does), signs in through the
login form as the demo unit ``chengguan`` (cookie + CSRF token, like a browser without JavaScript),
then posts the attachment form with files of several sizes above ``MAX_FILE_MB`` (20 MB) and
records, for each, whether a complete HTTP answer came back (expected: ``303`` to the portal, whose
next page shows "文件过大…") or the connection was reset. Prints JSON; exits 1 if any was reset.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # the server helpers of the main benchmark

UNIT = {"username": "chengguan", "password": bench.ADMIN["password"]}


def request(port: int, method: str, path: str, body: bytes = b"", headers: dict | None = None):
    conn = http.client.HTTPConnection(bench.HOST, port, timeout=60)
    conn.request(method, path, body=body or None, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


def cookie_of(resp, jar: dict[str, str]) -> None:
    for header, value in resp.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            jar[name] = rest.split(";", 1)[0]


def jar_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def csrf(html: bytes) -> str:
    return re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', html).group(1).decode()


def post_raw(port: int, path: str, head: bytes, size: int, tail: bytes, headers: dict[str, str]) -> dict:
    """Send the body in chunks like a browser; report the answer or how the connection ended."""
    sock = socket.create_connection((bench.HOST, port), timeout=60)
    length = len(head) + size + len(tail)
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {bench.HOST}:{port}",
        f"Content-Length: {length}",
        "Connection: close",
    ]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    start = time.perf_counter()
    sent, outcome = 0, {}
    try:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + head)
        chunk = b"0" * (256 * 1024)
        while sent < size:
            part = chunk[: min(len(chunk), size - sent)]
            sock.sendall(part)
            sent += len(part)
        sock.sendall(tail)
        answer = b""
        while data := sock.recv(65536):
            answer += data
        status = answer.split(b"\r\n", 1)[0].decode(errors="replace")
        location = re.search(rb"\r\nLocation: ([^\r]+)", answer)
        outcome = {"answer": status, "location": location.group(1).decode() if location else None}
    except OSError as exc:
        outcome = {"answer": None, "error": f"{type(exc).__name__}: {exc}", "body_bytes_sent": sent}
    finally:
        sock.close()
    outcome["seconds"] = round(time.perf_counter() - start, 2)
    return outcome


def main() -> int:
    src = bench.default_src()
    cleanup = bench.Cleanup()
    try:
        tmp = Path(tempfile.mkdtemp(prefix="evalflow-oversize-"))
        cleanup.push(lambda: __import__("shutil").rmtree(tmp, ignore_errors=True))
        env = bench.app_env(src, f"sqlite:///{tmp / 'bench.sqlite'}", tmp / "uploads")
        bench.flask_cli(src, env, "db", "upgrade")
        bench.flask_cli(src, env, "demo")
        port, _ = bench.start_gunicorn(src, env, 2, tmp / "gunicorn.log", cleanup)
        jar: dict[str, str] = {}
        resp, html = request(port, "GET", "/login")
        cookie_of(resp, jar)
        form = f"username={UNIT['username']}&password={UNIT['password']}&csrf_token={csrf(html)}"
        resp, _ = request(port, "POST", "/login", form.encode(), {
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": jar_header(jar)})  # fmt: skip
        cookie_of(resp, jar)
        resp, html = request(port, "GET", "/unit/", headers={"Cookie": jar_header(jar)})
        cookie_of(resp, jar)
        token = csrf(html)
        boundary = "----evalflowformboundary"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Cookie": jar_header(jar)}
        results = {}
        for mb in (25, 60, 100):
            results[f"{mb} MB"] = post_raw(
                port, "/unit/application/attachments", head, mb * 1024 * 1024, tail, headers
            )
        resp, html = request(port, "GET", "/unit/", headers={"Cookie": jar_header(jar)})
        results["next page shows"] = "文件过大" in html.decode()
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return 0 if all(isinstance(r, bool) or r.get("answer") for r in results.values()) else 1
    finally:
        cleanup.run()


if __name__ == "__main__":
    sys.exit(main())
