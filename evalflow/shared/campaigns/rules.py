"""Limits of a campaign's own settings, read by the service, the forms and the API schemas."""

from __future__ import annotations

import enum

from evalflow.shared.messages import N_

MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MIN_NOTICE_DAYS = 1
MAX_NOTICE_DAYS = 60
DEFAULT_NOTICE_DAYS = 5
MAX_REASON = 2000


MAX_SEAT_NAME = 60


class SeatRole(enum.StrEnum):
    """The three delegates every unit sends to the briefing, in seating order."""

    REPORTER = "reporter"
    CADRE = "cadre"
    PUBLIC = "public"

    @property
    def label(self) -> str:
        return SEAT_ROLE_LABELS[self]


SEAT_ROLE_LABELS: dict[SeatRole, str] = {
    SeatRole.REPORTER: N_("汇报人"),
    SeatRole.CADRE: N_("中层干部代表"),
    SeatRole.PUBLIC: N_("群众代表"),
}
