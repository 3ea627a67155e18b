"""The state of the browser walk through the process (``tests/e2e/test_whole_flow.py``): the people and
their delegates, the office's tab, the campaign, the browsers opened on the way, and the screenshots
it takes.

Screenshots go to ``SCREENSHOTS``; with ``EVALFLOW_TOUR_DIR`` set (e.g. ``docs/screenshots``) the key
screens are also saved there, at the size of the screen, for the README tour.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from PIL import Image

from evalflow.shared import clock
from tests.e2e.steps import advance, shot

DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "zh-CN"}
PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "zh-CN", "is_mobile": True, "has_touch": True}
TOUR = os.environ.get("EVALFLOW_TOUR_DIR")

A, B, C = "乌山社区", "三坊七巷社区", "鼓楼区第一中学"
DELEGATES = {
    A: ("林晓燕", "陈建国", "王秀英"),
    B: ("黄志明", "郑丽华", "吴国庆"),
    C: ("刘思远", "周敏", "赵德胜"),
}
ROLES = ("reporter", "cadre", "public")


@dataclass
class Flow:
    """One walk: the office's tab (``page``) on the live server at ``base``, the campaign (``cid``,
    once drafted), the office's real date, and every browser context opened on the way."""

    app: Any
    base: str
    browser: Any
    page: Any
    tmp_path: Path
    today: date = field(default_factory=clock.today)  # every date on the screenshots agrees with it
    cid: int = 0
    hall: Any = None  # the phones' browser once the cards are printed
    contexts: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.set_viewport_size(DESKTOP["viewport"])
        self.page.on("dialog", lambda dialog: dialog.accept())

    def new_page(self, **options: Any) -> Any:
        """A tab in a new browser (its own cookies) that accepts every confirmation dialog."""
        context = self.browser.new_context(**options)
        self.contexts.append(context)
        tab = context.new_page()
        tab.on("dialog", lambda dialog: dialog.accept())
        return tab

    def office(self, path: str = "") -> None:
        """The office's tab opens the campaign's page *path* (``/units``, ``/review`` …)."""
        self.page.goto(f"{self.base}/office/campaigns/{self.cid}{path}")

    def advance(self, label: str) -> None:
        advance(self.page, self.base, self.cid, label)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def capture(page: Any, name: str, focus: str | None = None) -> None:
    """A full-page screenshot for the artifacts; for the tour, the screen around *focus*."""
    shot(page, f"flow-{name}")
    if not TOUR:
        return
    top = "e => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 16)"
    page.locator(focus or "body").first.evaluate(top if focus else "() => window.scrollTo(0, 0)")
    with Image.open(io.BytesIO(page.screenshot(animations="disabled", caret="hide"))) as image:
        save_for_tour(image, name)


def save_for_tour(image: Image.Image, name: str) -> None:
    """A palette PNG keeps the README tour light (no optipng needed)."""
    Path(TOUR).mkdir(parents=True, exist_ok=True)
    palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    palette.save(Path(TOUR) / f"{name}.png", optimize=True)


def phone_at(flow: Flow, url: str) -> Any:
    phone = flow.hall.new_page()
    phone.goto(url)
    return phone
