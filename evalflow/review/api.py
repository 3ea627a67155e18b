"""综合测评 endpoints (contract: *Assessment*, ``GET /api/v1/campaigns/{cid}/composite``; office, from
the briefing on): the composite as JSON, and its downloads (测评汇总表 XLSX, per-unit 测评表 PDF)."""

from __future__ import annotations

from typing import Any

from flask import Response

from evalflow.assessment.formula import formula
from evalflow.assessment.outcome import composite_to_json, trace
from evalflow.intake.units_api import campaign_of
from evalflow.review import proposals, reports, seal, service
from evalflow.review.schemas import CompositeOut, CompositeProposalIn, CompositeProposalOut, CompositeQuery
from evalflow.shared.api.caller import require_login
from evalflow.shared.api.routes import route
from evalflow.shared.files import store as files
from evalflow.shared.i18n import tr
from evalflow.shared.messages import Message

ERRORS = {401: "unauthenticated", 403: "forbidden", 404: "not found (or no tree)", 409: "wrong phase"}


def _rendered(value: Any) -> Any:
    """The trace with its messages rendered in the caller's language."""
    if isinstance(value, dict):
        return {k: _rendered(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rendered(v) for v in value]
    if isinstance(value, Message):
        return tr(value)
    return value


def composite_out(found: service.Composite, with_trace: bool = False) -> dict[str, Any]:
    """The contract's answer plus the extensions (see :mod:`.schemas`)."""
    out = composite_to_json(found.tree, found.results, found.verdicts)
    names = {r.unit_id: r for r in found.results}
    for unit in out["units"]:
        result = names[unit["unit_id"]]
        unit["name"], unit["category"] = result.name, result.category
        if with_trace:
            unit["trace"] = _rendered(trace(found.tree, result, found.top_points))
    out["formula"] = tr(formula(found.tree, found.top_points))
    found_check = seal.check(found)
    out["sealed"] = None
    if found_check is not None:
        out["sealed"] = {
            "intact": found_check.intact,
            "digest": found_check.seal.digest,
            "current_digest": found_check.current,
        }
    return out


@route(
    "/campaigns/<int:cid>/composite",
    "GET",
    summary="The 综合测评: every unit's sources, bonus, deductions, total and rank (office; from briefing on)",
    tag="assessment",
    query=CompositeQuery,
    responses={200: CompositeOut, **ERRORS},
)
def get_composite(cid: int, query: CompositeQuery) -> CompositeOut:
    found = service.composite(require_login(), campaign_of(cid), marks=query.trace)
    return CompositeOut.model_validate(composite_out(found, query.trace))


@route(
    "/campaigns/<int:cid>/composite.xlsx",
    "GET",
    summary="The 测评汇总表 as XLSX: one row per unit, each source, bonus, deductions, total, rank (office)",
    tag="assessment",
    responses={200: "the workbook", **ERRORS},
)
def composite_xlsx(cid: int) -> Response:
    found = service.composite(require_login(), campaign_of(cid))
    body = reports.summary_xlsx(found, seal.text(seal.check(found)))
    return files.send_bytes(body, reports.XLSX, f"composite-{cid}.xlsx")


@route(
    "/campaigns/<int:cid>/composite/export",
    "GET",
    summary="Every composite input with the sealed digest and each total, for flask verify-tally --composite",
    tag="assessment",
    responses={200: "the export (JSON)", **ERRORS},
)
def composite_export(cid: int) -> Response:
    found = service.composite(require_login(), campaign_of(cid))
    return files.send_bytes(seal.export_json(found), "application/json", f"composite-{cid}.json")


@route(
    "/campaigns/<int:cid>/composite/proposal",
    "POST",
    summary="Set the proposed list from the composite: the qualifying units, or the office's with reasons (office; review)",
    tag="assessment",
    body=CompositeProposalIn,
    body_optional=True,
    responses={200: CompositeProposalOut, 400: "invalid input (a deviation without a reason)", **ERRORS,
               409: "wrong_phase or seal_broken"},
)  # fmt: skip
def composite_proposal(cid: int, body: CompositeProposalIn) -> CompositeProposalOut:
    made = proposals.propose(require_login(), campaign_of(cid), body.model_dump(exclude_none=True))
    return CompositeProposalOut(
        unit_ids=made.unit_ids, baseline=made.baseline, reasons={str(k): v for k, v in made.reasons.items()}
    )
