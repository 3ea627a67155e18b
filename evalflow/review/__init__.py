"""综合测评 (issue 20): the composite of every source for a campaign, read from the earlier phases.

- :mod:`.sources` — each unit's inputs gathered for the whole campaign (materials, inspection,
  briefing tally, survey hook, veto, closures), one query per source;
- :mod:`.service` — the composite (office only, from the briefing on) and its incomplete sources;
- :mod:`.door` — the ``briefing → review`` guard's facts (incomplete sources in plain words);
- :mod:`.seal_rules` (pure) and :mod:`.seal` — the seal of every composite input, its check and export;
- :mod:`.sheets` — the counted sheets of one unit (who, when, comment) for the trace;
- :mod:`.api`, :mod:`.pages`, :mod:`.reports` and :mod:`.pdf` — the faces: JSON, the results and
  trace pages, the 测评汇总表 (XLSX, PDF) and a unit's 测评表 (PDF).

The arithmetic is the pure core of :mod:`evalflow.assessment` (exact fractions).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Serve the composite: its API routes, its pages, and its facts for the one door."""
    from evalflow.review import api, door, leaf_totals, models, pages  # noqa: F401 - routes, facts, tables, triggers

    app.register_blueprint(pages.bp)
