"""Keep seat tokens out of logs.

A delegate's page lives at ``/s/<token>``: the URL *is* the credential. Every log line that may
carry a URL (gunicorn's access log, Werkzeug's development-server log, the app's own error log)
shows ``/s/[seat]`` instead. Gunicorn picks :class:`RedactingLogger` up from ``gunicorn.conf.py``
at the repository root; docs/hardening.md shows the same for nginx.
"""

from __future__ import annotations

import logging
import re
from typing import Any

SEAT_PATH = re.compile(r"(/s/)[^/?#\s\"']+")
REDACTED = r"\1[seat]"


def redact(text: str) -> str:
    """*text* with every seat token in a ``/s/<token>`` path replaced."""
    return SEAT_PATH.sub(REDACTED, text)


def _clean(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactSeatTokens(logging.Filter):
    """A logging filter: rewrites the message and its string arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_clean(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _clean(v) for k, v in record.args.items()}
        return True


def install_filter(logger: logging.Logger) -> None:
    if not any(isinstance(f, RedactSeatTokens) for f in logger.filters):
        logger.addFilter(RedactSeatTokens())


try:  # gunicorn is a dependency, but the app must not need it (flask run, tests)
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover
    _GunicornLogger = object  # type: ignore[assignment,misc]


class RedactingLogger(_GunicornLogger):  # type: ignore[misc,valid-type]
    """Gunicorn's logger with seat tokens removed from every access-log atom (request line,
    path, query, referrer, headers)."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)  # type: ignore[misc]
        return {key: _clean(value) for key, value in atoms.items()}
