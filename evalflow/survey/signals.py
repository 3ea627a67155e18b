"""Anomaly signals over a campaign's survey answers — pure Python, shown to the office, never acted on.

Like the tally's bias signals, a signal only points at answers worth a look; the office decides and
may invalidate an answer with a reason. The signals:

- ``burst_address``: at least :data:`BURST` answers from one address within :data:`WINDOW`;
- ``burst_subnet``: at least :data:`BURST` answers from one IPv4 /24 (several addresses) within the window;
- ``identical``: at least :data:`IDENTICAL` answers to one unit with the same type and choices within the window;
- ``fast``: an answer sent less than the set number of seconds after its form opened;
- ``untimed``: a form post whose opening time is missing, forged or older than :data:`OPENED_MAX_AGE`
  (stored as :data:`OPENED_UNKNOWN`): it is kept, and flagged, since how fast it was sent is unknown.
  Answers through the API and paper forms are not timed (``opened_at`` None): no signal;
- ``device_many_units``: one device answering at least :data:`DEVICE_UNITS` units.
"""

from __future__ import annotations

import enum
import ipaddress
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from evalflow.shared.messages import N_, Message, msg

WINDOW = timedelta(minutes=10)
BURST = 10
IDENTICAL = 5
DEVICE_UNITS = 5
# A form's signed opening time is trusted for this long; an older one (a value harvested and
# reused) is as good as none.
OPENED_MAX_AGE = timedelta(days=1)
# What a form post without a valid opening time stores as its ``opened_at`` (the table has no other
# place to say "a form, untimed"; None stays "not timed": the API, paper forms).
OPENED_UNKNOWN = datetime(1970, 1, 1, tzinfo=UTC)


class SignalKind(enum.StrEnum):
    BURST_ADDRESS = "burst_address"
    BURST_SUBNET = "burst_subnet"
    IDENTICAL = "identical"
    FAST = "fast"
    UNTIMED = "untimed"
    DEVICE_MANY_UNITS = "device_many_units"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    SignalKind.BURST_ADDRESS: N_("同一地址集中提交"),
    SignalKind.BURST_SUBNET: N_("同一网段集中提交"),
    SignalKind.IDENTICAL: N_("短时间内答案完全相同"),
    SignalKind.FAST: N_("作答过快"),
    SignalKind.UNTIMED: N_("作答时间未知"),
    SignalKind.DEVICE_MANY_UNITS: N_("同一设备为多个单位作答"),
}


@dataclass(frozen=True)
class Answer:
    """What the signals read of one answer."""

    id: int
    unit_id: int
    respondent: str
    choices: tuple[int | None, ...]
    address: str
    device: str | None
    created_at: datetime
    opened_at: datetime | None = None


@dataclass(frozen=True)
class Signal:
    kind: SignalKind
    answer_ids: tuple[int, ...]
    detail: Message


def _subnet(address: str) -> str | None:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if ip.version != 4:
        return None
    return str(ipaddress.ip_network(f"{address}/24", strict=False))


def _bursts(
    answers: Sequence[Answer], key: Callable[[Answer], Hashable | None], least: int
) -> list[list[Answer]]:
    """Groups of at least *least* answers with the same key inside one :data:`WINDOW` (a sliding window;
    each answer in at most one group)."""
    groups: dict[Hashable, list[Answer]] = defaultdict(list)
    for answer in sorted(answers, key=lambda a: (a.created_at, a.id)):
        found = key(answer)
        if found is not None:
            groups[found].append(answer)
    out = []
    for items in groups.values():
        start = 0
        best: list[Answer] = []
        for end in range(len(items)):
            while items[end].created_at - items[start].created_at > WINDOW:
                start += 1
            if end - start + 1 > len(best):
                best = items[start : end + 1]
        if len(best) >= least:
            out.append(best)
    return out


def signals(answers: Iterable[Answer], fast_seconds: int) -> list[Signal]:
    """Every signal over *answers* (the valid ones, normally), in the order of :class:`SignalKind`."""
    items = list(answers)
    out: list[Signal] = []
    for group in _bursts(items, lambda a: a.address or None, BURST):
        out.append(Signal(SignalKind.BURST_ADDRESS, tuple(a.id for a in group),
                          msg(N_("%(n)d 份问卷在 10 分钟内来自同一地址 %(address)s。"), n=len(group), address=group[0].address)))  # fmt: skip
    for group in _bursts(items, lambda a: _subnet(a.address), BURST):
        if len({a.address for a in group}) > 1:
            out.append(Signal(SignalKind.BURST_SUBNET, tuple(a.id for a in group),
                              msg(N_("%(n)d 份问卷在 10 分钟内来自同一网段 %(net)s。"), n=len(group), net=_subnet(group[0].address))))  # fmt: skip
    for group in _bursts(items, lambda a: (a.unit_id, a.respondent, a.choices), IDENTICAL):
        out.append(Signal(SignalKind.IDENTICAL, tuple(a.id for a in group),
                          msg(N_("%(n)d 份问卷在 10 分钟内答案完全相同。"), n=len(group))))  # fmt: skip
    timed = [signal for answer in items for signal in _timing(answer, fast_seconds)]
    out += [s for s in timed if s.kind is SignalKind.FAST] + [
        s for s in timed if s.kind is SignalKind.UNTIMED
    ]
    by_device: dict[str, list[Answer]] = defaultdict(list)
    for answer in items:
        if answer.device:
            by_device[answer.device].append(answer)
    for group in by_device.values():
        units = {a.unit_id for a in group}
        if len(units) >= DEVICE_UNITS:
            out.append(Signal(SignalKind.DEVICE_MANY_UNITS, tuple(a.id for a in group),
                              msg(N_("同一设备为 %(n)d 个单位作答。"), n=len(units))))  # fmt: skip
    return out


def _timing(answer: Answer, fast_seconds: int) -> list[Signal]:
    """``fast`` or ``untimed`` for one answer (nothing for an answer that is not timed)."""
    if answer.opened_at is None:
        return []
    if answer.opened_at == OPENED_UNKNOWN:
        return [Signal(SignalKind.UNTIMED, (answer.id,),
                       msg(N_("提交的问卷未带有效的打开时间(缺失、被改动或已超过一天),无法判断作答用时。")))]  # fmt: skip
    seconds = (answer.created_at - answer.opened_at).total_seconds()
    if seconds >= fast_seconds:
        return []
    return [Signal(SignalKind.FAST, (answer.id,),
                   msg(N_("打开问卷后 %(s)d 秒即提交(少于 %(limit)d 秒)。"), s=max(0, int(seconds)), limit=fast_seconds))]  # fmt: skip
