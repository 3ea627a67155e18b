"""The seal checked, not just printed: once the ballot set is sealed (briefing → review), every view of
the tally compares the sealed digest with the digest of the current ballots (docs/tally.md, "The seal
is checked"). Plain Python: the digest of ballots read grouped, the comparison and what it says.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from evalflow.shared.messages import N_, Message, msg


def digest_of_groups(groups: Iterable[tuple[int, str, str, Iterable[str]]]) -> tuple[str, int]:
    """The digest and the number of ballots of a ballot set given grouped, as an aggregate query
    reads it: ``(unit_id, grade, source, seats)`` with the pseudonym of every seat that gave *grade*
    from *source* to *unit_id*. The same digest as :func:`evalflow.tally.seal_rules.digest` (the
    canonical form): each unit's lines sorted by seat, the units by number, hashed unit by unit
    (the SHA-256 of a concatenation, fed in pieces)."""
    per_unit: dict[int, list[tuple[str, str]]] = {}
    for unit, grade, source, seats in groups:
        tail = f"\t{unicodedata.normalize('NFC', grade)}\t{source}\n"
        per_unit.setdefault(unit, []).extend((seat, tail) for seat in seats)
    sha, count = hashlib.sha256(), 0
    for unit in sorted(per_unit):
        lines = sorted(per_unit[unit])
        count += len(lines)
        prefix = f"{unit}\t"
        sha.update("".join([prefix + seat + tail for seat, tail in lines]).encode())
    return sha.hexdigest(), count


@dataclass(frozen=True)
class SealCheck:
    """The sealed digest and count against the current ballots', taken every time a sealed tally is
    shown or exported (docs/tally.md, "The seal is checked")."""

    sealed_digest: str
    sealed_ballots: int
    digest: str
    ballots: int

    @property
    def intact(self) -> bool:
        return self.digest == self.sealed_digest and self.ballots == self.sealed_ballots

    def warning(self) -> Message | None:
        """What every view of a broken seal says (None while it holds)."""
        if self.intact:
            return None
        return msg(
            N_("封存校验未通过:选票在封存后被改动。当前选票 %(n)d 张,摘要 %(digest)s;封存时 %(sealed_n)d 张,摘要 %(sealed)s。以下结果按当前选票计算,不能作为评定依据。"),
            n=self.ballots, digest=self.digest, sealed_n=self.sealed_ballots, sealed=self.sealed_digest,
        )  # fmt: skip
