"""The hook that checks every API answer of the suite against the OpenAPI document really checks."""

from __future__ import annotations

import json

import pytest

from tests.contract import check_response, operation_for

CAMPAIGN = "/api/v1/campaigns/7"


def test_hook_finds_the_operation_of_a_concrete_path(app):
    template, operation = operation_for(CAMPAIGN + "/units/import", "POST")
    assert (template, operation["operationId"]) == ("/api/v1/campaigns/{cid}/units/import", "import_units")


def test_hook_refuses_an_undocumented_status(app):
    with pytest.raises(AssertionError, match="not documented"):
        check_response(CAMPAIGN, "GET", 418, "application/json", b"{}")


def test_hook_refuses_a_body_that_does_not_match_the_schema(app):
    body = json.dumps({"id": "seven", "title": "x"}).encode()
    with pytest.raises(AssertionError, match="does not match"):
        check_response(CAMPAIGN, "GET", 200, "application/json", body)


def test_hook_refuses_an_error_without_the_contract_shape(app):
    with pytest.raises(AssertionError, match="does not match"):
        check_response(CAMPAIGN, "GET", 404, "application/json", b'{"message": "gone"}')


def test_hook_accepts_an_error_in_the_contract_shape(app):
    body = json.dumps({"error": {"code": "not_found", "message": "未找到该内容。"}}).encode()
    check_response(CAMPAIGN, "GET", 404, "application/json", body)
