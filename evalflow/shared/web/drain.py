"""Read what is left of a refused request body, so that the client sees the answer.

When an upload is over ``MAX_CONTENT_LENGTH``, Werkzeug refuses it (413) without reading the body;
the view answers (a redirect with a message for the HTML forms, the contract's 413 for the API) and
the server closes the connection with the rest of the body unread. The kernel then resets the
connection, and a browser posting a plain form shows "connection reset" instead of the answer. So,
for a 413 answer, the rest of the body is read and thrown away first — at most
``DRAIN_FACTOR`` times the cap and ``DRAIN_SECONDS`` seconds, so a client cannot hold the worker
with an endless body (beyond that, the reverse proxy's own limit answers; see docs/word-import.md).
"""

from __future__ import annotations

import time

from flask import Flask, Response, current_app, request

CHUNK = 256 * 1024
TOO_LARGE = "evalflow.too_large"  # set by the HTML views that turn a 413 into a redirect
DRAIN_FACTOR = 4
DRAIN_SECONDS = 15.0


def drain_request_body() -> int:
    """Read and discard the unread request body within the bounds; return the bytes read."""
    stream = request.environ.get("wsgi.input")
    if stream is None:
        return 0
    cap = DRAIN_FACTOR * int(current_app.config.get("MAX_CONTENT_LENGTH") or 0)
    declared = request.content_length
    if declared is not None and declared > cap:
        return 0  # not worth it: the proxy's limit should have answered (docs/word-import.md)
    deadline = time.monotonic() + DRAIN_SECONDS
    total = 0
    try:
        while total < cap and time.monotonic() < deadline:
            want = CHUNK if declared is None else min(CHUNK, declared - total)
            if want <= 0:
                break
            chunk = stream.read(want)
            if not chunk:
                break
            total += len(chunk)
    except (OSError, ValueError):
        pass
    return total


def mark_too_large() -> None:
    """For a view answering an over-size upload with another status (a redirect with a message)."""
    request.environ[TOO_LARGE] = True


def register(app: Flask) -> None:
    @app.after_request
    def drain_refused_upload(response: Response) -> Response:
        if response.status_code == 413 or request.environ.get(TOO_LARGE):
            drain_request_body()
        return response
