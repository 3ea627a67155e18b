"""Seat shapes (代表席位): name a delegate, correct a name, and the seat with or without its token."""

from __future__ import annotations

from evalflow.shared.api.schemas import Input, Output, line
from evalflow.shared.campaigns.rules import MAX_SEAT_NAME, SeatRole


class SeatIn(Input):
    """reporter = 汇报人, cadre = 中层干部代表, public = 群众代表."""

    role: SeatRole
    name: line(MAX_SEAT_NAME)  # type: ignore[valid-type]


class SeatRename(Input):
    name: line(MAX_SEAT_NAME)  # type: ignore[valid-type]


class SeatOut(Output):
    id: int
    unit_id: int
    role: SeatRole
    role_label: str
    name: str


class IssuedSeatOut(SeatOut):
    """The seat with its credential: ``url`` opens its ballot page without a password."""

    token: str
    url: str


class SeatMeOut(SeatOut):
    unit_name: str
    campaign_id: int
