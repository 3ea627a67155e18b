"""Configuration: defaults, then ``instance/config.py``, then ``EVALFLOW_*`` environment, then test config.

Nothing here runs at import time; :func:`load_config` is called by the application factory.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.engine import make_url

DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": None,
    "DATABASE_URL": None,
    "TIMEZONE": "Asia/Shanghai",
    "UPLOAD_DIR": None,
    "MAX_FILE_MB": 20,
    "MAX_APPLICATION_MB": 100,
    "MAX_ATTACHMENTS": 20,
    # Caps on reading a campaign backup (docs/backup.md): the table parts together are parsed in
    # memory, each file part is streamed to disk; the total bounds the whole archive, uncompressed.
    "BACKUP_MAX_TABLE_MB": 128,
    "BACKUP_MAX_FILE_MB": 1024,
    "BACKUP_MAX_TOTAL_MB": 65536,
    "BACKUP_MAX_ENTRIES": 100_000,
    "TOKEN_TTL_HOURS": 12,
    # 实地考察: an announced visit is scheduled at least this many hours ahead (docs/inspection.md).
    "VISIT_NOTICE_HOURS": 12,
    # 问卷调查: answers per client address (docs/survey.md); an answer faster than this is flagged.
    "SURVEY_ANSWER_RATE": "120/minute",
    "SURVEY_FAST_SECONDS": 20,
    "REDIS_URL": None,
    # The phone's poll: where the version numbers live (docs/briefing.md) — "redis", "file" or "off";
    # unset: Redis when configured, else the file on SQLite (one machine), else off.
    "VERSION_STORE": None,
    "VERSION_FILE": None,
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": None,
    "LOGIN_FAILURES_PER_ACCOUNT": "5 per minute;20 per hour",
    "LOGIN_FAILURES_PER_ADDRESS": "30 per minute;300 per hour",
    "TRUSTED_PROXIES": 0,
    "BABEL_DEFAULT_LOCALE": "zh_CN",
    "LANGUAGES": ["zh_CN", "en"],
    "PUBLIC_BASE_URL": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    "FORCE_HTTPS": False,
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    "PASSWORD_HASH_METHOD": "scrypt",
}

# Environment variables read as typed values (EVALFLOW_<NAME>).
_INT_KEYS = {
    "MAX_FILE_MB", "MAX_APPLICATION_MB", "TOKEN_TTL_HOURS", "TRUSTED_PROXIES", "MAX_ATTACHMENTS",
    "BACKUP_MAX_TABLE_MB", "BACKUP_MAX_FILE_MB", "BACKUP_MAX_TOTAL_MB", "BACKUP_MAX_ENTRIES", "VISIT_NOTICE_HOURS",
    "SURVEY_FAST_SECONDS",
}  # fmt: skip
_BOOL_KEYS = {"RATELIMIT_ENABLED", "SESSION_COOKIE_SECURE", "FORCE_HTTPS"}


def _from_env(environ: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, raw in environ.items():
        if not key.startswith("EVALFLOW_") or key.startswith("EVALFLOW_TEST_"):
            continue
        name = key.removeprefix("EVALFLOW_")
        if name in _INT_KEYS:
            values[name] = int(raw)
        elif name in _BOOL_KEYS:
            values[name] = raw.strip().lower() in {"1", "true", "yes", "on"}
        elif name == "LANGUAGES":
            values[name] = json.loads(raw)
        else:
            values[name] = raw
    return values


def _sqlite_url(app: Flask) -> str:
    return "sqlite:///" + str(Path(app.instance_path) / "evalflow.sqlite3")


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill ``app.config`` in the documented order and derive the values extensions need."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(_from_env(dict(os.environ)))
    else:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    cfg = app.config
    cfg["SQLALCHEMY_DATABASE_URI"] = cfg.get("DATABASE_URL") or _sqlite_url(app)
    cfg["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(cfg["SQLALCHEMY_DATABASE_URI"])
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _instance_secret(app)
    cfg["UPLOAD_DIR"] = cfg.get("UPLOAD_DIR") or str(Path(app.instance_path) / "uploads")
    cfg["MAX_CONTENT_LENGTH"] = (int(cfg["MAX_FILE_MB"]) + 1) * 1024 * 1024
    cfg["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).parent / "translations")
    # Rate-limit counters: shared by every worker when Redis is configured, per process otherwise.
    cfg["RATELIMIT_STORAGE_URI"] = cfg.get("RATELIMIT_STORAGE_URI") or cfg.get("REDIS_URL") or "memory://"
    cfg["RATELIMIT_HEADERS_ENABLED"] = True
    cfg["WTF_CSRF_TIME_LIMIT"] = None
    if cfg.get("FORCE_HTTPS"):
        cfg["SESSION_COOKIE_SECURE"] = True
        cfg["REMEMBER_COOKIE_SECURE"] = True


# Seconds a request waits for PostgreSQL to accept a connection: a server that does not answer (a
# cut network) is a 503 after this long, instead of a worker held until gunicorn kills it.
CONNECT_TIMEOUT = 5


def engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # A generous busy timeout: writers queue instead of failing under load.
        return {"connect_args": {"timeout": 15, "check_same_thread": False}}
    # No pool_pre_ping: database.py pings a pooled connection only after it sat idle (a round trip
    # saved on every request under load). A connect_timeout in the URL wins over ours.
    if "connect_timeout" in make_url(url).query:
        return {}
    return {"connect_args": {"connect_timeout": CONNECT_TIMEOUT}}


def _instance_secret(app: Flask) -> str:
    """A random per-installation key kept in the instance folder (never in the repository)."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
