"""The access matrix: every route, HTML and API, × every actor, against one table of who may use it.

Actors: anonymous, the office, the unit itself (甲), another unit of the same campaign (乙), a seat of
甲, a seat of 乙, a disabled office account, a reviewer assigned to 甲 and a reviewer assigned to no unit.
For each route the table names the actors that may
use it. Any other actor that gets a 2xx (or a redirect onwards rather than to sign-in) fails the
test; allowed actors must not be refused (401, 403, or a redirect to sign-in; a 404 for an id the
world does not hold, a 400 for the empty body, or a 409 for the phase are fine). No request may
give a 5xx.
A route without a row fails, so a new route cannot escape the matrix.

Unit-scoped routes are asked about 甲 (``uid``); ids the world does not hold are filled with 1.
Refused actors are asked first, so a request that should have been refused but changed something
shows up before the allowed actors run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from evalflow.extensions import db
from evalflow.intake.models import ApplicationStatus
from evalflow.shared.access import Role
from evalflow.shared.accounts.models import User
from evalflow.shared.phases import Phase
from tests import factories
from tests.assessment_trees import small_data
from tests.factories import bearer

ANON, OFFICE, UNIT, OTHER_UNIT, SEAT, OTHER_SEAT, DISABLED, REVIEWER, OTHER_REVIEWER, INSPECTOR = (
    "anonymous",
    "office",
    "unit",
    "other_unit",
    "seat",
    "other_seat",
    "disabled",
    "reviewer",  # a 材料审核 reviewer assigned to 甲
    "other_reviewer",  # a reviewer assigned to no unit
    "inspector",  # the leader of a visit to 甲 (实地考察)
)
ACTORS = (ANON, OFFICE, UNIT, OTHER_UNIT, SEAT, OTHER_SEAT, DISABLED, REVIEWER, OTHER_REVIEWER, INSPECTOR)

# Who may use a route. A disabled account is never allowed: its bearer token is refused at once
# (401) and its browser session is gone, so it is anonymous to pages.
EVERYONE = frozenset({ANON, OFFICE, UNIT, OTHER_UNIT, SEAT, OTHER_SEAT, REVIEWER, OTHER_REVIEWER, INSPECTOR})
PAGE_EVERYONE = EVERYONE | {DISABLED}  # pages: a dead session is just an anonymous visitor
OFFICE_ONLY = frozenset({OFFICE})
OFFICE_OR_SELF = frozenset({OFFICE, UNIT})
SELF_ONLY = frozenset({UNIT})
MEMBERS = frozenset({OFFICE, UNIT, OTHER_UNIT})  # the office and every unit of the campaign
UNITS = frozenset({UNIT, OTHER_UNIT})  # a unit acting on itself (HTML /unit/…)
SEATS = frozenset({SEAT, OTHER_SEAT})
SIGNED_IN = frozenset({OFFICE, UNIT, OTHER_UNIT, SEAT, OTHER_SEAT, REVIEWER, OTHER_REVIEWER, INSPECTOR})
REVIEWERS = frozenset({REVIEWER, OTHER_REVIEWER})
ASSIGNED = frozenset({REVIEWER})  # the reviewer of 甲 (``uid``)
INSPECTORS = frozenset({INSPECTOR})  # an inspector on the visit
VISIT_READERS = frozenset({OFFICE, INSPECTOR})

MATRIX: dict[str, frozenset[str]] = {
    # --- public ------------------------------------------------------------------------------
    "public.index": PAGE_EVERYONE,
    "public.healthz": PAGE_EVERYONE,
    "public.set_language": PAGE_EVERYONE,
    "static": PAGE_EVERYONE,
    "auth.login": PAGE_EVERYONE,
    "unit.register": PAGE_EVERYONE,
    "seat.landing": PAGE_EVERYONE,  # the seat's own URL: its token is the credential
    "api.openapi_json": EVERYONE,
    "api.create_token": EVERYONE,
    "api.register": EVERYONE,
    # --- API: sign-in and campaigns -----------------------------------------------------------------
    "api.logout_everywhere": SIGNED_IN,
    "api.create_campaign": OFFICE_ONLY,
    "api.list_campaigns": MEMBERS,
    "api.get_campaign": MEMBERS,
    "api.patch_campaign": OFFICE_ONLY,
    "api.transition": OFFICE_ONLY,
    # --- API: units, applications, veto -----------------------------------------------------------
    "api.create_unit": OFFICE_ONLY,
    "api.list_units": MEMBERS,
    "api.import_units": OFFICE_ONLY,
    "api.reset_password": OFFICE_ONLY,
    "api.decide_registration": OFFICE_ONLY,
    "api.get_application": OFFICE_OR_SELF,
    "api.put_application": SELF_ONLY,
    "api.add_attachment": SELF_ONLY,
    "api.download_attachment": OFFICE_OR_SELF,
    "api.delete_attachment": SELF_ONLY,
    "api.import_docx": SELF_ONLY,
    "api.submit_application": SELF_ONLY,
    "api.review_application": OFFICE_ONLY,
    "api.list_versions": OFFICE_OR_SELF,
    "api.diff_versions": OFFICE_OR_SELF,
    "api.review_queue": OFFICE_ONLY,
    "api.set_deadline": OFFICE_ONLY,
    "api.list_vetoes": OFFICE_ONLY,
    "api.record_veto": OFFICE_ONLY,
    "api.veto_evidence": OFFICE_ONLY,
    "api.withdraw_veto": OFFICE_ONLY,
    # --- API: training -----------------------------------------------------------------------------
    "api.get_training": MEMBERS,
    "api.put_training": OFFICE_ONLY,
    "api.upload_material": OFFICE_ONLY,
    "api.download_material": MEMBERS,
    "api.delete_material": OFFICE_ONLY,
    "api.get_attendance": OFFICE_ONLY,
    "api.post_attendance": OFFICE_ONLY,
    "api.open_checkin": OFFICE_ONLY,
    "api.close_checkin": OFFICE_ONLY,
    "api.post_checkin": UNITS,
    "api.list_faq": MEMBERS,
    "api.post_faq": OFFICE_ONLY,
    "api.ask_faq": UNITS,
    "api.answer_faq": OFFICE_ONLY,
    # --- API: seats -----------------------------------------------------------------------------------
    "api.create_seat": OFFICE_OR_SELF,
    "api.list_unit_seats": OFFICE_OR_SELF,
    "api.rename_seat": OFFICE_OR_SELF,
    "api.reissue_seat": OFFICE_OR_SELF,
    "api.unit_cards": OFFICE_OR_SELF,
    "api.list_campaign_seats": OFFICE_ONLY,
    "api.campaign_cards": OFFICE_ONLY,
    "api.whoami_seat": SEATS,
    # --- API: the briefing ----------------------------------------------------------------------------
    "api.list_presentations": OFFICE_ONLY,
    "api.open_presentation": OFFICE_ONLY,
    "api.close_presentation": OFFICE_ONLY,
    "api.set_order": OFFICE_ONLY,
    "api.draw_order": OFFICE_ONLY,
    "api.get_draw": OFFICE_ONLY,
    "api.live_counts": OFFICE_ONLY,
    "api.put_ballot": frozenset({OTHER_SEAT}),  # asked about 甲: 甲's own seat gets 403 own_unit
    "api.my_ballots": SEATS,
    "api.seat_current": SEATS,
    "api.scoring_sheets": OFFICE_ONLY,
    "api.paper_entry": OFFICE_ONLY,
    "api.paper_report": OFFICE_ONLY,
    # --- HTML: sign-in, office ---------------------------------------------------------------------
    "auth.logout": PAGE_EVERYONE,  # signing out when signed out just goes home
    "office.dashboard": OFFICE_ONLY,
    "office.new_campaign": OFFICE_ONLY,
    "office.campaign": OFFICE_ONLY,
    "office.edit_campaign": OFFICE_ONLY,
    "office.scale": OFFICE_ONLY,
    "office.transition": OFFICE_ONLY,
    "accounts.index": OFFICE_ONLY,
    "accounts.toggle": OFFICE_ONLY,
    "audit.index": OFFICE_ONLY,
    "audit.export": OFFICE_ONLY,
    "intake_office.deadline": OFFICE_ONLY,
    "intake_office.review_queue": OFFICE_ONLY,
    "intake_office.units_list": OFFICE_ONLY,
    "intake_office.add_unit": OFFICE_ONLY,
    "intake_office.import_units": OFFICE_ONLY,
    "intake_office.application": OFFICE_ONLY,
    "intake_office.download": OFFICE_ONLY,
    "intake_office.diff": OFFICE_ONLY,
    "intake_office.review": OFFICE_ONLY,
    "intake_office.reset_password": OFFICE_ONLY,
    "intake_office.decide_registration": OFFICE_ONLY,
    "intake_office.record_veto": OFFICE_ONLY,
    "intake_office.evidence": OFFICE_ONLY,
    "intake_office.withdraw_veto": OFFICE_ONLY,
    "training.office_faq": OFFICE_ONLY,
    "training.add_faq": OFFICE_ONLY,
    "training.answer_faq": OFFICE_ONLY,
    "training.office_training": OFFICE_ONLY,
    "training.open_checkin": OFFICE_ONLY,
    "training.checkin_display": OFFICE_ONLY,
    "training.close_checkin": OFFICE_ONLY,
    "training.upload_material": OFFICE_ONLY,
    "training.delete_material": OFFICE_ONLY,
    "training.save_schedule": OFFICE_ONLY,
    "training.mark_attendance": OFFICE_ONLY,
    "seats.office_all_cards": OFFICE_ONLY,
    "seats.office_seats": OFFICE_ONLY,
    "seats.office_unit_cards": OFFICE_ONLY,
    "seats.office_create": OFFICE_ONLY,
    "seats.office_rename": OFFICE_ONLY,
    "seats.office_reissue": OFFICE_ONLY,
    # --- HTML: the unit's own pages ----------------------------------------------------------------------
    "training.material": MEMBERS,
    "unit.home": UNITS,
    "unit.save": UNITS,
    "unit.attach": UNITS,
    "unit.download": UNITS,
    "unit.detach": UNITS,
    "unit.import_docx": UNITS,
    "training.checkin": UNITS,
    "training.unit_faq": UNITS,
    "training.unit_training": UNITS,
    "seats.unit_seats": UNITS,
    "seats.unit_create": UNITS,
    "seats.unit_rename": UNITS,
    "seats.unit_reissue": UNITS,
    "seats.unit_cards": UNITS,
    # --- HTML: the briefing -----------------------------------------------------------------------
    "seat.ballot": PAGE_EVERYONE,  # the seat's own URL: its token is the credential
    "briefing.panel": OFFICE_ONLY,
    "briefing.screen": OFFICE_ONLY,
    "briefing.open_scoring": OFFICE_ONLY,
    "briefing.close_scoring": OFFICE_ONLY,
    "briefing.order": OFFICE_ONLY,
    "briefing.draw": OFFICE_ONLY,
    "briefing.set_order": OFFICE_ONLY,
    "briefing.paper_entry": OFFICE_ONLY,
    "briefing.sheets": OFFICE_ONLY,
    # --- the tally (office only, from the briefing on) -----------------------------------------------
    "api.get_tally": OFFICE_ONLY,
    "api.get_tally_checks": OFFICE_ONLY,
    "api.get_tally_settings": OFFICE_ONLY,
    "api.put_tally_settings": OFFICE_ONLY,
    "api.get_proposed_list": OFFICE_ONLY,
    "api.put_proposed_list": OFFICE_ONLY,
    "api.export_ballots": OFFICE_ONLY,
    "api.tally_csv": OFFICE_ONLY,
    "api.tally_pdf": OFFICE_ONLY,
    "api.tally_xlsx": OFFICE_ONLY,
    "tally.page": OFFICE_ONLY,
    "tally.settings": OFFICE_ONLY,
    "tally.propose": OFFICE_ONLY,
    "tally.pdf": OFFICE_ONLY,
    "tally.xlsx": OFFICE_ONLY,
    "tally.tally_csv": OFFICE_ONLY,
    "tally.ballots_csv": OFFICE_ONLY,
    # --- the notice: public once published; objections public while open; the office's side -----
    "api.get_notice": EVERYONE,
    "api.post_objection": EVERYONE,
    "api.post_objection_upload": EVERYONE,
    "api.get_commendation": EVERYONE,
    "api.create_notice": OFFICE_ONLY,
    "api.list_objections": OFFICE_ONLY,
    "api.investigate_objection": OFFICE_ONLY,
    "api.resolve_objection": OFFICE_ONLY,
    "api.list_calendar_days": OFFICE_ONLY,
    "api.put_calendar_day": OFFICE_ONLY,
    "notices.notice_page": PAGE_EVERYONE,
    "notices.notice_pdf": PAGE_EVERYONE,
    "notices.feed": PAGE_EVERYONE,
    "notices.objection_form": PAGE_EVERYONE,
    "notices.objection_lookup": PAGE_EVERYONE,
    "notices.objection_status": PAGE_EVERYONE,
    "notices.commendation_page": PAGE_EVERYONE,
    "notices.commendation_pdf": PAGE_EVERYONE,
    "notice_office.notice_form": OFFICE_ONLY,
    "notice_office.publish": OFFICE_ONLY,
    "notice_office.objections": OFFICE_ONLY,
    "notice_office.objection_file": OFFICE_ONLY,
    "notice_office.investigate": OFFICE_ONLY,
    "notice_office.resolve": OFFICE_ONLY,
    "notice_office.calendar": OFFICE_ONLY,
    "notice_office.calendar_delete": OFFICE_ONLY,
    "notice_office.certificates": OFFICE_ONLY,
    "notice_office.archive": OFFICE_ONLY,
    # --- the 测评体系: accounts, the tree, reviewers, sheets, divergences, closed sources --------------
    "api.create_account": OFFICE_ONLY,
    "api.list_accounts": OFFICE_ONLY,
    "api.get_indicators": OFFICE_ONLY,
    "api.put_indicators": OFFICE_ONLY,
    "api.indicators_xlsx": OFFICE_ONLY,
    "api.put_indicators_xlsx": OFFICE_ONLY,
    "api.indicators_template": OFFICE_ONLY,
    "api.copy_indicators": OFFICE_ONLY,
    "api.default_indicators": OFFICE_ONLY,
    "api.list_reviewers": OFFICE_ONLY,
    "api.put_reviewer": OFFICE_ONLY,
    "api.put_conflicts": OFFICE_ONLY,
    "api.reviewer_proposal": OFFICE_ONLY,
    "api.get_materials_sheet": ASSIGNED,
    "api.put_materials_sheet": ASSIGNED,
    "api.list_materials_sheets": OFFICE_ONLY,
    "api.my_reviews": REVIEWERS,
    "api.list_divergences": OFFICE_ONLY,
    "api.decide_divergence": OFFICE_ONLY,
    "api.third_reviewer": OFFICE_ONLY,
    "api.list_closures": OFFICE_ONLY,
    "api.close_source": OFFICE_ONLY,
    "api.reopen_source": OFFICE_ONLY,
    "accounts.add_assessor": OFFICE_ONLY,
    "assessment.indicators": OFFICE_ONLY,
    "assessment.save_indicators": OFFICE_ONLY,
    "assessment.import_indicators": OFFICE_ONLY,
    "assessment.indicators_xlsx": OFFICE_ONLY,
    "assessment.indicators_template": OFFICE_ONLY,
    "assessment.copy_indicators": OFFICE_ONLY,
    "assessment.default_indicators": OFFICE_ONLY,
    "assessment_office.reviewers": OFFICE_ONLY,
    "assessment_office.save_reviewers": OFFICE_ONLY,
    "assessment_office.add_conflict": OFFICE_ONLY,
    "assessment_office.divergences": OFFICE_ONLY,
    "assessment_office.decide": OFFICE_ONLY,
    "assessment_office.third": OFFICE_ONLY,
    "assessment_office.unit_sheets": OFFICE_ONLY,
    "assessor.home": REVIEWERS | INSPECTORS,  # an inspector may look (its list of 材料审核 tasks is empty)
    "assessor.sheet": ASSIGNED,
    "assessor.save": ASSIGNED,
    "assessor.attachment": ASSIGNED,
    # --- 实地考察 -------------------------------------------------------------------------------------
    "api.create_visit": OFFICE_ONLY,
    "api.list_visits": OFFICE_ONLY,
    "api.unit_visits": OFFICE_OR_SELF,
    "api.inspection_results": OFFICE_ONLY,
    "api.list_teams": OFFICE_ONLY,
    "api.create_team": OFFICE_ONLY,
    "api.delete_team": OFFICE_ONLY,
    "api.list_conflicts": OFFICE_ONLY,
    "api.declare_conflict": OFFICE_ONLY,
    "api.remove_conflict": OFFICE_ONLY,
    "api.get_proposal": OFFICE_ONLY,
    "api.accept_proposal": OFFICE_ONLY,
    "api.my_visits": INSPECTORS,
    "api.get_visit": VISIT_READERS,
    "api.visit_leaves": VISIT_READERS,
    "api.patch_visit": OFFICE_ONLY,
    "api.cancel_visit": OFFICE_ONLY,
    "api.get_my_sheet": INSPECTORS,
    "api.put_my_sheet": INSPECTORS,
    "api.team_sheets": VISIT_READERS,
    "api.return_sheet": INSPECTORS,
    "api.amend_sheet": OFFICE_ONLY,
    "api.sign_visit": INSPECTORS,
    "api.add_photo": INSPECTORS,
    "api.get_photo": VISIT_READERS,
    "api.get_thumbnail": VISIT_READERS,
    "api.visit_pdf": VISIT_READERS,
    "inspector.home": INSPECTORS,
    "inspector.sheet": INSPECTORS,
    "inspector.team": INSPECTORS,
    "inspector.sign": INSPECTORS,
    "inspector.return_sheet": INSPECTORS,
    "inspector.token": INSPECTORS,
    "inspector.service_worker": PAGE_EVERYONE,
    "inspection_office.board": OFFICE_ONLY,
    "inspection_office.create_visit": OFFICE_ONLY,
    "inspection_office.create_team": OFFICE_ONLY,
    "inspection_office.declare_conflict": OFFICE_ONLY,
    "inspection_office.accept_proposal": OFFICE_ONLY,
    "inspection_office.visit": OFFICE_ONLY,
    "inspection_office.amend": OFFICE_ONLY,
    "inspection_unit.visits_page": UNITS,
    # --- 综合测评 (evalflow/review; office only, from the briefing on) ----------------------------------
    "api.get_composite": OFFICE_ONLY,
    "api.composite_xlsx": OFFICE_ONLY,
    "api.composite_export": OFFICE_ONLY,
    "api.composite_proposal": OFFICE_ONLY,
    "review.page": OFFICE_ONLY,
    "review.trace": OFFICE_ONLY,
    "review.xlsx": OFFICE_ONLY,
    "review.pdf": OFFICE_ONLY,
    "review.unit_pdf": OFFICE_ONLY,
    "review.propose": OFFICE_ONLY,
    # --- 问卷调查 and 征求意见 ----------------------------------------------------------------------
    "api.put_survey": OFFICE_ONLY,
    "api.get_survey": OFFICE_ONLY,
    "api.survey_poster": OFFICE_ONLY,
    "api.survey_posters": OFFICE_ONLY,
    "api.survey_codes": OFFICE_ONLY,
    "api.post_survey_answer": EVERYONE,  # the public answers (the world has no questionnaire: 404)
    "api.survey_results": OFFICE_ONLY,
    "api.invalidate_answer": OFFICE_ONLY,
    "api.create_department": OFFICE_ONLY,
    "api.put_opinion": frozenset(),  # only a department's token (tests/web/test_survey_opinions.py)
    "api.list_opinions": OFFICE_ONLY,
    "api.decide_case": OFFICE_ONLY,
    "api.opinion_evidence": OFFICE_ONLY,
    "survey_public.answer_form": PAGE_EVERYONE,
    "survey_departments.page": frozenset(),  # the department's token is the credential (tested on its own)
    "survey_departments.answer": frozenset(),
    "survey_office.overview": OFFICE_ONLY,
    "survey_office.save": OFFICE_ONLY,
    "survey_office.all_posters": OFFICE_ONLY,
    "survey_office.codes": OFFICE_ONLY,
    "survey_office.unit_page": OFFICE_ONLY,
    "survey_office.invalidate": OFFICE_ONLY,
    "survey_office.add_department": OFFICE_ONLY,
    "survey_office.opinion_evidence": OFFICE_ONLY,
    "survey_office.decide": OFFICE_ONLY,
    "survey_office.key_paper": OFFICE_ONLY,
    "survey_office.answers_csv": OFFICE_ONLY,
    "api.key_paper": OFFICE_ONLY,
    "api.paper_mismatches": OFFICE_ONLY,
}

# Every route is tried in the phases where it is open: the briefing by default, the intake's routes
# also in the intake, the tally's in the review, the notice's in the notice and once final.
INTAKE_WORDS = ("application", "attachment", "docx", "register", "registration", "unit", "veto", "deadline")


ASSESSMENT_SOURCES = (
    "sheet",
    "divergence",
    "third",
    "closure",
    "reopen",
    "close_source",
    "assessor.",
    "decide",
)


def phases_for(endpoint: str) -> tuple[Phase, ...]:
    if any(word in endpoint for word in ASSESSMENT_SOURCES):  # scored from training through briefing
        return (Phase.TRAINING, Phase.BRIEFING, Phase.REVIEW)
    if "indicators" in endpoint:  # edited from draft until frozen
        return (Phase.DRAFT, Phase.BRIEFING)
    if any(word in endpoint for word in ("notice", "objection", "commendation", "certificates", "archive")):
        return (Phase.NOTICE, Phase.FINAL)
    if any(
        word in endpoint
        for word in ("tally", "propos", "ballots_csv", "export_ballots", "composite", "review.")
    ):
        return (Phase.BRIEFING, Phase.REVIEW)
    if any(word in endpoint for word in INTAKE_WORDS):
        return (Phase.INTAKE, Phase.BRIEFING)
    return (Phase.BRIEFING,)


@dataclass
class World:
    ids: dict[str, Any]
    tokens: dict[str, str]  # bearer tokens (API) by actor
    users: dict[str, User]  # accounts with a browser session (HTML) by actor


def build(phase: Phase) -> World:
    campaign = factories.campaign("矩阵评选", phase)
    a = factories.unit(campaign, "甲社区", ApplicationStatus.ACCEPTED)
    b = factories.unit(campaign, "乙社区", ApplicationStatus.ACCEPTED)
    seat_a, raw_a = factories.seat(a, name="张三")
    _, raw_b = factories.seat(b, name="李四")
    users = {
        OFFICE: factories.office(),
        UNIT: factories.user("unit-a", Role.UNIT, a),
        OTHER_UNIT: factories.user("unit-b", Role.UNIT, b),
        DISABLED: factories.office("gone"),
        REVIEWER: factories.reviewer("reviewer-a"),
        OTHER_REVIEWER: factories.reviewer("reviewer-x"),
        INSPECTOR: factories.user("inspector", Role.INSPECTOR),
    }
    factories.indicators(campaign, small_data())
    factories.assignment(a, users[REVIEWER])
    vid = factories.visit(a, users[INSPECTOR]).id
    tokens = {actor: factories.token(user) for actor, user in users.items()}
    tokens.update({SEAT: raw_a, OTHER_SEAT: raw_b})
    users[DISABLED].active = False
    db.session.commit()
    ids = {
        "cid": campaign.id,
        "uid": a.id,
        "sid": seat_a.id,
        "user_id": users[UNIT].id,
        "token": raw_a,
        "vid": vid,
    }
    return World(ids=ids, tokens=tokens, users=users)


FILLERS = {"code": "no-such-code", "filename": "app.css", "receipt": "NO-SUCH-RECEIPT", "day": "2027-01-01"}


def url_for_rule(rule: Any, ids: dict[str, Any]) -> str:
    values = {}
    for name in rule.arguments:
        values[name] = ids.get(name, FILLERS.get(name, 1))
    if rule.endpoint == "public.set_language":
        values["code"] = "en"
    return rule.build(values, append_unknown=False)[1]


def _sign_in(client: Any, user: User | None) -> None:
    with client.session_transaction() as session:
        session.clear()
        if user is not None:
            session["_user_id"] = f"{user.id}:{user.session_version}"
            session["_fresh"] = True


def to_sign_in(response: Any) -> bool:
    return response.status_code in (302, 303) and "/login" in response.headers.get("Location", "")


def refused(response: Any) -> bool:
    """The caller was told no: not authenticated, not allowed, or (for a stranger) not there."""
    return response.status_code in (401, 403) or to_sign_in(response)


def got_through(response: Any) -> bool:
    """A success, or a redirect onwards that is not the sign-in page."""
    return 200 <= response.status_code < 300 or (
        300 <= response.status_code < 400 and not to_sign_in(response)
    )


@pytest.fixture
def app_config() -> dict[str, Any]:
    # The matrix is about who may do what; CSRF and rate limits are tested on their own.
    return {"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}


def _rules(app: Any) -> list[tuple[str, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method))
    return sorted(out)


def test_access_matrix_has_a_row_for_every_route(app):
    endpoints = {endpoint for endpoint, _ in _rules(app)}
    assert sorted(endpoints - MATRIX.keys()) == []
    assert sorted(MATRIX.keys() - endpoints) == []


def _cases() -> list[Any]:
    from evalflow import create_app

    probe = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "matrix"})
    return [
        pytest.param(endpoint, method, phase, id=f"{endpoint}-{method}-{phase.value}")
        for endpoint, method in _rules(probe)
        for phase in phases_for(endpoint)
    ]


@pytest.mark.parametrize(("endpoint", "method", "phase"), _cases())
def test_access_matrix(app, client, endpoint, method, phase):
    world = build(phase)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and method in r.methods)
    url = url_for_rule(rule, world.ids)
    api = url.startswith("/api/")
    allowed = MATRIX[endpoint]
    # Refused actors first, so a refused request that changed something is caught before the others.
    order = sorted(ACTORS, key=lambda actor: actor in allowed)
    problems = []
    for actor in order:
        if api:
            headers = bearer(world.tokens[actor]) if actor in world.tokens else {}
            response = client.open(url, method=method, headers=headers, json={} if method != "GET" else None)
        else:
            _sign_in(client, world.users.get(actor) if actor not in (SEAT, OTHER_SEAT) else None)
            response = client.open(url, method=method, data={} if method != "GET" else None)
        response.close()
        db.session.rollback()
        status = response.status_code
        if status >= 500:
            problems.append(f"{actor}: {status}")
        elif actor in allowed and refused(response):
            problems.append(f"{actor} refused: {status}")
        elif actor not in allowed and got_through(response):
            problems.append(f"{actor} got through: {status} {response.headers.get('Location', '')}")
    assert problems == []
