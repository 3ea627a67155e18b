"""Request plumbing of the API: who is calling, the JSON body, and documented routes."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, request
from pydantic import BaseModel, TypeAdapter
from werkzeug.exceptions import RequestEntityTooLarge

from evalflow.shared.api import bp
from evalflow.shared.api.caller import (
    CHECKS_PHASE,
    CHECKS_SEAT_CARD,
    OWN_BEARER,
    SINGLE_STATEMENT,
    require_login,
)
from evalflow.shared.api.schemas import parse_query, validate_json
from evalflow.shared.bounds import JSON_BODY_LIMIT
from evalflow.shared.campaigns.guard import UNSAFE, refuse_writes_after_final
from evalflow.shared.converters import MAX_ID
from evalflow.shared.errors import TooLarge
from evalflow.shared.files import store as files
from evalflow.shared.files.rules import human_size
from evalflow.shared.messages import N_, msg


def upload(name: str = "file") -> Any:
    """The uploaded file of a multipart request; an oversized body is a 413 in the contract's shape."""
    try:
        return request.files.get(name)
    except RequestEntityTooLarge:
        raise files.too_large(files.max_file_bytes()) from None


def multipart_body(
    field: str = "file", *, optional: bool = False, form: type[BaseModel] | None = None
) -> dict[str, Any]:
    """The JSON Schema of a multipart upload of *field* (plus the fields of *form*), for ``route``."""
    schema: dict[str, Any] = {"type": "object", "properties": {field: {"type": "string", "format": "binary"}}}
    required = [] if optional else [field]
    if form is not None:
        fields = form.model_json_schema()
        schema["properties"].update(fields.get("properties", {}))
        required += fields.get("required", [])
    schema["required"] = required
    return schema


def reply(data: Any, status: int = 200) -> Response:
    response = jsonify(data)
    response.status_code = status
    return response


# --- documented routes -------------------------------------------------------------------

SPEC_PATHS: dict[str, dict[str, Any]] = {}
# Every type a route declares (bodies, queries, responses), for the document's components.
DECLARED: list[tuple[Any, str]] = []
PATH_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
Responses = dict[int, Any]


def openapi_path(rule: str) -> str:
    return PATH_PARAM.sub(r"{\1}", rule)


def route(
    rule: str,
    method: str,
    *,
    summary: str,
    tag: str,
    auth: str = "bearer",
    body: type[BaseModel] | None = None,
    body_optional: bool = False,
    query: type[BaseModel] | None = None,
    responses: Responses | None = None,
    request_schema: dict[str, Any] | None = None,
    multipart: dict[str, Any] | None = None,
    single_statement: bool = False,
    checks_seat_card: bool = False,
    checks_phase: bool = False,
    max_body: int = JSON_BODY_LIMIT,
    caller: Callable[[], Any] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an API view once: its URL, its typed input and output, and its OpenAPI operation.

    *auth*: ``"bearer"`` (the default) needs a signed-in caller (seat, unit, office): an anonymous
    request is a 401 before its body or query is read; ``"public"``: anyone (a bad token is a 401).
    *caller*, on a public route whose caller brings a bearer credential of its own (a department's
    link): run before the body is read (a bad one is a 401), its result passed to the view as ``caller``.

    *body* and *query* are validated before the view runs and passed to it under those names; the
    view returns an output object (or ``(object, status)``, or a ready ``Response``), serialized
    through the type declared for that status in ``responses`` (an output type, ``list[Type]`` or a
    description). *body_optional*: an empty body means the model's defaults. *max_body*: the most
    bytes of JSON read (413 beyond, before parsing). *multipart* documents an upload (:func:`multipart_body`).

    *single_statement*: the view writes with at most one statement that stands alone, so on
    PostgreSQL the request runs without a transaction (``database.without_transaction``): two
    round trips fewer. A view that writes twice must not say so (``database.SingleStatementBroken``).
    *checks_seat_card*: the view's write checks the seat card in its own statement and calls
    ``caller.reauthenticate`` when refused. *checks_phase*: the view's write checks the campaign's
    phase itself, so the request does not read the campaign first (``guard.refuse_writes_after_final``).
    """
    declared = responses or {200: "OK"}
    outputs = {status: spec for status, spec in declared.items() if not isinstance(spec, str | dict)}

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def endpoint(**kwargs: Any) -> Any:
            if auth != "public":
                require_login()  # who is calling is settled before what they sent: 401, not field errors
            if caller is not None:
                kwargs["caller"] = caller()
            kwargs.update(_inputs(body, body_optional, query, checks_phase, max_body))
            return _render(view(**kwargs), outputs)

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=endpoint, methods=[method])
        _mark(f"{bp.name}.{view.__name__}", ((single_statement, SINGLE_STATEMENT), (checks_seat_card, CHECKS_SEAT_CARD),
                                             (checks_phase, CHECKS_PHASE), (caller is not None, OWN_BEARER)))  # fmt: skip
        _document(rule, method, view.__name__, summary, tag, auth, body, query, declared, request_schema)
        _document_body(rule, method, body_optional, multipart, max_body)
        return endpoint

    return decorator


def _mark(endpoint: str, flags: tuple[tuple[bool, set[str]], ...]) -> None:
    """Put *endpoint* in each set of endpoints whose flag its route declared (read by caller.py)."""
    for flag, endpoints in flags:
        if flag:
            endpoints.add(endpoint)


def _inputs(
    body: type[BaseModel] | None,
    body_optional: bool,
    query: type[BaseModel] | None,
    checks_phase: bool,
    max_body: int = JSON_BODY_LIMIT,
) -> dict[str, Any]:
    """The view's validated ``body`` and ``query``. When they do not validate, a route that checks
    the campaign's phase in its own write runs the write guard first: a finished campaign says so
    whatever was sent (guard.py)."""
    found: dict[str, Any] = {}
    try:
        if body is not None:
            raw = _json_body(max_body)
            found["body"] = body() if body_optional and not raw else validate_json(body, raw)
        if query is not None:
            found["query"] = parse_query(query, request.args)
    except Exception:
        if checks_phase:
            refuse_writes_after_final()
        raise
    return found


def _json_body(limit: int) -> bytes:
    """The request body, at most *limit* bytes: a longer one (declared, or streamed without a length)
    is a 413 before anything is parsed."""
    request.max_content_length = min(limit, request.max_content_length or limit)
    try:
        return request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise TooLarge(msg(N_("请求内容过大:不能超过 %(size)s。"), size=human_size(limit))) from None


def _document_body(
    rule: str, method: str, optional: bool, multipart: dict[str, Any] | None, max_body: int = JSON_BODY_LIMIT
) -> None:
    """An optional JSON body, a file upload's multipart form, and a body limit below the usual one,
    in the operation's document."""
    operation = SPEC_PATHS["/api/v1" + openapi_path(rule)][method.lower()]
    answer = operation["responses"].get("413")
    if max_body != JSON_BODY_LIMIT and answer is not None:
        answer["description"] = f"request too large (a JSON body of at most {human_size(max_body)})"
    if optional and "requestBody" in operation:
        operation["requestBody"]["required"] = False
    if multipart is not None:
        content = operation.setdefault("requestBody", {"required": True, "content": {}})["content"]
        content["multipart/form-data"] = {"schema": multipart}


def _render(result: Any, outputs: Responses) -> Any:
    if isinstance(result, Response):
        return result
    status = None
    if isinstance(result, tuple):
        result, status = result
    if status is None:
        status = min((s for s in outputs if 200 <= s < 300), default=200)
    spec = outputs.get(status)
    if spec is None:
        return reply(result, status)
    adapter = _adapter(spec)
    value = adapter.validate_python(result, from_attributes=True)
    return reply(adapter.dump_python(value, mode="json"), status)


@functools.cache
def _adapter(spec: Any) -> TypeAdapter[Any]:
    return TypeAdapter(spec)


def _document(
    rule: str,
    method: str,
    name: str,
    summary: str,
    tag: str,
    auth: str,
    body: type[BaseModel] | None,
    query: type[BaseModel] | None,
    declared: Responses,
    request_schema: dict[str, Any] | None,
) -> None:
    operation: dict[str, Any] = {"summary": summary, "tags": [tag], "operationId": name}
    params = [
        {
            "name": p,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        }
        for p in PATH_PARAM.findall(rule)
    ]
    if query is not None:
        params += _query_parameters(query)
    if params:
        operation["parameters"] = params
    if auth == "public":
        operation["security"] = []
    if body is not None:
        DECLARED.append((body, "validation"))
        request_schema = schema_ref(body, "validation")
    if request_schema is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": request_schema}},
        }
    operation["responses"] = _responses({**_common_errors(rule, method, auth), **declared})
    SPEC_PATHS.setdefault("/api/v1" + openapi_path(rule), {})[method.lower()] = operation


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF_TEMPLATE)
    COMPONENT_DEFS.update(schema.get("$defs", {}))
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": _not_null(prop)}
        for name, prop in schema.get("properties", {}).items()
    ]


def _not_null(prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is left out rather than sent as null: document only its value's type."""
    branches = [b for b in prop.get("anyOf", []) if b != {"type": "null"}]
    if len(branches) != 1:
        return prop
    rest = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
    return {**rest, **branches[0]}


def _common_errors(rule: str, method: str, auth: str) -> Responses:
    """The errors any operation may answer, whatever its view does: a malformed request, a bad
    bearer token (checked before every route, public ones too), a refused CSRF token or role, an
    unknown id in the path, a body over the size limit, a database that cannot be reached."""
    errors: Responses = {400: "invalid input", 401: "unauthenticated (missing or bad credentials)"}
    if auth != "public" or method in UNSAFE:
        errors[403] = "forbidden (or csrf_failed for a browser session)"
    if PATH_PARAM.search(rule):
        errors[404] = "not found, or not visible to this caller"
    if method in UNSAFE:
        errors[413] = "request too large"
    errors[503] = "database unavailable: send again after Retry-After"
    return errors


def _responses(responses: Responses) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for status, spec in responses.items():
        if isinstance(spec, str):
            out[str(status)] = {"description": spec}
        elif isinstance(spec, dict):
            out[str(status)] = {
                "description": spec.get("description", "OK"),
                "content": {"application/json": {"schema": spec["schema"]}},
            }
        else:
            DECLARED.append((spec, "serialization"))
            out[str(status)] = {
                "description": "OK",
                "content": {"application/json": {"schema": schema_ref(spec, "serialization")}},
            }
        if status >= 400:
            out[str(status)].setdefault(
                "content", {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
            )
    return out


REF_TEMPLATE = "#/components/schemas/{model}"
# JSON Schemas of every model the routes declare, keyed by model name.
COMPONENT_DEFS: dict[str, Any] = {}


def schema_ref(spec: Any, mode: str) -> dict[str, Any]:
    """The JSON Schema of *spec* for the document, its models hoisted into the components."""
    schema = TypeAdapter(spec).json_schema(ref_template=REF_TEMPLATE, mode=mode)  # type: ignore[arg-type]
    defs = schema.pop("$defs", {})
    COMPONENT_DEFS.update(defs)
    if isinstance(spec, type) and issubclass(spec, BaseModel):
        COMPONENT_DEFS[spec.__name__] = schema
        return {"$ref": REF_TEMPLATE.format(model=spec.__name__)}
    return schema
