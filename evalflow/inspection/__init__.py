"""实地考察 (issue 21): inspection teams visit units and score the tree's ``inspection`` leaves on site,
from a phone, with photos, offline first; the leader signs, and the signed sheets feed the composite.

- :mod:`.rules` — visit states, conflicts, the balanced proposal, the notice rule (pure);
- :mod:`.marks` — what an inspector may write on a sheet, checked against the tree (pure);
- :mod:`.photo_rules` and :mod:`.imageprobe` — a photo's check, decoded in a bounded child process;
- :mod:`.models` — teams, conflicts, visits, members, photos (the sheets are the 测评体系's);
- :mod:`.teams`, :mod:`.visits`, :mod:`.sheets`, :mod:`.photos`, :mod:`.signoff` — the use cases;
- :mod:`.results` — which sheets the composite counts (``signed_marks``);
- :mod:`.pdf` — the 实地考察测评表; the faces: :mod:`.api`, :mod:`.sheet_api`, the pages.

docs/inspection.md explains it for a newcomer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Serve 实地考察: its routes on the API blueprint and its pages' blueprints."""
    from evalflow.inspection import api, inspector_pages, models, office_pages, sheet_api  # noqa: F401 - routes

    app.register_blueprint(inspector_pages.bp)
    app.register_blueprint(office_pages.bp)
    app.register_blueprint(office_pages.unit_bp)
