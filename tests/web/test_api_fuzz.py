"""schemathesis fuzzes every documented operation (bodies, query strings, path ids) as the office:
whatever it sends, valid or not, the answer is never a 5xx and always matches the OpenAPI document
(``tests/contract.check_response``).

Bounded and repeatable: a few derandomized examples per operation, half of them built to violate
the schema; the campaign has units so that ids 1 and 2 name real rows.

Then a table of the values a hostile client tries first (``HOSTILE``: ids past 2**63 and negative,
days in year 1 and 9999, NUL, a lone surrogate, huge and fractional numbers, nested arrays where a
scalar belongs) goes into every property of every JSON body, every query parameter and every path
id: a value the document refuses is a 400 (a path id that names nothing a 404), any other is never a
5xx, and every answer matches the document.
"""

from __future__ import annotations

import itertools
import json
import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from schemathesis import GenerationMode

from evalflow import create_app
from evalflow.extensions import db
from evalflow.intake.models import ApplicationStatus
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.phases import Phase as CampaignPhase
from evalflow.survey import departments
from tests import factories as make
from tests.contract import check_response
from tests.factories import make_config

EXAMPLES = 3


def _load_document() -> dict[str, Any]:
    """The document of the routes (any app registers them all; this one never opens its database)."""
    app = create_app(make_config("sqlite://", Path(tempfile.gettempdir())))
    return app.test_client().get("/api/v1/openapi.json").get_json()


DOCUMENT = _load_document()
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.fixture
def office_headers(app):
    campaign = make.campaign(phase=CampaignPhase.INTAKE)
    make.unit(campaign, "甲社区", ApplicationStatus.SUBMITTED)
    make.unit(campaign, "乙社区", ApplicationStatus.DRAFT)
    headers = make.bearer(make.token(make.office()))
    db.session.commit()
    return headers


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_fuzz_office_never_gets_a_server_error(app, office_headers, operation):
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
    )

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # report the first failure as found: no shrinking
    )
    def fuzz(case: schemathesis.Case) -> None:
        response = case.call(app=app, headers=office_headers)
        assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:300]}"
        try:
            check_response(
                response.request.path_url.split("?")[0],
                case.method,
                response.status_code,
                response.headers.get("Content-Type", "").split(";")[0],
                response.content,
            )
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{response.request.method} {response.request.url}") from None

    fuzz()


# --- the hostile table ------------------------------------------------------------------------------

HOSTILE: list[Any] = [
    2**63,
    2**31,
    -(2**63) - 1,
    -1,
    0,
    10**400,  # past what a 64-bit float holds: the JSON parser's own limit
    1.5,
    1e308,
    float("nan"),  # sent as NaN, which pydantic's parser reads although JSON has no such number
    float("inf"),
    "1",
    "²",
    "٣",
    "%",
    "%00",
    "\x00",
    "\ud800",  # a lone surrogate, sent as the JSON escape "\\ud800"
    "0001-01-01",
    "9999-12-31",
    "9999-12-31T23:59:59-12:00",
    [1],
    [2**63],
    [[[[1]]]],
    {"a": [1]},
    None,
    True,
]
PATH_HOSTILE = ["-1", str(2**63), str(2**31), "9" * 30, "²", "٣", "%25", "%00", "1.5", "1e3"]
QUERY_HOSTILE = [str(2**63), "-1", "²", "٣", "%", "\x00", "0001-01-01", "9999-12-31", "1.5", "9" * 5000]


def _json_operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path template, request schema) of every operation with a JSON body."""
    return [
        (method.upper(), path, body["content"]["application/json"]["schema"])
        for path, item in DOCUMENT["paths"].items()
        for method, operation in item.items()
        for body in [operation.get("requestBody", {})]
        if "application/json" in body.get("content", {})
    ]


def _properties(schema: dict[str, Any]) -> list[str]:
    if "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return sorted(schema.get("properties", {}))


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(
        {**schema, "components": DOCUMENT["components"]}, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


_ADDRESSES = itertools.count(1)


def _another_address() -> dict[str, str]:
    """Each request from its own client address, so the objection limit (10 a minute) counts none twice."""
    n = next(_ADDRESSES)
    return {"REMOTE_ADDR": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"}


def _filled(path: str) -> str:
    return re.sub(r"\{\w+\}", "1", path)


OWN_CREDENTIAL = {("PUT", "/api/v1/campaigns/{cid}/units/{uid}/opinion")}  # a department's link token


def _credentials(method: str, path: str, office_headers: dict[str, str]) -> dict[str, str]:
    """The office's token, or for a route that takes a credential of its own (checked before the
    body: the office's token is a 401 there), a department's token for campaign 1."""
    if (method, path) not in OWN_CREDENTIAL:
        return office_headers
    campaign = db.session.get(Campaign, 1)
    _department, token = departments.create_department(make.office_actor(), campaign, "公安局")
    db.session.commit()
    return make.bearer(token)


def _refused(response: Any, expected: set[int], what: str) -> str | None:
    """None when the answer is one of *expected* in the contract's error shape (or a success when
    200 is expected too); else what went wrong."""
    body = response.get_json(silent=True) or {}
    if response.status_code not in expected:
        return f"{what}: {response.status_code} {response.get_data(as_text=True)[:200]}"
    if response.status_code >= 400 and set(body.get("error", {})) < {"code", "message"}:
        return f"{what}: {response.status_code} not in the error shape"
    return None


JSON_OPERATIONS = _json_operations()


@pytest.mark.parametrize(
    ("method", "path", "schema"), JSON_OPERATIONS, ids=[f"{m} {p}" for m, p, _ in JSON_OPERATIONS]
)
def test_hostile_values_in_every_json_property_are_400_when_refused_and_never_5xx(
    client, office_headers, method, path, schema
):
    validator, problems = _validator(schema), []
    headers = _credentials(method, path, office_headers)
    for prop in _properties(schema):
        for value in HOSTILE:
            body = {prop: value}
            expected = {400} if not validator.is_valid(body) else set(range(200, 500))
            response = client.open(
                _filled(path), method=method, data=json.dumps(body), content_type="application/json",
                headers=headers, environ_base=_another_address(),
            )  # fmt: skip
            problems.append(_refused(response, expected, f"{prop}={value!r:.40}"))
    assert [p for p in problems if p] == []


OPERATIONS_WITH_QUERY = [
    (method.upper(), path, [p for p in operation.get("parameters", []) if p["in"] == "query"])
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
    if any(p["in"] == "query" for p in operation.get("parameters", []))
]


@pytest.mark.parametrize(
    ("method", "path", "params"), OPERATIONS_WITH_QUERY, ids=[f"{m} {p}" for m, p, _ in OPERATIONS_WITH_QUERY]
)
def test_hostile_query_values_are_400_when_refused_and_never_5xx(
    client, office_headers, method, path, params
):
    problems = []
    for param in params:
        checker = _validator(param["schema"])
        for value in QUERY_HOSTILE:
            typed = param["schema"].get("type") in ("integer", "number", "boolean")
            refused = typed or not checker.is_valid(value)
            expected = {400} if refused else set(range(200, 500))
            url = f"{_filled(path)}?{param['name']}={quote(value)}"
            response = client.open(url, method=method, headers=office_headers)
            problems.append(_refused(response, expected, f"{param['name']}={value!r:.40}"))
    assert [p for p in problems if p] == []


PATHS_WITH_IDS = sorted({(m.upper(), p) for p, item in DOCUMENT["paths"].items() for m in item if "{" in p})


def test_hostile_path_ids_name_nothing_404(client, office_headers):
    problems = []
    for method, path in PATHS_WITH_IDS:
        for value in PATH_HOSTILE:
            url = re.sub(r"\{\w+\}", value, path)
            response = client.open(url, method=method, json={}, headers=office_headers)
            problems.append(_refused(response, {404}, f"{method} {url[:60]}"))
    assert [p for p in problems if p] == []
