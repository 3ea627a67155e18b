"""The briefing (集中听取汇报 + 互评): rules of presentations and ballots, in plain Python."""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from evalflow.shared.errors import Conflict, Forbidden, InvalidInput
from evalflow.shared.messages import N_, msg


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


# --- presentation order (汇报顺序) ---------------------------------------------------------------

DRAW_ALGORITHM = "sha256-fisher-yates-v1"
"""Name of the drawing algorithm, stored with every drawing so the order can be reproduced later."""

MAX_SEED = 64
SEED_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz-"


def draw_order(unit_ids: Iterable[int], seed: str) -> list[int]:
    """The presentation order drawn by lot (抽签) from *seed* — reproducible by anyone.

    Algorithm ``sha256-fisher-yates-v1``:

    1. sort the unit ids in ascending numeric order: ``a[0] < a[1] < … < a[n-1]``;
    2. for ``i`` from ``n-1`` down to ``1``: let ``h`` be the SHA-256 digest of the UTF-8 text
       ``"<seed>:<i>"`` (``i`` written in decimal) read as a big-endian unsigned integer, let
       ``j = h mod (i + 1)``, and swap ``a[i]`` and ``a[j]``;
    3. ``a`` is the order: ``a[0]`` presents first.

    It is a Fisher–Yates shuffle whose random numbers come from SHA-256 instead of a library PRNG,
    so it gives the same order in any language (the modulo bias of a 256-bit number is negligible).
    """
    order = sorted(set(unit_ids))
    for i in range(len(order) - 1, 0, -1):
        h = int.from_bytes(hashlib.sha256(f"{seed}:{i}".encode()).digest(), "big")
        j = h % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def new_seed() -> str:
    """A fresh seed for a drawing: 16 random characters, short enough to read out in the hall."""
    return "".join(secrets.choice(SEED_ALPHABET[:36]) for _ in range(16))


def parse_seed(value: object) -> str:
    """A seed given by the office (e.g. read from a physical draw); empty means "make one up"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return new_seed()
    if not isinstance(value, str) or len(value.strip()) > MAX_SEED or not value.strip().isprintable():
        raise InvalidInput(
            fields={"seed": [msg(N_("抽签种子须为不超过 %(max)d 个字符的文字。"), max=MAX_SEED)]}
        )
    return value.strip()


def parse_order(value: object, unit_ids: Iterable[int]) -> list[int]:
    """A hand-set order: every presenting unit exactly once, nothing else."""
    expected = set(unit_ids)
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise InvalidInput(fields={"unit_ids": [msg(N_("汇报顺序须为单位编号的列表。"))]})
    if len(value) != len(set(value)) or set(value) != expected:
        raise InvalidInput(
            fields={
                "unit_ids": [msg(N_("汇报顺序须恰好包含每个汇报单位一次(共 %(n)d 个)。"), n=len(expected))]
            }
        )
    return list(value)


# --- ballots (评分) --------------------------------------------------------------------------------


class PresentationState(enum.StrEnum):
    """A presentation's scoring: not yet opened, open to ballots, closed. The one enum the table's
    ``status`` column, the use cases, the pages and the API schemas use."""

    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return PRESENTATION_STATE_LABELS[self]


PRESENTATION_STATE_LABELS: dict[PresentationState, str] = {
    PresentationState.PENDING: N_("待汇报"),
    PresentationState.OPEN: N_("评分中"),
    PresentationState.CLOSED: N_("已结束"),
}


def effective_state(status: str, closes_at: datetime | None, now: datetime) -> PresentationState:
    """An open presentation whose deadline has passed is closed, whether or not anyone clicked."""
    state = PresentationState(status)
    if state is PresentationState.OPEN and closes_at is not None and now >= closes_at:
        return PresentationState.CLOSED
    return state


MIN_COUNTDOWN = 10
MAX_COUNTDOWN = 3600


def parse_countdown(value: object) -> int | None:
    """Seconds until scoring closes by itself (``None``: until the office closes it)."""
    if value is None or value == "":
        return None
    try:
        seconds = int(str(value).strip())
    except ValueError:
        seconds = -1
    if isinstance(value, bool) or not MIN_COUNTDOWN <= seconds <= MAX_COUNTDOWN:
        raise InvalidInput(
            fields={
                "seconds": [
                    msg(
                        N_("倒计时须为 %(min)d 到 %(max)d 秒之间的整数。"),
                        min=MIN_COUNTDOWN,
                        max=MAX_COUNTDOWN,
                    )
                ]
            }
        )
    return seconds


def parse_grade(value: object, labels: Iterable[str]) -> str:
    """The grade, which must be one of the campaign scale's labels (400 ``invalid_grade``)."""
    allowed = list(labels)
    if not isinstance(value, str) or value not in allowed:
        raise InvalidInput(
            msg(N_("评定档次须为以下之一:%(labels)s。"), labels="、".join(allowed)),
            code="invalid_grade",
            fields={"grade": [msg(N_("无效的评定档次。"))]},
        )
    return value


def check_ballot(
    *,
    seat_unit_id: int,
    unit_id: int,
    grade: object,
    labels: Iterable[str],
    state: PresentationState | None,
) -> str:
    """Every rule a ballot must pass; returns the clean grade.

    A seat never scores its own unit (403 ``own_unit``); the grade is one of the scale's labels
    (400 ``invalid_grade``); only the presentation whose scoring is open now can be scored
    (409 ``scoring_closed``; ``state`` None means the unit does not present).
    """
    if seat_unit_id == unit_id:
        raise Forbidden(msg(N_("不能为本单位评分。")), code="own_unit")
    clean = parse_grade(grade, labels)
    if state is not PresentationState.OPEN:
        raise Conflict(msg(N_("该单位的评分未开放或已结束。")), code="scoring_closed")
    return clean


# --- paper double entry (纸质评定表双人录入) -------------------------------------------------------

Key = tuple[int, int]  # (seat id, unit id)


@dataclass(frozen=True)
class Reconciliation:
    """What two clerks' entries of the paper sheets amount to.

    ``record``: (seat, unit) → grade where both clerks agree and no online ballot exists;
    ``mismatches``: (seat, unit) → (first clerk's grade, second clerk's grade), to resolve;
    ``conflicts``: (seat, unit) → (paper grade, online grade): the online ballot wins;
    ``waiting``: keyed by one clerk only so far.
    """

    record: dict[Key, str] = field(default_factory=dict)
    mismatches: dict[Key, tuple[str, str]] = field(default_factory=dict)
    conflicts: dict[Key, tuple[str, str]] = field(default_factory=dict)
    waiting: tuple[Key, ...] = ()


def reconcile(
    first: Mapping[Key, str], second: Mapping[Key, str], online: Mapping[Key, str]
) -> Reconciliation:
    """Compare the two clerks' entries; a seat that voted online for a unit keeps its online ballot."""
    result = Reconciliation()
    waiting = []
    for key in sorted(set(first) | set(second)):
        if key not in first or key not in second:
            waiting.append(key)
        elif first[key] != second[key]:
            result.mismatches[key] = (first[key], second[key])
        elif not first[key]:
            continue  # both clerks saw the box left blank: nothing to record
        elif key in online:
            result.conflicts[key] = (first[key], online[key])
        else:
            result.record[key] = first[key]
    return Reconciliation(result.record, result.mismatches, result.conflicts, tuple(waiting))
