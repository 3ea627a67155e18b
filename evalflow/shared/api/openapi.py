"""``GET /api/v1/openapi.json``: the OpenAPI 3.1 document, built from the registered routes."""

from __future__ import annotations

from typing import Any

from flask import Response

from evalflow.shared.api.routes import COMPONENT_DEFS, SPEC_PATHS, reply, route, schema_ref
from evalflow.shared.api.schemas import Done, Error
from evalflow.version import VERSION

HEALTH = {
    "get": {
        "summary": "Liveness probe",
        "security": [],
        "responses": {
            "200": {
                "description": "ok",
                "content": {"application/json": {"schema": schema_ref(Done, "serialization")}},
            }
        },
    }
}
schema_ref(Error, "serialization")  # every error response refers to it


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "evalflow API",
            "version": VERSION,
            "description": "文明单位评选 — the public JSON API v1. Errors: {error: {code, message, fields?, reasons?}}.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {"/healthz": HEALTH, **dict(sorted(SPEC_PATHS.items()))},
        "components": {
            "schemas": dict(sorted(COMPONENT_DEFS.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@route(
    "/openapi.json",
    "GET",
    summary="This document",
    tag="meta",
    auth="public",
    responses={200: {"description": "the OpenAPI 3.1 document", "schema": {"type": "object"}}},
)
def openapi_json() -> Response:
    return reply(document())
