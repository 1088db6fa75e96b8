"""The public map in a real headless Chromium: it renders the reports and calls no third-party host."""

import httpx
import pytest

from tests.conftest import BELLECOUR

pytestmark = pytest.mark.browser


def test_map_renders_a_posted_report_with_no_foreign_request(page, live_server):
    created = httpx.post(live_server("/api/v1/reports"), json={
        "lat": BELLECOUR[0], "lon": BELLECOUR[1], "category": "pothole", "description": "browser test"})
    assert created.status_code == 201
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page.goto(live_server("/map"))
    page.wait_for_selector(".leaflet-container")
    page.wait_for_selector(".leaflet-interactive, .marker-cluster", timeout=10000)
    own = live_server.url.split("//")[1]
    assert page.watch.hosts - {own, "tile.openstreetmap.org"} == set()
    assert page.watch.errors_except("tile.openstreetmap.org") == []
