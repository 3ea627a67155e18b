"""Every JSON answer the API test suite receives is checked against the OpenAPI document.

``ContractClient`` is the test client of every app the fixtures build (``tests/conftest.py``): after
each request to ``/api/v1/…`` it finds the documented operation (path template and method) and
fails the test when the status is not documented for it or the JSON body does not match the
schema documented for that status. The document is generated from the route declarations, so it
cannot drift from what the API does. Validators are built once per session and per schema.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

PREFIX = "/api/v1"


@functools.cache
def _document() -> dict[str, Any]:
    from evalflow.shared.api.openapi import document

    return json.loads(json.dumps(document()))


@functools.cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    """Path templates as patterns (ids are digits, as the ``int`` converter wants), fixed segments
    first (``/units/import`` before ``/units/{uid}``)."""
    paths = _document()["paths"]
    ordered = sorted(paths, key=lambda path: (path.count("{"), path))
    return [(re.compile("^" + re.sub(r"\\{[a-z_]+\\}", "[0-9]+", re.escape(p)) + "$"), p) for p in ordered]


def operation_for(path: str, method: str) -> tuple[str, dict[str, Any]] | None:
    paths = _document()["paths"]
    for pattern, template in _templates():
        if pattern.match(path) and method.lower() in paths[template]:
            return template, paths[template][method.lower()]
    return None


@functools.cache
def _validator(template: str, method: str, status: str) -> Draft202012Validator | None:
    response = _document()["paths"][template][method]["responses"][status]
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return None
    # Inline the components so the document's "#/components/..." references resolve.
    return Draft202012Validator({**schema, "components": _document()["components"]})


def check_response(path: str, method: str, status: int, mimetype: str, body: bytes) -> None:
    """Raise AssertionError when an API answer is not what the document says."""
    if not path.startswith(PREFIX + "/"):
        return
    found = operation_for(path, method)
    if found is None:
        return  # no such route: Flask's own 404/405, answered in the error shape elsewhere
    template, operation = found
    responses = operation["responses"]
    assert str(status) in responses, (
        f"{method} {template} answered {status}, not documented: {sorted(responses)}"
    )
    if mimetype != "application/json":
        return
    validator = _validator(template, method.lower(), str(status))
    assert validator is not None, f"{method} {template} {status} answered JSON but documents none"
    errors = sorted(validator.iter_errors(json.loads(body)), key=lambda e: list(e.absolute_path))
    assert not errors, f"{method} {template} {status} does not match its schema: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
    )


class ContractClient(FlaskClient):
    """The Flask test client, checking every API answer against the OpenAPI document."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = super().open(*args, **kwargs)
        request = response.request
        if request.path.startswith(PREFIX + "/") and not response.is_streamed:
            check_response(
                request.path, request.method, response.status_code, response.mimetype, response.get_data()
            )
        return response
