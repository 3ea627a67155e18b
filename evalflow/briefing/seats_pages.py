"""HTML pages of the delegations (代表席位): the office's overview and the unit's own three seats.

Both audiences use the same handlers: name a delegate, correct a name, reissue a lost card and print
credential cards (a PDF download; printing again reproduces the same cards, only a reissue retires one).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import HiddenField, StringField
from wtforms.validators import Optional

from evalflow.briefing import seats
from evalflow.briefing.seats import IssuedSeat
from evalflow.extensions import db
from evalflow.shared.access import Action, can
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns.models import Campaign, Seat, Unit
from evalflow.shared.campaigns.rules import SeatRole
from evalflow.shared.errors import DomainError
from evalflow.shared.files import store as files
from evalflow.shared.web import current_actor
from evalflow.shared.web.decorators import office_only, unit_only
from evalflow.shared.web.feedback import flash_failure
from evalflow.shared.web.forms import EmptyForm, SafeForm
from evalflow.training import service as training

bp = Blueprint("seats", __name__)


class SeatForm(SafeForm):
    role = HiddenField()
    name = StringField(_l("姓名"), validators=[Optional()])


def _pdf(campaign: Campaign, issued: list[IssuedSeat], filename: str) -> Response:
    return files.send_pdf(seats.cards_pdf(campaign, issued), filename)


def _grid(units: list[Unit], all_seats: list[Seat]) -> list[tuple[Unit, dict[SeatRole, Seat]]]:
    by_unit: dict[int, dict[SeatRole, Seat]] = {}
    for seat in all_seats:
        by_unit.setdefault(seat.unit_id, {})[seat.role] = seat
    return [(u, by_unit.get(u.id, {})) for u in units]


def _attempt(action: Callable[[], object], done: str) -> None:
    try:
        action()
    except DomainError as exc:
        flash_failure(exc)
    else:
        flash(done, "success")


def _create(cid: int, uid: int) -> None:
    form = SeatForm()
    if form.validate_on_submit():
        data = {"role": form.role.data, "name": form.name.data}
        campaign = campaigns.get_campaign(current_actor(), cid)
        _attempt(lambda: seats.create_seat(current_actor(), campaign, uid, data), _("代表已登记。"))


def _rename(cid: int, uid: int, sid: int) -> None:
    form = SeatForm()
    if form.validate_on_submit():
        campaign = campaigns.get_campaign(current_actor(), cid)
        _attempt(
            lambda: seats.rename_seat(current_actor(), campaign, uid, sid, {"name": form.name.data}),
            _("已更正。"),
        )


def _reissue(cid: int, uid: int, sid: int, back: str) -> Response:
    if not EmptyForm().validate_on_submit():
        return redirect(back)
    campaign = campaigns.get_campaign(current_actor(), cid)
    try:
        issued = seats.reissue_seat(current_actor(), campaign, uid, sid)
    except DomainError as exc:
        flash_failure(exc)
        return redirect(back)
    return _pdf(campaign, [issued], f"card-seat-{sid}.pdf")


def _cards(cid: int, uid: int | None, back: str) -> Response:
    if not EmptyForm().validate_on_submit():
        return redirect(back)
    campaign = campaigns.get_campaign(current_actor(), cid)
    try:
        issued = seats.issue_cards(current_actor(), campaign, uid)
    except DomainError as exc:
        flash_failure(exc)
        return redirect(back)
    if not issued:
        flash(_("还没有登记代表,无法打印代表证。"), "error")
        return redirect(back)
    return _pdf(campaign, issued, f"cards-{'unit-' + str(uid) if uid else 'campaign-' + str(cid)}.pdf")


# --- office -----------------------------------------------------------------------------------


@bp.route("/office/campaigns/<int:cid>/seats")
@office_only
def office_seats(cid: int) -> str:
    actor = current_actor()
    campaign = campaigns.get_campaign(actor, cid)
    grid = _grid(training.accepted_units(cid), seats.seats_of_campaign(actor, campaign))
    filled = sum(len(s) for _, s in grid)
    return render_template(
        "office/training_seats.html",
        campaign=campaign,
        grid=grid,
        roles=list(SeatRole),
        filled=filled,
        form=SeatForm(),
        empty_form=EmptyForm(),
        editable=True,
    )


def _office_back(cid: int) -> str:
    return url_for("seats.office_seats", cid=cid)


@bp.route("/office/campaigns/<int:cid>/units/<int:uid>/seats", methods=["POST"])
@office_only
def office_create(cid: int, uid: int) -> Response:
    _create(cid, uid)
    return redirect(_office_back(cid) + f"#unit-{uid}")


@bp.route("/office/campaigns/<int:cid>/units/<int:uid>/seats/<int:sid>", methods=["POST"])
@office_only
def office_rename(cid: int, uid: int, sid: int) -> Response:
    _rename(cid, uid, sid)
    return redirect(_office_back(cid) + f"#unit-{uid}")


@bp.route("/office/campaigns/<int:cid>/units/<int:uid>/seats/<int:sid>/reissue", methods=["POST"])
@office_only
def office_reissue(cid: int, uid: int, sid: int) -> Response:
    return _reissue(cid, uid, sid, _office_back(cid))


@bp.route("/office/campaigns/<int:cid>/units/<int:uid>/cards", methods=["POST"])
@office_only
def office_unit_cards(cid: int, uid: int) -> Response:
    return _cards(cid, uid, _office_back(cid))


@bp.route("/office/campaigns/<int:cid>/cards", methods=["POST"])
@office_only
def office_all_cards(cid: int) -> Response:
    return _cards(cid, None, _office_back(cid))


# --- unit -------------------------------------------------------------------------------------


def _own() -> tuple[Unit, Campaign]:
    unit = db.session.get(Unit, current_user.unit_id)
    return unit, campaigns.get_campaign(current_actor(), unit.campaign_id)  # type: ignore[union-attr]


@bp.route("/unit/seats")
@unit_only
def unit_seats() -> str:
    unit, campaign = _own()
    actor = current_actor()
    grid = _grid([unit], seats.seats_of_unit(actor, campaign, unit.id))
    return render_template(
        "unit/seats.html",
        unit=unit,
        campaign=campaign,
        grid=grid,
        roles=list(SeatRole),
        form=SeatForm(),
        empty_form=EmptyForm(),
        editable=can(
            actor, Action.SEAT_MANAGE, phase=campaign.phase, campaign_id=campaign.id, unit_id=unit.id
        ),
    )


@bp.route("/unit/seats", methods=["POST"])
@unit_only
def unit_create() -> Response:
    unit, campaign = _own()
    _create(campaign.id, unit.id)
    return redirect(url_for("seats.unit_seats"))


@bp.route("/unit/seats/<int:sid>", methods=["POST"])
@unit_only
def unit_rename(sid: int) -> Response:
    unit, campaign = _own()
    _rename(campaign.id, unit.id, sid)
    return redirect(url_for("seats.unit_seats"))


@bp.route("/unit/seats/<int:sid>/reissue", methods=["POST"])
@unit_only
def unit_reissue(sid: int) -> Response:
    unit, campaign = _own()
    return _reissue(campaign.id, unit.id, sid, url_for("seats.unit_seats"))


@bp.route("/unit/seats/cards", methods=["POST"])
@unit_only
def unit_cards() -> Response:
    unit, campaign = _own()
    return _cards(campaign.id, unit.id, url_for("seats.unit_seats"))
