"""Open311 fixtures: partner API keys, and readers of the spec's example files."""

import json
from pathlib import Path
from typing import Any

import pytest
from defusedxml import ElementTree as SafeET
from sqlalchemy.orm import Session

from core import users
from tests.conftest import LiveServer

EXAMPLES = Path(__file__).resolve().parent / "spec_examples"


@pytest.fixture
def open311_key(session: Session) -> str:
    """A partner's API key, in the test's transaction (for `client`)."""
    _key, clear = users.create_api_key(session=session, name="Partner app", role="partner")
    session.commit()  # releases the savepoint: a request that fails and rolls back keeps the key
    return clear


@pytest.fixture(scope="session")
def live_open311_key(live_server: LiveServer) -> str:
    """A partner's API key committed in the live server's database."""
    with Session(live_server.engine) as session:
        _key, clear = users.create_api_key(session=session, name="Live partner app", role="partner")
        session.commit()
    return clear


def example_json(name: str) -> Any:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


def example_xml(name: str) -> Any:
    return SafeET.fromstring((EXAMPLES / f"{name}.xml").read_bytes())
