"""Rules every template keeps that axe-core finds only on the page and width that shows them: a
region that scrolls sideways (a wide table on a 360 px phone) can be reached and scrolled with the
keyboard and is named (axe ``scrollable-region-focusable``, seen on the tally page at 360 px)."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SCROLLER = re.compile(r"<div\b[^>]*\bclass=\"table-scroll\"[^>]*>")


def test_every_sideways_scrolling_region_is_focusable_and_named():
    found, wrong = 0, []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for tag in SCROLLER.findall(path.read_text(encoding="utf-8")):
            found += 1
            named = "aria-labelledby=" in tag or "aria-label=" in tag
            if 'tabindex="0"' not in tag or 'role="region"' not in tag or not named:
                wrong.append(f"{path.relative_to(TEMPLATES)}: {tag}")
    assert found >= 4  # the tally's, the composite's and the trace's tables
    assert wrong == []
