"""The seal checked on every view of a sealed tally (docs/tally.md, "The seal is checked"): the digest of
the current ballots, read grouped, against the digest stored at briefing → review.

- :func:`current_digest` — the digest and number of the current ballots, from one aggregate query;
- :func:`check_against` — the seal against it (:class:`tally.seal_check_rules.SealCheck`);
- :func:`require_intact` — refuse (409 ``seal_broken``) to build the proposed list on a broken seal.

:func:`tally.service.tally_of` attaches the check to every sealed tally, so the page, the API, the
reports and the proposed list all see it; :func:`tally.service.seal_check` takes it alone (the phase
guards). It is taken every time, never cached: no key cheaper than the ballots themselves would notice
a row changed behind the application's back, and a stale "intact" is the one answer it must not give.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from evalflow.briefing.models import Ballot
from evalflow.extensions import db
from evalflow.shared.errors import Conflict
from evalflow.shared.messages import msg
from evalflow.shared.phases import SEAL_BROKEN
from evalflow.tally.models import TallySeal
from evalflow.tally.seal_check_rules import SealCheck, digest_of_groups
from evalflow.tally.seal_rules import pseudonym

_SOURCE = sa.type_coerce(Ballot.source, sa.String)
# Every seat that gave one grade from one source to one unit, as "12,345,…" (group_concat on SQLite,
# string_agg on PostgreSQL): the ballots come grouped, a few hundred rows instead of one row each.
_SEAT_IDS = sa.func.aggregate_strings(sa.cast(Ballot.seat_id, sa.String), ",")


def current_digest(
    unit_ids: list[int], seats: Mapping[int, tuple[str, int, str]], salt: str
) -> tuple[str, int]:
    """The digest and the number of the current ballots of *unit_ids* (*seats*: seat id → (pseudonym,
    unit, role), as ``tally.service._seats`` reads them; a seat missing there gets its pseudonym
    from *salt*).

    The ballots are read grouped by (unit, grade, source) with the seat ids of each group joined in
    SQL, then expanded and hashed in canonical order (:func:`tally.seal_check_rules.digest_of_groups`):
    the same digest as :func:`tally.seal_rules.digest` over ``tally.service.sealed_ballots`` (a
    test holds the two equal on both engines), at a fraction of the cost of fetching every ballot as
    a row of its own (bench/tally_bench.py, bench/README.md) — it runs on every view of a sealed
    tally. The ballots are selected by the list of unit ids, as every tally query is
    (``tally.service._of_units`` says why)."""
    stmt = (
        sa.select(Ballot.unit_id, Ballot.grade, _SOURCE, _SEAT_IDS)
        .where(Ballot.unit_id.in_(unit_ids))
        .group_by(Ballot.unit_id, Ballot.grade, _SOURCE)
    )
    names = {str(i): name for i, (name, _, _) in seats.items()}

    def pseudonyms(ids: str) -> list[str]:
        return [names.get(i) or pseudonym(salt, int(i)) for i in ids.split(",")]

    groups = db.session.execute(stmt)
    return digest_of_groups((unit, grade, source, pseudonyms(ids)) for unit, grade, source, ids in groups)


def check_against(seal: TallySeal, current: tuple[str, int]) -> SealCheck:
    """The seal against the current ballots' ``(digest, number)`` (:func:`current_digest`)."""
    return SealCheck(seal.digest, seal.ballots, *current)


def require_intact(check: SealCheck | None) -> None:
    """Refuse (409 ``seal_broken``) to build anything on ballots changed since the seal."""
    if check is not None and not check.intact:
        raise Conflict(msg(SEAL_BROKEN), code="seal_broken")
