"""The 综合测评's seal, pure: what it covers, its digest, its export, and how an outsider verifies it.

The seal covers every input of every composite: the tree with its settings (the formula), the
scale's highest grade points, per unit its name, category, every counted mark (scorer, points, sheet
id, leaf code), its tally score (the ballots behind it are sealed by the tally's own digest, which is
a line here too), its 满意率, the office's decisions with their reasons, the veto, and the sources the
office closed with their reasons. Each part is one canonical JSON line (keys sorted, no spaces); the
digest is the SHA-256 of the lines joined by ``\\n``. A mark changed after the seal changes its unit's
line, hence the digest.

The export (:func:`export`) is one JSON document with those inputs, the sealed digest and the totals
the office saw; :func:`verify` recomputes every composite from it with the same pure core
(:func:`evalflow.assessment.composite.compute`) and checks the digest and every total and rank.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from evalflow.assessment.composite import OfficeDecision, UnitInput, UnitResult, compute
from evalflow.assessment.marks import Mark
from evalflow.assessment.parse import parse_tree
from evalflow.assessment.rules import Method, Tree
from evalflow.assessment.tree_json import tree_to_json
from evalflow.shared.errors import InvalidInput
from evalflow.tally.rules import exact_text

FORMAT = "evalflow-composite/1"
TREE_KEYS = ("mode", "weights", "bonus_cap", "threshold", "tie_break", "gap_percent", "categories", "items")


def _line(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _fraction(text: str | None) -> Fraction | None:
    return None if text is None else Fraction(text)


def unit_data(unit: UnitInput, texts: dict[Decimal, str] | None = None) -> dict[str, Any]:
    """One unit's inputs as plain JSON (points as exact decimal strings, fractions as ``"a/b"``).
    *texts*: points already spelled, shared across units (a campaign's 108,000 marks take a few
    dozen distinct values; spelling each once is a third of the seal check, bench/README.md)."""
    spelled = {} if texts is None else texts

    def text(points: Decimal) -> str:
        found = spelled.get(points)
        if found is None:
            found = spelled[points] = str(points)
        return found

    return {
        "unit_id": unit.unit_id,
        "name": unit.name,
        "category": unit.category,
        "marks": {
            code: [[m.scorer, text(m.points), m.sheet] for m in marks]
            for code, marks in sorted(unit.marks.items())
        },
        "tally_score": exact_text(unit.tally_score),
        "satisfied_rate": exact_text(unit.satisfied_rate),
        "decisions": {c: [str(d.points), d.reason, d.by] for c, d in sorted(unit.decisions.items())},
        "vetoed": unit.vetoed,
    }


def unit_of(data: Mapping[str, Any], closed: frozenset[Method]) -> UnitInput:
    """The inverse of :func:`unit_data`."""
    return UnitInput(
        unit_id=int(data["unit_id"]),
        name=str(data["name"]),
        category=str(data["category"]),
        marks={c: [Mark(s, Decimal(p), sheet) for s, p, sheet in ms] for c, ms in data["marks"].items()},
        tally_score=_fraction(data["tally_score"]),
        satisfied_rate=_fraction(data["satisfied_rate"]),
        decisions={c: OfficeDecision(Decimal(p), r, b) for c, (p, r, b) in data["decisions"].items()},
        vetoed=bool(data["vetoed"]),
        closed=closed,
    )


@dataclass(frozen=True)
class Sealed:
    """What the seal covers, as plain data."""

    tree: dict[str, Any]
    top_points: str
    ballots_digest: str
    closed: dict[str, str]  # method → the office's reason
    units: list[dict[str, Any]] = field(default_factory=list)

    def lines(self) -> list[str]:
        head = {"tree": self.tree, "top_points": self.top_points, "ballots_digest": self.ballots_digest}
        return [_line(head), _line({"closed": self.closed}), *(_line(u) for u in self.units)]

    def digest(self) -> str:
        return hashlib.sha256("\n".join(self.lines()).encode("utf-8")).hexdigest()


def sealed_of(
    tree: Tree,
    units: Iterable[UnitInput],
    top_points: Decimal,
    closed: Mapping[Method, str],
    ballots_digest: str,
) -> Sealed:
    """The seal's content for these inputs (units in id order)."""
    data = tree_to_json(tree)
    texts: dict[Decimal, str] = {}
    return Sealed(
        tree={k: data[k] for k in TREE_KEYS if k in data},
        top_points=str(top_points),
        ballots_digest=ballots_digest,
        closed={m.value: reason for m, reason in sorted(closed.items())},
        units=[unit_data(u, texts) for u in sorted(units, key=lambda u: u.unit_id)],
    )


def _result_line(result: UnitResult) -> dict[str, Any]:
    return {"unit_id": result.unit_id, "total": exact_text(result.total), "rank": result.rank}


def export(sealed: Sealed, digest: str, results: Iterable[UnitResult], sealed_at: str = "") -> str:
    """The composite export: the sealed inputs, the digest stated by the seal (never recomputed from
    rows that may have changed since), and each unit's exact total and rank."""
    body = {
        "format": FORMAT,
        "digest": digest,
        "sealed_at": sealed_at,
        "tree": sealed.tree,
        "top_points": sealed.top_points,
        "ballots_digest": sealed.ballots_digest,
        "closed": sealed.closed,
        "units": sealed.units,
        "results": [_result_line(r) for r in sorted(results, key=lambda r: r.unit_id)],
    }
    return json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


@dataclass
class Verification:
    """The outcome of :func:`verify`: the recomputed results, the digest, and every problem found."""

    digest: str = ""
    results: list[UnitResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _check_results(stated: list[dict[str, Any]], results: list[UnitResult], problems: list[str]) -> None:
    mine = {r.unit_id: _result_line(r) for r in results}
    for line in stated:
        got = mine.get(int(line.get("unit_id", 0)))
        if got != line:
            problems.append(f"unit {line.get('unit_id')}: stated {line}, recomputed {got}")
    if len(stated) != len(mine):
        problems.append(f"{len(stated)} results stated, {len(mine)} units in the file")


def verify(text: str, expected_digest: str = "", ballots_digest: str = "") -> Verification:
    """Recompute every composite from an export; check the digest (the file's, and *expected_digest*
    if given), the ballots' digest (if given: the tally export's) and each stated total and rank."""
    result = Verification()
    try:
        data = json.loads(text)
        tree = parse_tree(data["tree"])
        closed_reasons = {Method(m): str(r) for m, r in data["closed"].items()}
        closed = frozenset(closed_reasons)
        units = [unit_of(u, closed) for u in data["units"]]
        sealed = sealed_of(
            tree, units, Decimal(data["top_points"]), closed_reasons, str(data["ballots_digest"])
        )
    except (ValueError, KeyError, TypeError, InvalidInput) as exc:
        result.problems.append(f"the file is not a composite export: {exc!r}")
        return result
    result.digest = sealed.digest()
    result.results = compute(tree, units, Decimal(data["top_points"]))
    for name, want in (("file", data.get("digest", "")), ("expected", expected_digest)):
        if want and want != result.digest:
            result.problems.append(f"digest differs from the {name}'s: {want} ≠ recomputed {result.digest}")
    if ballots_digest and ballots_digest != sealed.ballots_digest:
        result.problems.append(
            f"ballots digest {sealed.ballots_digest} ≠ the ballots export's {ballots_digest}"
        )
    _check_results(list(data.get("results", [])), result.results, result.problems)
    return result
