"""The OpenAPI document describes every API route."""

from __future__ import annotations

import re


def test_openapi_is_3_1_and_lists_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes
    assert routes <= documented, routes - documented
    assert ("/api/v1/campaigns/{cid}/transitions", "post") in documented
    assert ("/healthz", "get") in documented


def test_openapi_error_schema_matches_contract(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    error = schemas["Error"]["properties"]["error"]
    error = schemas[error["$ref"].rsplit("/", 1)[1]] if "$ref" in error else error
    assert error["required"] == ["code", "message"]
    assert {"fields", "reasons"} <= set(error["properties"])
