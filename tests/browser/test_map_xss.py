"""A resident's `<img src=x onerror=alert(1)>` shows as text on the map popup, the list and the report page."""

from datetime import UTC, datetime

import pytest

from tests.maps.factory import BELLECOUR, plant

pytestmark = pytest.mark.browser

PAYLOAD = "<img src=x onerror=alert(1)>"


def test_description_is_text_everywhere(page, live_server_no_tiles):
    report, = plant(live_server_no_tiles.engine, {"point": BELLECOUR, "category": "graffiti", "description": PAYLOAD,
                                                  "created": datetime(2015, 4, 10, 9, 0, tzinfo=UTC)})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(live_server_no_tiles("/map?since=2015-04-10&until=2015-04-10"))
    page.wait_for_selector('#rc-status[data-total="1"]', state="attached")
    page.click(".rc-marker")
    popup = page.wait_for_selector(".rc-popup")
    assert popup.query_selector(".rc-description").inner_text() == PAYLOAD
    assert report.ref in popup.inner_text()
    assert page.query_selector('img[src="x"]') is None

    page.goto(live_server_no_tiles("/map/list?since=2015-04-10&until=2015-04-10"))
    assert page.inner_text("#rc-list tbody td:nth-child(6)") == PAYLOAD
    assert page.query_selector('img[src="x"]') is None

    page.goto(live_server_no_tiles(f"/reports/{report.ref}"))
    assert PAYLOAD in page.inner_text("body")
    assert page.query_selector('img[src="x"]') is None

    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.watch.errors_except() == []
