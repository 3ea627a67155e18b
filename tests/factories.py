"""The one place tests build their data: campaigns, units (with an application), logins, seats.

Every factory writes through the ORM session and flushes (call ``db.session.commit()`` when a
request must see the data); it works the same on SQLite and PostgreSQL. Sign-in helpers for the API
(bearer headers) and the HTML pages (a browser session) live here too, and the ``auth`` fixture of
``tests/conftest.py`` wraps them.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from werkzeug.security import generate_password_hash

from evalflow.extensions import db
from evalflow.intake.models import Application, ApplicationStatus
from evalflow.shared.access import Role
from evalflow.shared.accounts import service as accounts
from evalflow.shared.accounts.models import User
from evalflow.shared.campaigns.models import Campaign, Seat, Unit
from evalflow.shared.campaigns.rules import SeatRole
from evalflow.shared.phases import Phase

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
    report: bool = False,
) -> Unit:
    """A unit of *of* with an application in *status* (``None``: no application row at all);
    with *report*, the application has a title (the unit's name) and a text."""
    made = Unit(campaign_id=of.id, name=name, category=category)
    db.session.add(made)
    db.session.flush()
    if status is not None:
        application(made, status, report=report)
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
