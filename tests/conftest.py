"""Shared fixtures: a fresh database per test, on SQLite and (when configured) on PostgreSQL.

Set ``EVALFLOW_TEST_DATABASE_URL`` to a PostgreSQL URL to run every database test on both engines;
each PostgreSQL test gets its own schema, dropped afterwards. In CI (``CI=true``) a missing
PostgreSQL URL is an error, never a silent skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from evalflow import create_app
from evalflow.extensions import db
from tests.contract import ContractClient
from tests.factories import Auth, make_config

PG_URL = os.environ.get("EVALFLOW_TEST_DATABASE_URL", "")
ENGINES = ["sqlite", "postgres"]


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("CI") == "true" and not PG_URL:
        raise pytest.UsageError("CI must set EVALFLOW_TEST_DATABASE_URL so database tests run on PostgreSQL")


def _pg_url() -> str:
    url = PG_URL
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


@contextmanager
def pg_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema, dropped afterwards; yields a URL whose search_path is that schema.

    Durability buys nothing in tests, so commits skip the fsync (synchronous_commit off).
    """
    if not PG_URL:
        pytest.skip("PostgreSQL not configured: set EVALFLOW_TEST_DATABASE_URL to run this test on it")
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(_pg_url())
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in _pg_url() else "?"
    try:
        yield f"{_pg_url()}{sep}options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A database URL for one test: a fresh SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    with pg_schema() as url:
        yield url


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to add settings to the app."""
    return {}


@pytest.fixture(scope="session")
def pg_shared_url() -> Iterator[str]:
    """One PostgreSQL schema for the app tests of this run; each test empties it afterwards."""
    with pg_schema() as url:
        yield url


def _empty_all_tables() -> None:
    """DELETE is much cheaper than TRUNCATE on tables this small; sequences restart too."""
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        for (sequence,) in conn.execute(
            sa.text("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")
        ):
            conn.execute(sa.text(f'ALTER SEQUENCE "{sequence}" RESTART'))


@pytest.fixture(params=ENGINES)
def app(request: pytest.FixtureRequest, tmp_path: Any, app_config: dict[str, Any]) -> Iterator[Any]:
    """The app on a fresh SQLite file, or on the shared PostgreSQL schema emptied after the test."""
    postgres = request.param == "postgres"
    url = request.getfixturevalue("pg_shared_url") if postgres else f"sqlite:///{tmp_path / 'test.sqlite3'}"
    application = create_app(make_config(url, tmp_path, **app_config))
    application.test_client_class = ContractClient  # every API answer checked against the document
    with application.app_context():
        db.create_all()
        try:
            yield application
        finally:
            db.session.remove()
            if postgres:
                _empty_all_tables()
            db.engine.dispose()
            _forget_the_dialect()


def _forget_the_dialect() -> None:
    """Empty the ORM's per-mapper statement caches, whose keys hold the finished test's dialect
    (and with it every type it adapted): kept, they pinned thousands of objects per test, about
    3 million by the end of a run, and each full garbage collection then took seconds."""
    for mapper in db.Model.registry.mappers:
        mapper._compiled_cache.clear()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


def is_postgres(app: Any) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


@pytest.fixture
def auth(client: Any) -> Auth:
    """Sign in as a login made by ``tests.factories``: ``auth.headers(user)`` for the API,
    ``auth.browser(user)`` for the HTML pages."""
    return Auth(client)
