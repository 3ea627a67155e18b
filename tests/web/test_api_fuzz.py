"""schemathesis fuzzes every documented operation (bodies, query strings, path ids) as the office:
whatever it sends, valid or not, the answer is never a 5xx and always matches the OpenAPI document
(``tests/contract.check_response``).

Bounded and repeatable: a few derandomized examples per operation, half of them built to violate
the schema; the campaign has units so that ids 1 and 2 name real rows.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from evalflow import create_app
from evalflow.domain.phases import Phase as CampaignPhase
from evalflow.extensions import db
from evalflow.models import ApplicationStatus
from tests import factories as make
from tests.contract import check_response
from tests.factories import make_config

EXAMPLES = 3


def _load_schema() -> schemathesis.BaseSchema:
    """The document of the routes (any app registers them all; this one never opens its database)."""
    app = create_app(make_config("sqlite://", Path(tempfile.gettempdir())))
    return schemathesis.openapi.from_dict(app.test_client().get("/api/v1/openapi.json").get_json())


SCHEMA = _load_schema()
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.fixture
def office_headers(app):
    campaign = make.campaign(phase=CampaignPhase.INTAKE)
    make.unit(campaign, "甲社区", ApplicationStatus.SUBMITTED, report=True)
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
