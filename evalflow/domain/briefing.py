"""The briefing (集中听取汇报 + 互评): rules of presentations and ballots, in plain Python."""

from __future__ import annotations

import enum

from .messages import N_


class BallotSource(enum.StrEnum):
    """How a ballot reached us: tapped on the delegate's phone, or keyed from a paper 评定表."""

    ONLINE = "online"
    PAPER = "paper"

    @property
    def label(self) -> str:
        return BALLOT_SOURCE_LABELS[self]


BALLOT_SOURCE_LABELS: dict[BallotSource, str] = {
    BallotSource.ONLINE: N_("手机评分"),
    BallotSource.PAPER: N_("纸质评定表"),
}
