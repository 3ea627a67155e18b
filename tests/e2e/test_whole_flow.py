"""The whole process from the first click to the certificates, in a real browser and through the pages only.

The office creates a campaign and its scale; a unit registers itself, fills its report from a Word
file and submits; the office returns it once, then accepts it and two units it added itself; the
training is attended (one unit by scanning the venue QR code); delegates are named and their cards
printed; phone-sized ballot pages, opened from the cards' QR codes, grade by tapping while the office
runs the control panel; the tally chart and the proposed list; the notice is published, a member of
the public objects, the office answers; the notice period ends (the office's "today" moves, as in
the notice tests: the ``FROZEN_TODAY`` setting), the campaign becomes final, the commendation list
shows and the certificates download.

Nothing is written to the database except through the pages (the first office account excepted: it
is made by ``flask create-admin`` in real life). The test reads as the list of the process's phases; each
step is a function of ``tests/e2e/whole_flow_steps.py`` (筹备 to the delegates' cards) or
``tests/e2e/whole_flow_verdict_steps.py`` (集中汇报互评 to 审定表彰), and ``tests/e2e/whole_flow_world.py``
holds the walk's state and its screenshots (with ``EVALFLOW_TOUR_DIR`` set, e.g. ``docs/screenshots``,
the key screens are also saved there for the README tour).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import factories
from tests.e2e.whole_flow_steps import (
    draft_campaign,
    name_delegates,
    open_cards,
    register_and_submit,
    review_reports,
    train,
)
from tests.e2e.whole_flow_verdict_steps import (
    brief_and_score,
    finalize,
    object_and_answer,
    publish_notice,
    tally_and_propose,
)
from tests.e2e.whole_flow_world import Flow

pytestmark = pytest.mark.e2e


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"WTF_CSRF_SSL_STRICT": False}


def test_the_process_from_campaign_to_certificates(app, live_server, browser, page, tmp_path: Path):
    factories.admin()
    flow = Flow(app, live_server, browser, page, tmp_path)
    try:
        draft_campaign(flow)  # 筹备
        unit_a = register_and_submit(flow)  # 申报
        review_reports(flow, unit_a)
        train(flow, unit_a)  # 集中培训
        seat_of = open_cards(flow, name_delegates(flow, unit_a))
        brief_and_score(flow, seat_of)  # 集中汇报互评
        tally_and_propose(flow)  # 综合评定
        ends_on = publish_notice(flow)  # 公示
        object_and_answer(flow, ends_on)
        finalize(flow, ends_on)  # 审定表彰
    finally:
        flow.close()
