"""Tally endpoints (contract: *Tally*; office, from the briefing on): the tally, its checks, the
settings, the proposed list (拟表彰对象) and the downloads (PDF, XLSX, CSV, the ballots)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from flask import Response

from evalflow.intake.units_api import campaign_of
from evalflow.shared.api.caller import require_login
from evalflow.shared.api.routes import route
from evalflow.shared.files import store as files
from evalflow.shared.i18n import tr
from evalflow.tally import checks, proposals, settings
from evalflow.tally import reports as tally_reports
from evalflow.tally import service as tally
from evalflow.tally.bias import SIGNAL_LABELS, Signal
from evalflow.tally.models import TallySettings
from evalflow.tally.rules import METHOD_LABELS, Cell, display, exact_text
from evalflow.tally.schemas import (
    ChecksOut,
    ProposalIn,
    ProposalOut,
    SettingsIn,
    SettingsOut,
    TallyOut,
    TallyQuery,
)

ERRORS = {401: "unauthenticated", 403: "forbidden", 404: "not found", 409: "wrong phase"}


def number(value: Fraction | None) -> float | None:
    """A figure for the JSON: rounded to 2 decimals (display only; ranks use exact values)."""
    shown = display(value)
    return None if shown is None else float(shown)


def _slice(cell: Cell) -> dict[str, Any]:
    return {"counts": cell.counts, "ballots": cell.figures.ballots, "mean": number(cell.figures.mean)}


def tally_out(t: tally.Tally) -> TallyOut:
    units = []
    for r in t.results:
        roles = t.breakdown.by_role.get(r.unit_id, {})
        sources = t.breakdown.by_source.get(r.unit_id, {})
        units.append(
            {
                "unit_id": r.unit_id,
                "name": r.name,
                "category": r.category,
                "counts": r.counts,
                "ballots": r.ballots,
                "expected": r.expected,
                "mean": number(r.figures.mean),
                "trimmed_mean": number(r.figures.trimmed_mean),
                "median": number(r.figures.median),
                "score": number(r.score),
                "score_exact": exact_text(r.score),
                "rank": r.rank,
                "by_role": {k: _slice(v) for k, v in roles.items()},
                "by_source": {k: _slice(v) for k, v in sources.items()},
            }
        )
    return TallyOut(
        method=t.method, method_label=tr(METHOD_LABELS[t.method]), units=units, sealed=seal_out(t)
    )


def seal_out(t: tally.Tally) -> dict[str, Any] | None:
    """The seal with its check against the current ballots (taken on every request)."""
    if t.seal is None or t.check is None:
        return None
    seal, check = t.seal, t.check
    return {
        "digest": seal.digest,
        "ballots": seal.ballots,
        "method": seal.method,
        "sealed_at": seal.sealed_at,
        "intact": check.intact,
        "current_digest": check.digest,
        "current_ballots": check.ballots,
    }


@route(
    "/campaigns/<int:cid>/tally",
    "GET",
    summary="The tally: counts, mean, trimmed mean, score and rank of every unit (office; from briefing on)",
    tag="tally",
    query=TallyQuery,
    responses={200: TallyOut, **ERRORS},
)
def get_tally(cid: int, query: TallyQuery) -> TallyOut:
    who = require_login()
    return tally_out(tally.compute_tally(who, campaign_of(cid), by_role=query.by_role))


def _plain(value: object) -> object:
    if isinstance(value, Fraction):
        return number(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def signal_out(signal: Signal) -> dict[str, Any]:
    return {
        "kind": signal.kind,
        "label": tr(SIGNAL_LABELS[signal.kind]),
        "seats": list(signal.seats),
        "unit_ids": list(signal.unit_ids),
        "figures": _plain(signal.figures),
    }


@route(
    "/campaigns/<int:cid>/tally/checks",
    "GET",
    summary="Participation (seats that did not score units), bias signals and the digest (office)",
    tag="tally",
    responses={200: ChecksOut, **ERRORS},
)
def get_tally_checks(cid: int) -> ChecksOut:
    report = checks.tally_report(require_login(), campaign_of(cid))
    check = report.tally.check
    return ChecksOut(
        digest=report.digest,
        ballots=report.ballots,
        sealed_digest=check.sealed_digest if check else None,
        seal_intact=check.intact if check else None,
        missing=[m.__dict__ for m in report.missing],
        signals=[signal_out(s) for s in report.signals],
    )


def settings_out(settings: TallySettings) -> SettingsOut:
    return SettingsOut(
        method=settings.method,
        flat_min_ballots=settings.flat_min_ballots,
        reciprocity_margin=float(settings.reciprocity_margin),
        downgrade_margin=float(settings.downgrade_margin),
        leading_units=settings.leading_units,
    )


@route(
    "/campaigns/<int:cid>/tally/settings",
    "GET",
    summary="The tally method and the bias thresholds (office)",
    tag="tally",
    responses={200: SettingsOut, 401: "unauthenticated", 403: "forbidden", 404: "not found"},
)
def get_tally_settings(cid: int) -> SettingsOut:
    return settings_out(settings.get_settings(require_login(), campaign_of(cid)))


@route(
    "/campaigns/<int:cid>/tally/settings",
    "PUT",
    summary="Change the tally method and/or the bias thresholds (office; draft only)",
    tag="tally",
    body=SettingsIn,
    responses={200: SettingsOut, 400: "invalid input", **ERRORS},
)
def put_tally_settings(cid: int, body: SettingsIn) -> SettingsOut:
    changes = body.model_dump(exclude_none=True, mode="json")
    return settings_out(settings.update_settings(require_login(), campaign_of(cid), changes))


def proposal_out(p: proposals.Proposal) -> ProposalOut:
    results = {r.unit_id: r for r in p.tally.results}
    choice = p.choice
    return ProposalOut(
        rule=choice.rule if choice else None,
        k=choice.k if choice else None,
        per_category=choice.per_category if choice else False,
        threshold=float(choice.threshold) if choice and choice.threshold is not None else None,
        unit_ids=p.included,
        entries=[
            {
                "unit_id": e.unit_id,
                "name": results[e.unit_id].name if e.unit_id in results else "",
                "included": e.included,
                "deviation": e.deviation,
                "reason": e.reason,
                "rank": results[e.unit_id].rank if e.unit_id in results else None,
                "score": number(results[e.unit_id].score) if e.unit_id in results else None,
            }
            for e in p.entries
        ],
        vetoed_unit_ids=sorted(p.vetoed),
        seal_intact=p.tally.check.intact if p.tally.check else None,
    )


@route(
    "/campaigns/<int:cid>/proposed-list",
    "GET",
    summary="The proposed list (拟表彰对象) with every deviation's reason (office; from briefing on)",
    tag="tally",
    responses={200: ProposalOut, **ERRORS},
)
def get_proposed_list(cid: int) -> ProposalOut:
    return proposal_out(proposals.get_proposal(require_login(), campaign_of(cid)))


@route(
    "/campaigns/<int:cid>/proposed-list",
    "PUT",
    summary="Choose the proposed list by top_k (optionally per category), threshold or by hand (office; review)",
    tag="tally",
    body=ProposalIn,
    responses={200: ProposalOut, 400: "invalid input (e.g. a deviation without a reason)", **ERRORS},
)
def put_proposed_list(cid: int, body: ProposalIn) -> ProposalOut:
    data = body.model_dump(exclude_none=True)
    return proposal_out(proposals.propose(require_login(), campaign_of(cid), data))


def _file(data: bytes | str, mimetype: str, filename: str) -> Response:
    return files.send_bytes(data, mimetype, filename)


@route(
    "/campaigns/<int:cid>/ballots/export",
    "GET",
    summary="Every ballot (seats pseudonymized) with scale, method, digest and tally, as CSV for verify-tally",
    tag="tally",
    responses={200: "text/csv", **ERRORS},
)
def export_ballots(cid: int) -> Response:
    return files.send_csv(tally.export_ballots_csv(require_login(), campaign_of(cid)), f"ballots-{cid}.csv")


@route(
    "/campaigns/<int:cid>/tally.pdf",
    "GET",
    summary="The tally report (综合评定结果) as PDF: chart, table, method, digest, date",
    tag="tally",
    responses={200: "application/pdf", **ERRORS},
)
def tally_pdf(cid: int) -> Response:
    return _file(
        tally_reports.tally_pdf(require_login(), campaign_of(cid)), "application/pdf", f"tally-{cid}.pdf"
    )


@route(
    "/campaigns/<int:cid>/tally.xlsx",
    "GET",
    summary="The tally, ballots, signals and participation as an Excel workbook",
    tag="tally",
    responses={200: "XLSX", **ERRORS},
)
def tally_xlsx(cid: int) -> Response:
    return _file(
        tally_reports.tally_xlsx(require_login(), campaign_of(cid)), tally_reports.XLSX, f"tally-{cid}.xlsx"
    )


@route(
    "/campaigns/<int:cid>/tally.csv",
    "GET",
    summary="The tally table as CSV (UTF-8 with BOM)",
    tag="tally",
    responses={200: "text/csv", **ERRORS},
)
def tally_csv(cid: int) -> Response:
    return files.send_csv(tally_reports.tally_csv(require_login(), campaign_of(cid)), f"tally-{cid}.csv")
