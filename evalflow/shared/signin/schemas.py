"""Sign-in shapes: username and password for a bearer token."""

from __future__ import annotations

from pydantic import Field

from evalflow.shared.access import Role
from evalflow.shared.accounts.rules import MAX_PASSWORD, MAX_USERNAME
from evalflow.shared.api.schemas import Input, Output


class TokenIn(Input):
    username: str = Field(max_length=MAX_USERNAME)
    password: str = Field(max_length=MAX_PASSWORD)


class TokenOut(Output):
    token: str
    role: Role
    unit_id: int | None = Field(description="null for the office")
