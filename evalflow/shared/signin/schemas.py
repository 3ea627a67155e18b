"""Sign-in shapes: username and password for a bearer token; reviewers' and inspectors' accounts."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from evalflow.shared.access import Role
from evalflow.shared.accounts.assessors import MAX_NAME
from evalflow.shared.accounts.rules import MAX_PASSWORD, MAX_USERNAME
from evalflow.shared.api.schemas import Id, Input, Output, Query, line


class TokenIn(Input):
    username: str = Field(max_length=MAX_USERNAME)
    password: str = Field(max_length=MAX_PASSWORD)


class TokenOut(Output):
    token: str
    role: Role
    unit_id: int | None = Field(description="null for the office")


class AccountIn(Input):
    """A reviewer's or inspector's account (the office makes it)."""

    username: str = Field(max_length=MAX_USERNAME)
    password: str = Field(max_length=MAX_PASSWORD)
    name: line(MAX_NAME)  # type: ignore[valid-type]
    role: Literal[Role.REVIEWER, Role.INSPECTOR]
    unit_id: Id | None = Field(None, description="the applicant unit this person works for, if any")


class AccountOut(Output):
    id: int
    username: str
    role: Role
    name: str = Field(validation_alias="display_name")
    unit_id: int | None = Field(validation_alias="affiliation_unit_id", description="the unit worked for")
    active: bool


class AccountQuery(Query):
    role: Literal[Role.REVIEWER, Role.INSPECTOR] | None = None
