"""``POST /api/v1/accounts``: the office makes a reviewer's or an inspector's account; ``GET`` lists them."""

from __future__ import annotations

from evalflow.shared.access import Role
from evalflow.shared.accounts import assessors
from evalflow.shared.api.caller import require_login
from evalflow.shared.api.routes import route
from evalflow.shared.signin.schemas import AccountIn, AccountOut, AccountQuery

ERRORS = {400: "invalid input", 401: "unauthenticated", 403: "forbidden"}


@route(
    "/accounts",
    "POST",
    summary="Create a reviewer's or inspector's account; unit_id: the applicant unit they work for (office)",
    tag="accounts",
    body=AccountIn,
    responses={201: AccountOut, **ERRORS, 409: "duplicate (the username is taken)"},
)
def create_account(body: AccountIn) -> tuple[AccountOut, int]:
    who = require_login()
    user = assessors.add_assessor(who, body.username, body.password, body.name, Role(body.role), body.unit_id)
    return AccountOut.model_validate(user), 201


@route(
    "/accounts",
    "GET",
    summary="Reviewers' and inspectors' accounts, by username (office)",
    tag="accounts",
    query=AccountQuery,
    responses={200: list[AccountOut], **ERRORS},
)
def list_accounts(query: AccountQuery) -> list[AccountOut]:
    who = require_login()
    role = Role(query.role) if query.role else None
    return [AccountOut.model_validate(u) for u in assessors.assessor_accounts(who, role)]
