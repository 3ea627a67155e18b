"""The one place tests build their data: campaigns, units (with an application), logins, seats, and
the rows a phase leaves behind (attendance, presentations, ballots, vetoes, versions, list entries).

Every factory writes through the ORM session and flushes (call ``db.session.commit()`` when a
request must see the data); it works the same on SQLite and PostgreSQL. Only this module calls a
model's constructor: ``tests/unit/test_test_suite_rules.py`` fails on any other test module that
does. Where a use case makes the row as the product makes it (an office account from
``create-admin``), the factory calls that use case. Sign-in helpers for the API (bearer headers) and
the HTML pages (a browser session) live here too, and the ``auth`` fixture of ``tests/conftest.py``
wraps them.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from werkzeug.security import generate_password_hash

from evalflow.assessment.models import ReviewerAssignment, ScoreSheet, SheetScore
from evalflow.assessment.parse import parse_tree
from evalflow.assessment.rules import Method
from evalflow.assessment.tree_rows import indicator_ids, write_tree
from evalflow.briefing.models import Ballot, Presentation
from evalflow.briefing.rules import PresentationState
from evalflow.extensions import db
from evalflow.inspection.models import PhotoThumbnail, Visit, VisitMember, VisitPhoto
from evalflow.intake.models import Application, ApplicationStatus, ApplicationVersion, VetoIncident
from evalflow.shared import clock
from evalflow.shared.access import Actor, Role
from evalflow.shared.accounts import actors
from evalflow.shared.accounts import service as accounts
from evalflow.shared.accounts.models import User
from evalflow.shared.campaigns.models import Campaign, Seat, Unit
from evalflow.shared.campaigns.rules import SeatRole
from evalflow.shared.files import store
from evalflow.shared.files.models import StoredFile
from evalflow.shared.phases import Phase
from evalflow.survey import rules as survey_rules
from evalflow.survey.models import Department, Opinion, Survey, SurveyAnswer
from evalflow.tally.models import ProposedEntry
from evalflow.training.models import Attendance, AttendanceStatus

PASSWORD = "test-pass-1234"
# A cheap hash: tests are about rules and access, not about password hashing (tested elsewhere).
_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def campaign(title: str = "2026年度评选", phase: Phase = Phase.INTAKE, **values: Any) -> Campaign:
    made = Campaign(title=title, phase=phase, **values)
    db.session.add(made)
    db.session.flush()
    return made


def unit(
    of: Campaign,
    name: str,
    status: ApplicationStatus | None = ApplicationStatus.DRAFT,
    *,
    category: str = "社区",
    report: bool | None = None,
) -> Unit:
    """A unit of *of* with an application in *status* (``None``: no application row at all). With
    *report* (by default: once the application has left the draft), the application has a title (the
    unit's name) and a text."""
    made = Unit(campaign_id=of.id, name=name, category=category)
    db.session.add(made)
    db.session.flush()
    if status is not None:
        application(made, status, report=status is not ApplicationStatus.DRAFT if report is None else report)
    return made


def application(of: Unit, status: ApplicationStatus, *, report: bool = True) -> Application:
    made = Application(unit_id=of.id, status=status)
    if report:
        made.report_title, made.report_text = of.name, "报告"
    db.session.add(made)
    db.session.flush()
    return made


def user(username: str, role: Role = Role.UNIT, of: Unit | None = None) -> User:
    """A login with the password :data:`PASSWORD`; ``role=UNIT`` needs the unit *of*."""
    made = User(username=username, password_hash=_HASH, role=role, unit_id=of.id if of else None)
    db.session.add(made)
    db.session.flush()
    return made


def office(username: str = "office") -> User:
    return user(username, Role.OFFICE)


def admin(username: str = "office") -> User:
    """An office login made as ``flask create-admin`` makes it (the use case, its audit entry and the
    app's password hashing), committed; its password is :data:`PASSWORD`."""
    made = accounts.create_admin(username, PASSWORD)
    db.session.commit()
    return made


def actor(login_: User) -> Actor:
    """Who *login_* is to the use cases, as a request signed in as it would be."""
    return actors.actor_for_user(login_)


def office_actor() -> Actor:
    """The office, for calling a use case directly (no login row behind it)."""
    return Actor(Role.OFFICE, user_id=None, label="test")


def seat(of: Unit, role: SeatRole = SeatRole.REPORTER, name: str = "张三") -> tuple[Seat, str]:
    """A seat of *of* and its bearer token."""
    token = accounts.new_secret()
    made = Seat(unit_id=of.id, role=role, name=name, token_hash=accounts.token_digest(token))
    db.session.add(made)
    db.session.flush()
    return made, token


def token(login: User) -> str:
    """A bearer token for *login* (issued through the service, as ``POST /auth/token`` does)."""
    return accounts.issue_token(login)


def office_token(client: Any, username: str = "office") -> str:
    """A new :func:`admin` signed in through ``POST /api/v1/auth/token``; its bearer token."""
    admin(username)
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


# --- what the phases leave behind ---------------------------------------------------------------------


def attendance(of: Unit, status: AttendanceStatus = AttendanceStatus.ATTENDED, note: str = "") -> Attendance:
    made = Attendance(unit_id=of.id, status=status, note=note)
    db.session.add(made)
    db.session.flush()
    return made


def presentation(of: Unit, status: PresentationState = PresentationState.PENDING) -> Presentation:
    """*of*'s presentation at the briefing (``CLOSED``: presented, scoring over)."""
    made = Presentation(campaign_id=of.campaign_id, unit_id=of.id, status=status)
    db.session.add(made)
    db.session.flush()
    return made


def ballots(rows: Iterable[Mapping[str, Any]]) -> None:
    """Ballots written as rows (``seat_id``, ``unit_id``, ``grade``, optionally ``source``), all in one
    statement: the set-up of tally tests, not the ballot use case (which needs scoring open)."""
    rows = list(rows)
    if rows:
        db.session.execute(Ballot.__table__.insert(), rows)
        db.session.flush()


def veto(
    of: Unit, occurred_on: date, kind: str = "发生重大安全生产事故", description: str = ""
) -> VetoIncident:
    """A 一票否决 incident of *of*, as a row only (the use case also withdraws an acceptance)."""
    made = VetoIncident(unit_id=of.id, kind=kind, occurred_on=occurred_on, description=description)
    db.session.add(made)
    db.session.flush()
    return made


def version(of: Application, number: int, text: str, attachments: Iterable[str] = ()) -> ApplicationVersion:
    """Submission *number* of *of*, frozen with *text* and these attachment names."""
    made = ApplicationVersion(
        application_id=of.id,
        number=number,
        report_title="t",
        report_text=text,
        attachment_names=list(attachments),
    )
    db.session.add(made)
    db.session.flush()
    return made


def proposed_entry(of: Unit, position: int, included: bool = True, reason: str = "") -> ProposedEntry:
    """*of* on its campaign's proposed list; left off (``included=False``) is a deviation with *reason*."""
    made = ProposedEntry(
        campaign_id=of.campaign_id,
        unit_id=of.id,
        included=included,
        position=position,
        deviation=not included,
        reason=reason,
    )
    db.session.add(made)
    db.session.flush()
    return made


def stored_file(of: Campaign, content: bytes, filename: str, purpose: str = "training") -> StoredFile:
    """*content* stored under a generated name in the upload folder, with its row (no content check:
    the upload use cases and their tests do that)."""
    name = store.new_stored_name()
    (store.upload_dir() / name).write_bytes(content)
    made = StoredFile(
        campaign_id=of.id, purpose=purpose, filename=filename, stored_name=name, size=len(content),
        sha256=hashlib.sha256(content).hexdigest(), content_type="application/pdf",
    )  # fmt: skip
    db.session.add(made)
    db.session.flush()
    return made


# --- the 测评体系 -------------------------------------------------------------------------------------


def reviewer(username: str, name: str = "", works_for: Unit | None = None) -> User:
    """A reviewer's login (password :data:`PASSWORD`), working for *works_for* if given."""
    made = user(username, Role.REVIEWER)
    made.display_name = name or username
    made.affiliation_unit_id = works_for.id if works_for else None
    db.session.flush()
    return made


def indicators(of: Campaign, data: Mapping[str, Any]) -> None:
    """The campaign's 测评体系 from an API body (validated by ``parse_tree``), without the use case's
    phase rule or audit entry."""
    write_tree(of.id, parse_tree(data))


def assignment(of: Unit, reviewer_: User) -> ReviewerAssignment:
    made = ReviewerAssignment(campaign_id=of.campaign_id, unit_id=of.id, reviewer_id=reviewer_.id)
    db.session.add(made)
    db.session.flush()
    return made


def sheet_marks(
    of: Unit, scorer: User, marks: Mapping[str, Any], method: Method = Method.MATERIALS
) -> ScoreSheet:
    """A draft score sheet of *scorer* for *of* with points per leaf code (the tree must have them)."""
    made = ScoreSheet(campaign_id=of.campaign_id, unit_id=of.id, method=method, scorer_id=scorer.id)
    db.session.add(made)
    db.session.flush()
    ids = indicator_ids(of.campaign_id)
    db.session.add_all(
        SheetScore(sheet_id=made.id, indicator_id=ids[code], points=p) for code, p in marks.items()
    )
    db.session.flush()
    return made


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def make_config(db_url: str, tmp_path: Any, **extra: Any) -> dict[str, Any]:
    """The settings of a test app on *db_url*, uploads under *tmp_path*."""
    config = {
        "TESTING": True,
        "DATABASE_URL": db_url,
        "SECRET_KEY": "test-secret-" + uuid.uuid4().hex,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "RATELIMIT_ENABLED": True,
        "PROXY_FIX": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # scrypt's cost buys nothing in tests
        "VERSION_FILE": str(tmp_path / "poll-versions.bin"),  # the poll's numbers (shared/versions.py)
    }
    config.update(extra)
    return config


# --- the browser -----------------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in page"
    return match.group(1) or match.group(2)


def csrf(client: Any, page: str) -> str:
    """The CSRF token of *page* as the signed-in browser sees it."""
    return csrf_from(client.get(page).get_data(as_text=True))


def login(client: Any, username: str = "office", password: str = PASSWORD) -> Any:
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf(client, "/login")}
    )


class Auth:
    """``auth.headers(login)``: bearer headers for an API call; ``auth.browser(login)``: the test
    client signed in to the HTML pages as *login*."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._tokens: dict[int, str] = {}

    def headers(self, login_: User) -> dict[str, str]:
        if login_.id not in self._tokens:
            self._tokens[login_.id] = token(login_)
            db.session.commit()
        return bearer(self._tokens[login_.id])

    def browser(self, login_: User) -> Any:
        db.session.commit()
        response = login(self.client, login_.username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return self.client


def visit(of: Unit, leader: User, *members: User, announced: bool = True) -> Visit:
    """A 实地考察 visit to *of*, starting now, led by *leader* with *members*; each has an empty
    inspection sheet, as the use case that schedules a visit leaves them."""
    made = Visit(campaign_id=of.campaign_id, unit_id=of.id, leader_id=leader.id, starts_at=clock.now(),
                 announced=announced)  # fmt: skip
    db.session.add(made)
    db.session.flush()
    for person in (leader, *members):
        db.session.add(VisitMember(visit_id=made.id, inspector_id=person.id))
        db.session.add(ScoreSheet(campaign_id=of.campaign_id, unit_id=of.id, method=Method.INSPECTION,
                                  scorer_id=person.id, visit_id=made.id))  # fmt: skip
    db.session.flush()
    return made


def visit_photo(of: Visit, inspector: User, code: str, content: bytes, thumbnail: bytes) -> VisitPhoto:
    """A photo of *of* for leaf *code* and its thumbnail, stored as they are (no re-encoding: the
    photo use case and its tests do that)."""
    names = []
    for data in (content, thumbnail):
        names.append(store.new_stored_name())
        (store.upload_dir() / names[-1]).write_bytes(data)
    made = VisitPhoto(visit_id=of.id, inspector_id=inspector.id, indicator_id=indicator_ids(of.campaign_id)[code],
                      stored_name=names[0], size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                      width=64, height=48)  # fmt: skip
    db.session.add(made)
    db.session.flush()
    db.session.add(PhotoThumbnail(photo_id=made.id, stored_name=names[1], size=len(thumbnail),
                                  sha256=hashlib.sha256(thumbnail).hexdigest()))  # fmt: skip
    db.session.flush()
    return made


def survey(of: Campaign, data: Mapping[str, Any]) -> Survey:
    """The campaign's questionnaire from an API body (checked by ``parse_questionnaire``), without
    the use case's phase rule or audit entry."""
    found, problems = survey_rules.parse_questionnaire(data)
    assert found is not None, problems
    made = Survey(campaign_id=of.id, mode=found.mode.value, sample=found.sample, content=found.to_json())
    db.session.add(made)
    db.session.flush()
    return made


def survey_answer(of: Unit, respondent: str, choices: list[int | None], *, satisfied: int, chosen: int,
                  address: str = "10.0.0.1", device: str | None = None, at: Any = None, opened_at: Any = None,
                  invalid: str = "") -> SurveyAnswer:  # fmt: skip
    """One answer to *of*'s questionnaire, its counts given (the use case computes them)."""
    made = SurveyAnswer(campaign_id=of.campaign_id, unit_id=of.id, respondent=respondent, choices=choices,
                        satisfied=satisfied, chosen=chosen, address=address, device=device,
                        created_at=at or clock.now(), opened_at=opened_at,
                        invalidated_at=clock.now() if invalid else None, invalid_reason=invalid)  # fmt: skip
    db.session.add(made)
    db.session.flush()
    return made


# --- the 综合测评 ----------------------------------------------------------------------------------


def submitted_sheet(
    of: Unit, scorer: User, marks: Mapping[str, Any], method: Method = Method.MATERIALS
) -> ScoreSheet:
    """A submitted (locked) sheet of *scorer* for *of*: :func:`sheet_marks`, then submitted now."""
    made = sheet_marks(of, scorer, marks, method)
    made.submitted_at = clock.now()
    db.session.flush()
    return made


def department(of: Campaign, name: str, token_: str = "") -> Department:
    """A department asked for its opinions; its token *token_* (a random one when empty)."""
    made = Department(
        campaign_id=of.id, name=name, token_hash=survey_rules.token_digest(token_ or uuid.uuid4().hex)
    )
    db.session.add(made)
    db.session.flush()
    return made


def signed_visit(of: Unit, marks: Mapping[User, Mapping[str, Any]], signed: bool = True) -> Visit:
    """A 实地考察 visit to *of* whose inspectors (the first leads) gave these marks; *signed*: the
    leader signed it (each sheet's ``submitted_at`` is then set, as ``signoff.sign`` does)."""
    people = list(marks)
    made = visit(of, people[0], *people[1:])
    ids = indicator_ids(of.campaign_id)
    sheets = {s.scorer_id: s for s in db.session.query(ScoreSheet).filter_by(visit_id=made.id)}
    for person, given in marks.items():
        db.session.add_all(
            SheetScore(sheet_id=sheets[person.id].id, indicator_id=ids[code], points=p)
            for code, p in given.items()
        )
        if signed:
            sheets[person.id].submitted_at = clock.now()
    if signed:
        made.signed_at, made.signed_by = clock.now(), people[0].id
    db.session.flush()
    return made


def opinion(by: Department, of: Unit, verdict: str, text: str = "") -> Opinion:
    made = Opinion(department_id=by.id, unit_id=of.id, verdict=verdict, text=text)
    db.session.add(made)
    db.session.flush()
    return made
