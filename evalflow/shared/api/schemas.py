"""Building blocks of every schema: input and output bases, safe text, and errors in the contract's
shape.

Why pydantic v2: one class declares a shape once and gives validation, serialization and JSON Schema
(for the OpenAPI 3.1 document) from the same source; it is typed, fast and widely maintained.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from evalflow.shared import bounds
from evalflow.shared.errors import InvalidInput
from evalflow.shared.messages import N_, Message, msg
from evalflow.shared.text import text_problem


class Input(BaseModel):
    """A request body: JSON types are taken as they are ("5" is not a number); unknown keys are
    ignored, so clients may send more than we read. ``NaN`` and ``Infinity`` (which pydantic's JSON
    parser reads although JSON has no such numbers) are no number."""

    model_config = ConfigDict(extra="ignore", strict=True, allow_inf_nan=False)


class Query(BaseModel):
    """Query-string parameters: values arrive as text and are converted ("20" → 20); an empty
    value (``?status=``) is the same as leaving the parameter out."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return {key: value for key, value in data.items() if value != ""}
        return data


class Output(BaseModel):
    """A response body, built from plain values or ORM objects."""

    model_config = ConfigDict(from_attributes=True)


# A moment in time as the contract writes it: ISO 8601 with its offset ("+00:00", not "Z").
Timestamp = Annotated[
    datetime,
    PlainSerializer(lambda moment: moment.isoformat(), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


def _id_text(value: Any) -> Any:
    """A query string's or a form's id: ASCII digits only ("²" and "٣" are not numbers here)."""
    if isinstance(value, str) and not bounds.is_ascii_number(value.strip()):
        raise PydanticCustomError("int_parsing", _MESSAGES["int_parsing"])
    if isinstance(value, str) and bounds.parse_id(value) is None:
        raise _out_of_range(bounds.id_range())
    return value


def _id_in_range(value: int) -> int:
    if not bounds.id_in_range(value):
        raise _out_of_range(bounds.id_range())
    return value


def _day_in_range(value: date) -> date:
    problem = bounds.day_problem(value)
    if problem is not None:
        raise _out_of_range(problem)
    return value


def _out_of_range(problem: Message) -> PydanticCustomError:
    return PydanticCustomError("out_of_range", problem.template, {"message": problem})


# The one id type of every body, query string and form: a whole number from 1 to 2**31 - 1 (the id
# columns' range, shared/bounds.py); a larger one is a 400 that says so, never a database error.
Id = Annotated[
    int,
    BeforeValidator(_id_text),
    AfterValidator(_id_in_range),
    WithJsonSchema({"type": "integer", "minimum": bounds.MIN_ID, "maximum": bounds.MAX_ID}),
]

# The one date type of every body and query string: YYYY-MM-DD, a day an office could mean
# (bounds.FIRST_DAY..LAST_DAY), so no date arithmetic after it overflows.
Day = Annotated[
    date,
    AfterValidator(_day_in_range),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "description": f"{bounds.FIRST_DAY.isoformat()} to {bounds.LAST_DAY.isoformat()}",
        }
    ),
]


class Done(Output):
    """A plain acknowledgement (``{"status": "ok"}``) of a step that returns nothing else."""

    status: str


class ErrorDetail(Output):
    code: str = Field(description="snake_case, from the contract's error table")
    message: str
    fields: dict[str, list[str]] | None = Field(None, description="every refused field with its reasons")
    reasons: list[str] | None = Field(None, description="every unmet condition")


class Error(Output):
    """Every 4xx answer of the API: ``{"error": {"code", "message", "fields"?, "reasons"?}}``."""

    error: ErrorDetail


def _checked(required: bool, single_line: bool = False) -> Any:
    def check(value: str) -> str:
        problem = text_problem(value, required=required, single_line=single_line)
        if problem is not None:
            raise PydanticCustomError("text_problem", problem.template, {"message": problem})
        return value

    return check


def text(max_length: int, *, required: bool = True) -> Any:
    """A string of at most *max_length* characters that is safe to store and show (see
    :mod:`evalflow.shared.text`); when *required*, it must contain something visible."""
    return Annotated[str, Field(max_length=max_length), AfterValidator(_checked(required))]


def line(max_length: int, *, required: bool = True) -> Any:
    """:func:`text` on one line — a name, a title, a label: no line break, tab or Unicode line or
    paragraph separator (U+2028, U+2029), which would split the lines of every export carrying it."""
    return Annotated[str, Field(max_length=max_length), AfterValidator(_checked(required, single_line=True))]


# --- validation errors in the contract's shape ----------------------------------------------------

_MESSAGES: dict[str, str] = {
    "missing": N_("此项必填。"),
    "string_type": N_("须为文字。"),
    "string_unicode": N_("文字中含有无效的字符编码。"),
    "string_too_long": N_("最多 %(max_length)s 个字。"),
    "string_too_short": N_("至少 %(min_length)s 个字。"),
    "int_type": N_("须为整数。"),
    "int_parsing": N_("须为整数。"),
    "int_from_float": N_("须为整数。"),
    "int_parsing_size": N_("数值过大。"),
    "float_type": N_("须为数字。"),
    "float_parsing": N_("须为数字。"),
    "finite_number": N_("须为有限的数字。"),
    "decimal_type": N_("须为数字。"),
    "bool_type": N_("须为 true 或 false。"),
    "bool_parsing": N_("须为 true 或 false。"),
    "greater_than_equal": N_("不能小于 %(ge)s。"),
    "greater_than": N_("须大于 %(gt)s。"),
    "less_than_equal": N_("不能大于 %(le)s。"),
    "less_than": N_("须小于 %(lt)s。"),
    "literal_error": N_("取值无效,可选:%(expected)s。"),
    "enum": N_("取值无效,可选:%(expected)s。"),
    "list_type": N_("须为列表。"),
    "too_long": N_("最多 %(max_length)s 项。"),
    "too_short": N_("至少 %(min_length)s 项。"),
    "dict_type": N_("须为对象。"),
    "model_type": N_("须为对象。"),
    "model_attributes_type": N_("须为对象。"),
    "date_type": N_("日期格式须为 YYYY-MM-DD。"),
    "date_parsing": N_("日期格式须为 YYYY-MM-DD。"),
    "date_from_datetime_parsing": N_("日期格式须为 YYYY-MM-DD。"),
    "date_from_datetime_inexact": N_("日期格式须为 YYYY-MM-DD。"),
}
_FALLBACK = N_("取值无效。")


def _message(error: Mapping[str, Any]) -> Message:
    ctx = error.get("ctx") or {}
    if isinstance(ctx.get("message"), Message):  # our own checks (text_problem, out_of_range)
        return ctx["message"]
    template = _MESSAGES.get(error["type"], _FALLBACK)
    params = {k: str(v) for k, v in ctx.items() if f"%({k})s" in template}
    missing = set(_placeholders(template)) - params.keys()
    return msg(_FALLBACK) if missing else msg(template, **params)


def _placeholders(template: str) -> list[str]:
    return re.findall(r"%\((\w+)\)s", template)


def invalid_input(exc: ValidationError, *, where: str = "body") -> InvalidInput:
    """The contract's 400: every field with its reasons; a problem with the whole body under *where*."""
    fields: dict[str, list[Message]] = {}
    for error in exc.errors(include_url=False, include_input=False):
        loc = [str(part) for part in error["loc"]]
        name = loc[0] if loc else where
        reasons = fields.setdefault(name, [])
        message = _message(error)
        if message not in reasons:
            reasons.append(message)
    return InvalidInput(fields=fields)


def parse_query(model: type[BaseModel], args: Mapping[str, str]) -> Any:
    """A query string (the first value of each key) validated against *model*, or the contract's 400
    with every bad parameter under ``fields``. The API and the HTML views parse filters with this."""
    try:
        return model.model_validate({key: args[key] for key in args})
    except ValidationError as exc:
        raise invalid_input(exc, where="query") from None


def validate_json(model: type[BaseModel], raw: bytes) -> Any:
    """The raw request body parsed and validated against *model* in one step (pydantic's own JSON
    parser: bounded nesting, invalid UTF-16 surrogates refused), or the contract's 400."""
    try:
        return model.model_validate_json(raw or b"")
    except ValidationError as exc:
        whole = [e for e in exc.errors(include_url=False, include_input=False) if not e["loc"]]
        if whole:
            raise InvalidInput(msg(_BODY_MESSAGES.get(whole[0]["type"], _BODY_NOT_OBJECT))) from None
        raise invalid_input(exc) from None


_BODY_NOT_OBJECT = N_("请求体必须是 JSON 对象。")
_BODY_MESSAGES = {"json_invalid": N_("请求体不是有效的 JSON。")}
