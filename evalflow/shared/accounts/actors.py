"""The actor of a request: an account behind an API token or a session, or a seat behind its card.

A seat's card is the hot path of the briefing (docs/briefing.md, "A ballot from tap to tally"):
one statement finds the card with its campaign's phase and scale, and a process may remember
the cards it has seen while their campaign is in the briefing (the ballot then checks the card in
its own write, briefing/ballots.py)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from evalflow.extensions import db
from evalflow.shared import clock
from evalflow.shared.access import Actor, Role
from evalflow.shared.accounts.models import ApiToken, User
from evalflow.shared.accounts.service import token_digest
from evalflow.shared.campaigns.models import Campaign, Seat, Unit
from evalflow.shared.campaigns.service import CampaignFacts, facts_of_row
from evalflow.shared.phases import Phase


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


def actor_for_user(user: User) -> Actor:
    """The actor of a signed-in account. A reviewer or inspector acts for no unit and no campaign
    (their ``affiliation_unit_id`` is whom they work for, which only keeps them off that unit)."""
    if user.role in (Role.OFFICE, Role.REVIEWER, Role.INSPECTOR):
        return Actor(user.role, user_id=user.id, label=user.username)
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
