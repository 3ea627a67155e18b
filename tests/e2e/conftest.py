"""Browser tests: the app served on a free local port, driven by Playwright in the system Chromium.

Playwright's own browser download does not work everywhere, so these tests use the Chromium the
machine has (``/usr/bin/chromium``, or ``EVALFLOW_CHROMIUM``). Without one they skip with a reason
on a user's machine; with ``EVALFLOW_E2E_REQUIRED=1`` (set by .ci/run) a missing browser fails.

Only fixtures live here; the steps the browser tests share (screenshots, the axe-core check, signing
in …) are in ``tests/e2e/steps.py``.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from evalflow.extensions import db
from tests.e2e.steps import AXE

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# A browser drops connections it no longer needs (a stylesheet still loading when the page moves
# on). Werkzeug's development server then leaves that static file's handle for the garbage
# collector, which the suite's "warnings are errors" turns into a failure of whichever browser test
# happens to be running. Only that case is let through: an unclosed file under evalflow/static.
DROPPED_STATIC = (
    r"ignore:Exception ignored in. <_io\.FileIO name='[^']*/evalflow/static/"  # "." for the ":"
    ":pytest.PytestUnraisableExceptionWarning"
)


def pytest_collection_modifyitems(items: list[Any]) -> None:
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.filterwarnings(DROPPED_STATIC))


def _chromium() -> str | None:
    return os.environ.get("EVALFLOW_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        executable = None
    if not executable:
        if os.environ.get("EVALFLOW_E2E_REQUIRED"):
            pytest.fail("browser tests are required here but no Chromium was found")
        pytest.skip("no Chromium on this machine: install it (apt-get install chromium) to run browser tests")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        db.session.remove()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        if os.environ.get("EVALFLOW_E2E_REQUIRED"):
            pytest.fail("axe-core is missing: run `npm ci --prefix tests/e2e`")
        pytest.skip("axe-core not installed: run `npm ci --prefix tests/e2e` to run the accessibility checks")
    return AXE.read_text(encoding="utf-8")
