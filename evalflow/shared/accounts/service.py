"""Accounts and credentials: passwords, API tokens, sessions, and the actor of a request."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from evalflow.extensions import db
from evalflow.shared import bounds, clock
from evalflow.shared.access import Action, Actor, Role, can
from evalflow.shared.accounts import throttle
from evalflow.shared.accounts.models import ApiToken, User, username_key
from evalflow.shared.accounts.passwords import MIN_LENGTH, password_problem
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Seat, Unit
from evalflow.shared.campaigns.service import CampaignFacts, facts_of_row
from evalflow.shared.errors import (
    Conflict,
    Duplicate,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthenticated,
)
from evalflow.shared.messages import N_, msg
from evalflow.shared.phases import Phase

MIN_PASSWORD = MIN_LENGTH
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


def _user_of(token: ApiToken | None) -> User | None:
    """The account of an API token that is still good: not expired, not logged out, active."""
    if token is None or token.expires_at <= clock.now():
        return None
    user = token.user
    if not user.active or token.session_version != user.session_version:
        return None
    return user


def _bearer_lookup() -> sa.CompoundSelect:
    digest = sa.bindparam("digest", type_=sa.String)
    seats = (
        sa.select(
            sa.literal_column("1"),
            Seat.id,
            Seat.unit_id,
            Unit.campaign_id,
            Campaign.phase,
            Campaign.scale_json,
            sa.cast(Campaign.scale_json, sa.Text),
        )
        .join(Unit, Unit.id == Seat.unit_id)
        .join(Campaign, Campaign.id == Unit.campaign_id)
        .where(Seat.token_hash == digest)
    )
    tokens = sa.select(
        sa.literal_column("0"), ApiToken.id, sa.null(), sa.null(), sa.null(), sa.null(), sa.null()
    ).where(ApiToken.token_hash == digest)
    return seats.union_all(tokens)


_BEARER_LOOKUP = _bearer_lookup()  # built once, run with a bound digest (cheap per request)


@dataclass(frozen=True)
class SeatCard:
    """A seat's card as the database showed it: who it is, its campaign's facts, and what a write
    must check to trust a remembered copy (``briefing.ballots``: the card's token still names this
    seat of this unit, and the campaign still has this phase and this scale)."""

    digest: str
    actor: Actor
    facts: CampaignFacts
    scale_text: str  # the campaign's scale column as stored, compared as text
    remembered: bool = False  # taken from this process's memory, not read by this request


CARD_MEMORY = "evalflow.seat_cards"
CARD_MEMORY_SIZE = 20_000  # cards; forgotten all at once when full (a briefing has a few hundred)


def bearer(raw: str, *, remembered: bool = False, fresh: bool = False) -> SeatCard | User | None:
    """Who holds a bearer token: a seat's card, an account (its API token still good), or None.

    Both kinds of token are 43 url-safe characters, so one statement looks in both places at once (a
    UNION ALL of two unique-index lookups): a seat, the hot path of the briefing, is known with its
    campaign's id, phase and scale in a single round trip.

    *remembered*: the caller checks the card in its own write (the phone's ballot), so a card this
    process read earlier, while its campaign was in the briefing, is returned without a query. It
    may be out of date: when that write is refused, the caller must :func:`forget_card` and ask
    again with *fresh* (read from the database, and remembered again while still good).
    """
    if not raw:
        return None
    digest = token_digest(raw)
    memory: dict[str, SeatCard] = current_app.extensions.setdefault(CARD_MEMORY, {})
    if remembered and not fresh and (card := memory.get(digest)) is not None:
        return card
    row = db.session.connection().execute(_BEARER_LOOKUP, {"digest": digest}).first()
    if row is None:
        return None
    is_seat, ident, unit_id, campaign_id, phase, scale, scale_text = row
    if not is_seat:
        return _user_of(db.session.get(ApiToken, ident))
    facts = facts_of_row(campaign_id, phase, scale)
    found = SeatCard(digest, _seat_actor(ident, unit_id, campaign_id), facts, scale_text)
    if remembered and phase is Phase.BRIEFING:  # the only phase whose writes check a card
        if len(memory) >= CARD_MEMORY_SIZE:
            memory.clear()
        memory[digest] = dataclasses.replace(found, remembered=True)
    return found


def forget_card(card: SeatCard) -> None:
    current_app.extensions.get(CARD_MEMORY, {}).pop(card.digest, None)


def seat_for_token(raw: str) -> Seat | None:
    if not raw:
        return None
    return db.session.scalar(sa.select(Seat).where(Seat.token_hash == token_digest(raw)))


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


def office_account(actor: Actor, user_id: int) -> User:
    require_office(actor)
    user = db.session.get(User, user_id)
    if user is None or user.role is not Role.OFFICE:
        raise NotFound()
    return user


def require_office(actor: Actor) -> None:
    if not can(actor, Action.ACCOUNT_MANAGE):
        raise Forbidden()


def actor_for_user(user: User) -> Actor:
    if user.role is Role.OFFICE:
        return Actor(Role.OFFICE, user_id=user.id, label=user.username)
    unit = db.session.get(Unit, user.unit_id)
    return Actor(
        Role.UNIT,
        user_id=user.id,
        unit_id=user.unit_id,
        campaign_id=unit.campaign_id if unit else None,
        label=user.username,
    )


def actor_for_seat(seat: Seat) -> Actor:
    unit = db.session.get(Unit, seat.unit_id)
    return _seat_actor(seat.id, seat.unit_id, unit.campaign_id if unit else None)


def _seat_actor(seat_id: int, unit_id: int, campaign_id: int | None) -> Actor:
    return Actor(
        Role.SEAT, unit_id=unit_id, campaign_id=campaign_id, seat_id=seat_id, label=f"seat:{seat_id}"
    )
