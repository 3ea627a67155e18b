"""问卷调查 and 征求相关部门意见 (issue 22): residents', clients' and staff's satisfaction with each
unit, by QR poster (open) or one-time codes on slips (coded), and departments' opinions by link.

- :mod:`.rules` — the questionnaire, the 满意率, the sample, codes and verdicts (pure);
- :mod:`.signals` — anomaly signals over answers (pure);
- :mod:`.models` — the questionnaire, codes, answers, departments, opinions;
- :mod:`.questionnaire`, :mod:`.answers`, :mod:`.departments`, :mod:`.paper` — the use cases;
- :mod:`.results` — what the composite and the ``briefing → review`` guard read; :mod:`.export` the CSV;
- :mod:`.pdf`, :mod:`.posters` — the QR posters; :mod:`.device` — the phone's cookie, the rate limit;
- the faces: :mod:`.api`, :mod:`.public_pages`, :mod:`.office_pages`, :mod:`.department_pages`.

docs/survey.md explains it for an office.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Serve 问卷调查 and 征求意见: the API routes and the pages' blueprints."""
    from evalflow.survey import api, department_pages, device, models, office_pages, public_pages, rules  # noqa: F401

    device.register(app)
    app.jinja_env.globals.update(  # the labels of the values the survey's pages show
        verdict_labels={v.value: v.label for v in rules.Verdict},
        outcome_labels={o.value: o.label for o in rules.Outcome},
        respondent_labels={r.value: r.label for r in rules.Respondent},
    )
    app.register_blueprint(public_pages.bp)
    app.register_blueprint(department_pages.bp)
    app.register_blueprint(office_pages.bp)
