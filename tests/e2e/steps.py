"""Steps the browser tests share: screenshots, the axe-core check, signing in, reading the flash
message, moving a campaign on from its page, reading QR codes.

Not a test module (browser tests import these, never each other); the fixtures (the browser, the live
server, a page) stay in ``tests/e2e/conftest.py``.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

from PIL import Image
from pyzbar.pyzbar import decode

from tests.factories import PASSWORD

SCREENSHOTS = Path(os.environ.get("EVALFLOW_SCREENSHOTS", "/tmp/evalflow-screenshots"))
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def shot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_violations(page: Any, axe_source: str) -> list[str]:
    page.evaluate(axe_source)  # evaluated by the test driver, so the page's strict CSP allows it
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(
            json.dumps(n["target"]) + " " + n.get("failureSummary", "").replace("\n", " ")
            for n in v["nodes"][:3]
        )
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def sign_in(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign in on the login page and wait for the page it leads to."""
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("header, main")


def flash(page: Any) -> str:
    return page.inner_text(".flash")


def advance(page: Any, base: str, cid: int, label: str) -> None:
    """Move campaign *cid* on to the phase *label* with its button, and check that it moved."""
    page.goto(f"{base}/office/campaigns/{cid}")
    page.click(f"button:has-text('进入“{label}”阶段')")
    assert f"已进入“{label}”阶段。" in flash(page)
    assert page.locator(".timeline li.current").inner_text().endswith(label)


def qr_codes(png: bytes) -> list[str]:
    with Image.open(io.BytesIO(png)) as image:
        return [symbol.data.decode() for symbol in decode(image)]
