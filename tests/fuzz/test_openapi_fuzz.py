"""A property-based fuzz of the whole OpenAPI (schemathesis): no server error, no answer that breaks its schema.

It runs against the real app over its own committed database, so fuzzed data never reaches other tests.
"""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from api.app import create_app
from api.ratelimit import RateLimiter
from core import migrate
from geo.demo import load_territory


@pytest.fixture(scope="module")
def fuzz_app(fresh_database):
    url = fresh_database()
    migrate.upgrade(url)
    engine = create_engine(url, hide_parameters=True)
    with Session(engine) as session:
        load_territory(session=session)
        session.commit()
    app = create_app(engine)
    app.state.intake_limiter = RateLimiter(10**6, 600)  # fuzzing is not abuse
    yield app
    engine.dispose()


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_error_and_answers_match_the_schema(case):
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance, content_type_conformance])


# -- hostile input over every operation (issue 14, acceptance 3): NUL bytes and JSON nested 1,000 deep --------

NUL = "\x00"


def _with_nul(value):
    """The same data with a NUL byte inside every string value: what a hostile client sends."""
    if isinstance(value, str):
        return value[: len(value) // 2] + NUL + value[len(value) // 2:]
    if isinstance(value, dict):
        return {k: _with_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_nul(v) for v in value]
    return value


@pytest.fixture(scope="module")
def admin_key(fuzz_app):
    from core import users

    with fuzz_app.state.session_factory() as session:
        _key, clear = users.create_api_key(session=session, name="fuzz admin", role="admin")
        session.commit()
    return clear


@schema.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_nul_bytes_in_every_string_are_never_a_server_error(case, admin_key):
    """Generated cases, every string given a NUL byte, sent anonymously and with an administrator's key."""
    case.query = _with_nul(case.query) if case.query else case.query
    case.path_parameters = _with_nul(case.path_parameters) if case.path_parameters else case.path_parameters
    if isinstance(case.body, (dict, list, str)):
        case.body = _with_nul(case.body)
    case.call_and_validate(checks=[not_a_server_error])
    case.call_and_validate(checks=[not_a_server_error], headers={"X-API-Key": admin_key})


def test_json_nested_a_thousand_deep_is_never_a_server_error(fuzz_app, api_schema, admin_key):
    """Every operation that takes a JSON body gets a list and an object nested 1,000 deep."""
    from fastapi.testclient import TestClient

    bodies = ["[" * 1000 + "]" * 1000, '{"a":' * 1000 + "1" + "}" * 1000]
    operations = [result.ok() for result in api_schema.get_all_operations()]
    with_json = [op for op in operations if any("json" in alternative.media_type for alternative in op.body)]
    assert len(with_json) >= 10
    with TestClient(fuzz_app, raise_server_exceptions=False) as client:
        for operation in with_json:
            path = re.sub(r"\{\w+\}", "1", operation.path.replace("{fmt}", "json"))
            for body in bodies:
                for headers in ({}, {"X-API-Key": admin_key}):
                    answer = client.request(operation.method.upper(), path, content=body,
                                            headers={"content-type": "application/json", **headers})
                    assert answer.status_code < 500, (operation.method, path, answer.text[:200])
