"""Unit shapes (申报单位): the unit, its login shown once, list import, self-registration."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_serializer

from evalflow.intake.rules import (
    MAX_CATEGORY,
    MAX_CONTACT,
    MAX_PHONE,
    MAX_UNIT_NAME,
    ApplicationStatus,
    RegistrationState,
)
from evalflow.shared.accounts.rules import MAX_PASSWORD, MAX_USERNAME
from evalflow.shared.api.schemas import Input, Output, line


class UnitIn(Input):
    name: line(MAX_UNIT_NAME)  # type: ignore[valid-type]
    category: line(MAX_CATEGORY, required=False) = ""  # type: ignore[valid-type]
    contact_name: line(MAX_CONTACT, required=False) = ""  # type: ignore[valid-type]
    contact_phone: line(MAX_PHONE, required=False) = ""  # type: ignore[valid-type]


class RegistrationIn(UnitIn):
    username: line(MAX_USERNAME)  # type: ignore[valid-type]
    password: str = Field(max_length=MAX_PASSWORD, description="at least 8 characters")


class RegistrationDecisionIn(Input):
    approve: bool


class UnitFields(Output):
    """What a unit is, as every unit answer shows it."""

    id: int
    name: str
    category: str
    contact_name: str
    contact_phone: str


class NewUnitOut(UnitFields):
    """A unit with its login; the password is shown only now."""

    username: str
    password: str = Field(description="shown once")


class UnitOut(UnitFields):
    username: str | None
    registration: Literal[RegistrationState.APPROVED, RegistrationState.PENDING]
    application_status: ApplicationStatus
    vetoed: bool | None = Field(None, description="office only")

    @model_serializer(mode="wrap")
    def _office_only(self, handler):  # type: ignore[no-untyped-def]  # keeps the fields' schema
        data = handler(self)
        if self.vetoed is None:
            data.pop("vetoed", None)
        return data


class ImportedUnitOut(Output):
    row: int
    id: int
    name: str
    username: str
    password: str = Field(description="shown once")


class UnitsImportOut(Output):
    created: list[ImportedUnitOut]


class PasswordOut(Output):
    username: str
    password: str = Field(description="shown once")


class RegistrationOut(Output):
    id: int
    name: str
    registration: Literal[RegistrationState.PENDING]


class RegistrationDecisionOut(Output):
    id: int
    registration: Literal[RegistrationState.APPROVED, RegistrationState.DECLINED]
