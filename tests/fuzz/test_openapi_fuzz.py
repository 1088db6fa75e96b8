"""A property-based fuzz of the whole OpenAPI (schemathesis): no server error, no answer that breaks its schema.

It runs against the real app over its own committed database, so fuzzed data never reaches other tests.
"""

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
