"""Accounts and credentials: passwords, API tokens, sessions, and the actor of a request."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from evalflow.extensions import db
from evalflow.shared import bounds, clock
from evalflow.shared.access import Action, Actor, Role, can
from evalflow.shared.accounts import throttle
from evalflow.shared.accounts.models import ApiToken, User, username_key
from evalflow.shared.accounts.passwords import password_problem
from evalflow.shared.audit import record as audit
from evalflow.shared.errors import (
    Conflict,
    Duplicate,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthenticated,
)
from evalflow.shared.messages import N_, msg

_DUMMY_HASHES: dict[str, str] = {}


def hash_password(password: str) -> str:
    """Werkzeug's hash with the configured method (scrypt by default; tests choose a cheap one)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _dummy_hash() -> str:
    """A hash to check against when the user does not exist, so both paths cost the same time."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = hash_password("evalflow-timing-equaliser")
    return _DUMMY_HASHES[method]


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def new_password() -> str:
    """A readable initial password: 12 characters without look-alikes."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def validate_credentials(username: str, password: str) -> None:
    fields: dict[str, list] = {}
    if not username or len(username) > 80 or not username.isprintable() or " " in username:
        fields["username"] = [msg(N_("用户名须为 1–80 个字符,不含空格。"))]
    problem = password_problem(password, user_inputs=(username,))
    if problem is not None:
        fields["password"] = [problem]
    if fields:
        raise InvalidInput(fields=fields)


def username_taken(username: str) -> bool:
    """Whether an account has this username in any letter case (``ADMIN`` and ``admin`` clash)."""
    stmt = sa.select(User.id).where(User.username_key == username_key(username))
    return db.session.scalar(stmt) is not None


def create_user(
    username: str, password: str, role: Role, *, unit_id: int | None = None, display_name: str = ""
) -> User:
    validate_credentials(username, password)
    if username_taken(username):
        taken = msg(N_("用户名“%(name)s”已被使用。"), name=username)
        raise Duplicate(taken, fields={"username": [taken]})
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        unit_id=unit_id,
        display_name=display_name or username,
    )
    db.session.add(user)
    db.session.flush()
    return user


def create_admin(username: str, password: str) -> User:
    user = create_user(username, password, Role.OFFICE, display_name=username)
    audit.record(Actor(Role.OFFICE, label="cli"), "account.create_admin", subject=("user", user.id))
    return user


def authenticate(username: str, password: str) -> User:
    """The active user with these credentials, or :class:`Unauthenticated` (same answer for both misses).

    Failed attempts are throttled per account and per address (:mod:`evalflow.shared.accounts.throttle`); a
    successful sign-in is never counted, so a whole training venue can sign in from one address.
    """
    throttle.check_login(username)
    user = db.session.scalar(sa.select(User).where(User.username_key == username_key(username or "")))
    ok = check_password_hash(user.password_hash if user else _dummy_hash(), password or "")
    if not user or not ok:
        throttle.login_failed(username)
        raise Unauthenticated(msg(N_("用户名或密码错误。")))
    if not user.active:  # only someone who knows the password learns why
        pending = user.unit is not None and not user.unit.approved
        raise Unauthenticated(
            msg(N_("您的单位注册正在等待文明办审核,审核通过后即可登录。"))
            if pending
            else msg(N_("该账号已停用,请联系文明办。"))
        )
    return user


def issue_token(user: User) -> str:
    raw = new_secret()
    ttl = timedelta(hours=int(current_app.config["TOKEN_TTL_HOURS"]))
    db.session.add(
        ApiToken(
            user_id=user.id,
            token_hash=token_digest(raw),
            expires_at=clock.now() + ttl,
            session_version=user.session_version,
        )
    )
    db.session.flush()
    return raw


def user_for_session(session_id: str) -> User | None:
    """Flask-Login's loader: the id is ``"<user id>:<session version>"``."""
    user_text, _, version = session_id.partition(":")
    user_id = bounds.parse_id(user_text)
    if user_id is None or not bounds.is_ascii_number(version):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or not hmac.compare_digest(str(user.session_version), version):
        return None
    return user


def end_sessions(user: User, actor: Actor, reason: str = "logout") -> None:
    """End every session and token of *user*, server-side (bumps the session version)."""
    user.session_version += 1
    db.session.flush()
    audit.record(actor, f"account.{reason}", subject=("user", user.id))


def set_active(user: User, active: bool, actor: Actor) -> None:
    """Enable or disable an account; either way every existing session of it ends."""
    if actor.user_id == user.id and not active:
        raise Conflict(msg(N_("不能停用自己正在使用的账号。")))
    user.active = active
    end_sessions(user, actor, "enable" if active else "disable")


def office_accounts(actor: Actor) -> list[User]:
    require_office(actor)
    return list(db.session.scalars(sa.select(User).where(User.role == Role.OFFICE).order_by(User.username)))


def add_office_account(actor: Actor, username: str, password: str, display_name: str = "") -> User:
    require_office(actor)
    user = create_user(username.strip(), password, Role.OFFICE, display_name=display_name.strip())
    audit.record(actor, "account.create_office", subject=("user", user.id))
    return user


# Accounts the office's account page lists and may disable: its own, reviewers' and inspectors'.
MANAGED_ROLES = frozenset({Role.OFFICE, Role.REVIEWER, Role.INSPECTOR})


def office_account(actor: Actor, user_id: int) -> User:
    """An account the office manages on its account page (office, reviewer or inspector)."""
    require_office(actor)
    user = db.session.get(User, user_id)
    if user is None or user.role not in MANAGED_ROLES:
        raise NotFound()
    return user


def require_office(actor: Actor) -> None:
    if not can(actor, Action.ACCOUNT_MANAGE):
        raise Forbidden()
