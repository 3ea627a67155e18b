"""测评体系 endpoints (the contract's *Assessment*): the indicator tree (JSON and XLSX, copied from an
earlier campaign or started from a default), and the reviewers assigned to units (office)."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from evalflow.assessment import reviewers, tree
from evalflow.assessment.parse import parse_tree
from evalflow.assessment.rules import Tree
from evalflow.assessment.schemas import (
    ConflictsIn,
    CopyIn,
    DefaultIn,
    ReviewerOut,
    ReviewerProposalOut,
    ReviewerProposalQuery,
    ReviewerUnitsIn,
    TreeBody,
    TreeDoc,
    TreeOut,
)
from evalflow.assessment.tree_json import tree_to_json
from evalflow.assessment.workbook import template
from evalflow.assessment.xlsx_guard import MAX_FILE_BYTES
from evalflow.intake.units_api import campaign_of
from evalflow.shared.access import Action
from evalflow.shared.api.caller import require_login
from evalflow.shared.api.routes import multipart_body, reply, route, schema_ref, upload
from evalflow.shared.api.schemas import validate_json
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import InvalidInput, NotFound, TooLarge
from evalflow.shared.files import store as files
from evalflow.shared.messages import N_, msg

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS = {400: "invalid input", 401: "unauthenticated", 403: "forbidden", 404: "not found"}
TREE = {"description": "the stored tree", "schema": schema_ref(TreeOut, "serialization")}
WRITES = {**ERRORS, 409: "frozen (a source has scores) or wrong_phase"}
MAX_TREE_BODY = 2 * 1024 * 1024  # a 500-item tree with 500-字 criteria is well under 1 MB


def tree_answer(found: Tree | None) -> Response:
    if found is None:
        raise NotFound(msg(N_("该评选活动还没有测评体系。")))
    return reply(tree_to_json(found))


def _tree_body() -> dict[str, Any]:
    if (request.content_length or 0) > MAX_TREE_BODY:
        raise TooLarge(msg(N_("请求体过大:最大 %(max)d MB。"), max=MAX_TREE_BODY // (1024 * 1024)))
    raw = request.get_data(cache=True)
    if len(raw) > MAX_TREE_BODY:
        raise TooLarge(msg(N_("请求体过大:最大 %(max)d MB。"), max=MAX_TREE_BODY // (1024 * 1024)))
    return validate_json(TreeBody, raw).model_dump(exclude_unset=True)


@route(
    "/campaigns/<int:cid>/indicators",
    "GET",
    summary="The campaign's indicator tree (测评体系) with its totals (office)",
    tag="assessment",
    responses={200: TREE, **ERRORS},
)
def get_indicators(cid: int) -> Response:
    return tree_answer(tree.get_tree(require_login(), campaign_of(cid)))


@route(
    "/campaigns/<int:cid>/indicators",
    "PUT",
    summary="Replace the indicator tree and its settings (office; 409 frozen once a source has a score)",
    tag="assessment",
    request_schema=schema_ref(TreeDoc, "validation"),
    responses={200: TREE, **WRITES, 413: "too_large"},
)
def put_indicators(cid: int) -> Response:
    who, campaign = require_login(), campaign_of(cid)
    require(who, Action.INDICATORS_EDIT, campaign)
    return tree_answer(tree.save_tree(who, campaign, parse_tree(_tree_body())))


@route(
    "/campaigns/<int:cid>/indicators.xlsx",
    "GET",
    summary="The indicator tree as a workbook (the empty template when there is none) (office)",
    tag="assessment",
    responses={200: "the XLSX workbook", **ERRORS},
)
def indicators_xlsx(cid: int) -> Response:
    data = tree.export_workbook(require_login(), campaign_of(cid))
    return files.send_bytes(data, XLSX, f"indicators-{cid}.xlsx")


@route(
    "/campaigns/<int:cid>/indicators.xlsx",
    "PUT",
    summary="Replace the tree from a workbook (multipart `file`); 400 names sheet, row and column (office)",
    tag="assessment",
    multipart=multipart_body(),
    responses={200: TREE, **WRITES, 413: "too_large", 415: "unsupported_type"},
)
def put_indicators_xlsx(cid: int) -> Response:
    who, campaign = require_login(), campaign_of(cid)
    require(who, Action.INDICATORS_EDIT, campaign)
    file = upload()
    if file is None or not file.filename:
        raise InvalidInput(fields={"file": [msg(N_("请选择要上传的文件。"))]})
    content = file.stream.read(MAX_FILE_BYTES + 1)  # more than the bound is refused unread
    return tree_answer(tree.import_workbook(who, campaign, content))


@route(
    "/indicators/template.xlsx",
    "GET",
    summary="The empty workbook to fill in (office)",
    tag="assessment",
    responses={200: "the XLSX workbook", 401: "unauthenticated", 403: "forbidden"},
)
def indicators_template() -> Response:
    require(require_login(), Action.INDICATORS_VIEW)
    return files.send_bytes(template(), XLSX, "indicators-template.xlsx")


@route(
    "/campaigns/<int:cid>/indicators/copy",
    "POST",
    summary="Start from an earlier campaign's tree and settings (office)",
    tag="assessment",
    body=CopyIn,
    responses={200: TREE, **WRITES},
)
def copy_indicators(cid: int, body: CopyIn) -> Response:
    return tree_answer(tree.copy_from(require_login(), campaign_of(cid), body.campaign_id))


@route(
    "/campaigns/<int:cid>/indicators/default",
    "POST",
    summary="Start from evalflow's default tree of a unit category: 社区, 机关事业单位 or 企业 (office)",
    tag="assessment",
    body=DefaultIn,
    responses={200: TREE, **WRITES},
)
def default_indicators(cid: int, body: DefaultIn) -> Response:
    return tree_answer(tree.from_default(require_login(), campaign_of(cid), body.category))


# --- reviewers ---------------------------------------------------------------------------------------


def reviewer_out(row: reviewers.ReviewerRow) -> ReviewerOut:
    user = row.user
    return ReviewerOut(
        user_id=user.id,
        username=user.username,
        name=user.display_name,
        unit_id=user.affiliation_unit_id,
        active=user.active,
        unit_ids=list(row.unit_ids),
        conflict_ids=list(row.conflict_ids),
    )


def _reviewer(cid: int, user_id: int) -> ReviewerOut:
    rows = reviewers.reviewers(require_login(), campaign_of(cid))
    return next(reviewer_out(r) for r in rows if r.user.id == user_id)


@route(
    "/campaigns/<int:cid>/reviewers",
    "GET",
    summary="Every reviewer with the units assigned in this campaign and declared conflicts (office)",
    tag="assessment",
    responses={200: list[ReviewerOut], **ERRORS},
)
def list_reviewers(cid: int) -> list[ReviewerOut]:
    return [reviewer_out(r) for r in reviewers.reviewers(require_login(), campaign_of(cid))]


@route(
    "/campaigns/<int:cid>/reviewers/<int:user_id>",
    "PUT",
    summary="Set a reviewer's units in this campaign; 409 conflict if the reviewer works for one (office)",
    tag="assessment",
    body=ReviewerUnitsIn,
    responses={200: ReviewerOut, **ERRORS, 409: "conflict or wrong_phase"},
)
def put_reviewer(cid: int, user_id: int, body: ReviewerUnitsIn) -> ReviewerOut:
    reviewers.set_units(require_login(), campaign_of(cid), user_id, body.unit_ids)
    return _reviewer(cid, user_id)


@route(
    "/campaigns/<int:cid>/reviewers/<int:user_id>/conflicts",
    "PUT",
    summary="Set the units a reviewer must never get in this campaign (回避), with a note (office)",
    tag="assessment",
    body=ConflictsIn,
    responses={200: ReviewerOut, **ERRORS, 409: "conflict (assigned to one) or wrong_phase"},
)
def put_conflicts(cid: int, user_id: int, body: ConflictsIn) -> ReviewerOut:
    reviewers.set_conflicts(require_login(), campaign_of(cid), user_id, body.unit_ids, body.note)
    return _reviewer(cid, user_id)


@route(
    "/campaigns/<int:cid>/reviewers/proposal",
    "GET",
    summary="A balanced assignment of the active reviewers keeping the existing ones; nothing saved (office)",
    tag="assessment",
    query=ReviewerProposalQuery,
    responses={200: ReviewerProposalOut, **ERRORS, 409: "wrong_phase"},
)
def reviewer_proposal(cid: int, query: ReviewerProposalQuery) -> ReviewerProposalOut:
    campaign = campaign_of(cid)
    plan = reviewers.propose(require_login(), campaign, query.per_unit, query.seed)
    need = query.per_unit or reviewers.per_unit(campaign.id)
    return ReviewerProposalOut(
        per_unit=need, units=[{"unit_id": uid, "reviewer_ids": list(rids)} for uid, rids in plan.items()]
    )
