"""Open311 fixtures: the partner key the endpoint accepts, and readers of the spec's example files."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from defusedxml import ElementTree as SafeET

from api.open311.settings import get_open311_settings

EXAMPLES = Path(__file__).resolve().parent / "spec_examples"
API_KEY = "test-open311-partner-key"


@pytest.fixture
def open311_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An API key the endpoint accepts for POST."""
    monkeypatch.setenv("RUECOMMUNE_OPEN311_API_KEYS", f"another-key,{API_KEY}")
    get_open311_settings.cache_clear()
    yield API_KEY
    get_open311_settings.cache_clear()


def example_json(name: str) -> Any:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


def example_xml(name: str) -> Any:
    return SafeET.fromstring((EXAMPLES / f"{name}.xml").read_bytes())
