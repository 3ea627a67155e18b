"""Delegations (代表席位): each unit's three seats and their credentials.

A seat authenticates with a token derived from the app's secret key, the seat id and the seat's
token version: ``base64url(HMAC-SHA256(SECRET_KEY, "evalflow-seat:<id>:<version>"))``. Only its
SHA-256 is stored, so the database alone cannot recover a card. Printing the cards again derives the
same tokens, so cards already handed out keep working; only an explicit reissue of one seat bumps its
version and retires its old card at once. Rotating the secret key leaves printed cards working (their
hashes stay) until the next print or reissue, which derives the new token and retires the old card
(docs/briefing.md).

Before the briefing the office or the unit itself manages the unit's seats; from the briefing on only
the office may, and every change is audited.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from sqlalchemy.exc import IntegrityError

from evalflow.briefing.cards import Card, CardText, build_cards
from evalflow.extensions import db
from evalflow.intake.models import ApplicationStatus
from evalflow.shared.access import Action, Actor
from evalflow.shared.accounts import actors
from evalflow.shared.accounts import service as accounts
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Seat, Unit
from evalflow.shared.campaigns.rules import SeatRole
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import Conflict, Duplicate, NotFound
from evalflow.shared.i18n import tr
from evalflow.shared.messages import N_, msg
from evalflow.training import rules
from evalflow.training.service import application_status, unit_of

ROLE_ORDER = {role: i for i, role in enumerate(SeatRole)}


@dataclass(frozen=True)
class IssuedSeat:
    """A seat together with its fresh token and ballot URL (the only time they are known)."""

    seat: Seat
    token: str
    url: str


def ballot_url(token: str) -> str:
    """The absolute URL of a seat's ballot page (``PUBLIC_BASE_URL`` wins over the request's host)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if has_request_context():
        if not base:
            return url_for("seat.landing", token=token, _external=True)
        return base.rstrip("/") + url_for("seat.landing", token=token)
    # Outside a request (CLI, demo): the configured base, else a local address.
    adapter = current_app.url_map.bind(current_app.config.get("SERVER_NAME") or "localhost")
    path = adapter.build("seat.landing", {"token": token})
    return (base or "http://localhost").rstrip("/") + path


def require_manage(actor: Actor, campaign: Campaign, unit_id: int | None) -> None:
    """The office always (audited); the unit itself only before the briefing."""
    action = Action.SEAT_MANAGE_OFFICE if actor.is_office else Action.SEAT_MANAGE
    require(actor, action, campaign, unit_id)


def _sorted(seats: list[Seat]) -> list[Seat]:
    return sorted(seats, key=lambda s: (s.unit_id, ROLE_ORDER[s.role]))


def seats_of_unit(actor: Actor, campaign: Campaign, unit_id: int) -> list[Seat]:
    require(actor, Action.SEAT_VIEW, campaign, unit_id)
    unit_of(campaign, unit_id)
    return _sorted(list(db.session.scalars(sa.select(Seat).where(Seat.unit_id == unit_id))))


def seats_of_campaign(actor: Actor, campaign: Campaign) -> list[Seat]:
    require(actor, Action.SEAT_MANAGE_OFFICE, campaign)
    stmt = sa.select(Seat).join(Unit, Unit.id == Seat.unit_id).where(Unit.campaign_id == campaign.id)
    return _sorted(list(db.session.scalars(stmt)))


def _seat_of(campaign: Campaign, unit_id: int, seat_id: int) -> Seat:
    unit_of(campaign, unit_id)
    seat = db.session.get(Seat, seat_id)
    if seat is None or seat.unit_id != unit_id:
        raise NotFound(msg(N_("代表席位不存在。")))
    return seat


def derive_token(seat_id: int, version: int) -> str:
    """The card token of a seat at a version: an HMAC of the secret key (never stored in clear)."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    mac = hmac.new(key, f"evalflow-seat:{seat_id}:{version}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _issue(seat: Seat) -> IssuedSeat:
    """The seat's current token; stores its hash when it differs (new seat, reissue, rotated key)."""
    raw = derive_token(seat.id, seat.token_version)
    digest = accounts.token_digest(raw)
    if seat.token_hash != digest:
        seat.token_hash = digest
    return IssuedSeat(seat, raw, ballot_url(raw))


def _duplicate(unit: Unit, role: SeatRole) -> Duplicate:
    return Duplicate(
        msg(N_("“%(unit)s”已有%(role)s,每个单位每种席位只能有一名。"), unit=unit.name, role=msg(role.label))
    )


def create_seat(actor: Actor, campaign: Campaign, unit_id: int, data: Mapping[str, Any]) -> IssuedSeat:
    """Name one delegate of a unit; 409 ``duplicate`` when the unit already has that role."""
    require_manage(actor, campaign, unit_id)
    unit = unit_of(campaign, unit_id)
    role, name = rules.parse_seat(data)
    if application_status(unit.id) is ApplicationStatus.REJECTED:
        raise Conflict(msg(N_("“%(name)s”的申报未通过,不能指定代表。"), name=unit.name), code="not_accepted")
    # A placeholder hash until the id (part of the derived token) is known.
    seat = Seat(
        unit_id=unit.id, role=role, name=name, token_hash=accounts.token_digest(accounts.new_secret())
    )
    try:  # UNIQUE(unit_id, role) decides, so two requests racing for one role cannot both win
        with db.session.begin_nested():
            db.session.add(seat)
    except IntegrityError:
        raise _duplicate(unit, role) from None
    issued = _issue(seat)
    db.session.flush()
    _audit(actor, "seat.create", campaign, seat, {"role": role.value, "name": name})
    return issued


def rename_seat(
    actor: Actor, campaign: Campaign, unit_id: int, seat_id: int, data: Mapping[str, Any]
) -> Seat:
    """Correct a delegate's name; the credential stays valid."""
    require_manage(actor, campaign, unit_id)
    seat = _seat_of(campaign, unit_id, seat_id)
    name = rules.parse_seat_name(data.get("name"))
    old = seat.name
    seat.name = name
    db.session.flush()
    _audit(actor, "seat.rename", campaign, seat, {"from": old, "to": name})
    return seat


def reissue_seat(actor: Actor, campaign: Campaign, unit_id: int, seat_id: int) -> IssuedSeat:
    """A lost card: the seat's token version goes up, so its old card stops working at once."""
    require_manage(actor, campaign, unit_id)
    seat = _seat_of(campaign, unit_id, seat_id)
    seat.token_version += 1
    issued = _issue(seat)
    db.session.flush()
    _audit(actor, "seat.reissue", campaign, seat, {"role": seat.role.value, "version": seat.token_version})
    return issued


def issue_cards(actor: Actor, campaign: Campaign, unit_id: int | None = None) -> list[IssuedSeat]:
    """Credentials for printing cards: one unit's seats, or (office) every seat of the campaign.

    Printing again reproduces the same cards (the tokens are derived, not random), so cards handed
    out earlier keep working. Only a seat whose stored hash does not match its derived token (the
    secret key was rotated) gets a new card here, and its old card stops working.
    """
    if unit_id is None:
        seats = seats_of_campaign(actor, campaign)
    else:
        require_manage(actor, campaign, unit_id)
        seats = seats_of_unit(actor, campaign, unit_id)
    issued = [_issue(seat) for seat in seats]
    db.session.flush()
    audit.record(
        actor,
        "seat.cards",
        campaign_id=campaign.id,
        subject=("unit", unit_id) if unit_id else ("campaign", campaign.id),
        data={"seats": [s.id for s in seats]},
    )
    return issued


def _audit(actor: Actor, action: str, campaign: Campaign, seat: Seat, data: dict[str, Any]) -> None:
    audit.record(
        actor,
        action,
        campaign_id=campaign.id,
        subject=("seat", seat.id),
        data={"unit_id": seat.unit_id, **data},
    )


@dataclass(frozen=True)
class Credential:
    seat: Seat
    unit: Unit
    campaign: Campaign


def credential(token: str) -> Credential | None:
    """The seat a ballot URL's token belongs to, with its unit and campaign; None when unknown."""
    seat = actors.seat_for_token(token)
    return _credential_of(seat) if seat is not None else None


def seat_by_id(seat_id: int) -> Credential:
    seat = db.session.get(Seat, seat_id)
    cred = _credential_of(seat) if seat is not None else None
    if cred is None:
        raise NotFound(msg(N_("代表席位不存在。")))
    return cred


def _credential_of(seat: Seat) -> Credential | None:
    unit = db.session.get(Unit, seat.unit_id)
    campaign = db.session.get(Campaign, unit.campaign_id) if unit else None
    if unit is None or campaign is None:
        return None
    return Credential(seat, unit, campaign)


def card_text() -> CardText:
    return CardText(
        heading=tr(N_("评分代表证")),
        unit=tr(N_("单位")),
        role=tr(N_("席位")),
        name=tr(N_("姓名")),
        instruction=tr(
            N_(
                "请用手机扫描右侧二维码进入评分页面,无需密码。本证仅限本人使用,请妥善保管;"
                "遗失请联系文明办重新签发,原证随即失效。"
            )
        ),
        page_note=tr(N_("沿虚线裁开,每位代表一张。")),
    )


def cards_pdf(campaign: Campaign, issued: list[IssuedSeat]) -> bytes:
    """The credential cards of freshly *issued* seats (plain data handed to the PDF builder)."""
    unit_ids = {i.seat.unit_id for i in issued}
    units = {u.id: u for u in db.session.scalars(sa.select(Unit).where(Unit.id.in_(unit_ids)))}
    cards = [
        Card(campaign.title, units[i.seat.unit_id].name, tr(i.seat.role.label), i.seat.name, i.url)
        for i in issued
    ]
    return build_cards(cards, card_text(), title=tr(N_("评分代表证")) + " · " + campaign.title)


def seats_per_unit(campaign_id: int) -> dict[int, int]:
    """How many seats each unit of the campaign has (units without seats are absent)."""
    stmt = (
        sa.select(Seat.unit_id, sa.func.count())
        .join(Unit, Unit.id == Seat.unit_id)
        .where(Unit.campaign_id == campaign_id)
        .group_by(Seat.unit_id)
    )
    return {uid: n for uid, n in db.session.execute(stmt)}
