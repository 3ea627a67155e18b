"""The 测评体系 and 综合测评 (issue 20): the indicator tree, the composite score, 材料审核 helpers, the
workbook format and the default trees — a pure-Python core (docs/assessment.md explains the rules).

The core's modules import neither Flask nor SQLAlchemy (a test checks it); the workbook modules use
openpyxl.

- :mod:`.rules` — methods, modes, kinds, limits, the frozen tree and its live totals;
- :mod:`.parse` and :mod:`.parse_settings` — :func:`~.parse.parse_tree`, which validates an API body
  and reports every problem keyed by item code; :mod:`.tree_json` — the tree as the API answers it;
- :mod:`.composite` — each unit's sources, bonus, deductions, total and rank, exactly;
  :mod:`.formula` — the settings as one sentence, and how each leaf's value was made;
  :mod:`.outcome` — who qualifies (threshold and quota per category), the composite and its trace as JSON;
- :mod:`.review` — reviewers assigned to units, and the divergence rule between sheets;
- :mod:`.workbook` (with :mod:`.workbook_text`, :mod:`.workbook_import`, :mod:`.workbook_settings`
  and :mod:`.xlsx_guard`) — the XLSX template, export and bounded import;
- :mod:`.defaults` — one default tree per unit category, in our own words.

On that core (these import Flask and SQLAlchemy): :mod:`.models` (the tables), the use cases, the API
and the pages; :func:`register` serves them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Serve the 测评体系: its routes on the API blueprint and its pages' blueprints."""
    from evalflow.assessment import api, models, pages, reviewer_pages, reviewers_pages, sheets_api  # noqa: F401

    for part in (pages, reviewers_pages, reviewer_pages):
        app.register_blueprint(part.bp)
