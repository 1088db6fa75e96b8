"""The public map in headless Chromium: markers per state after each filter, the list matches, nothing foreign."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from tests.maps.factory import BELLECOUR, VILLEURBANNE, plant

pytestmark = pytest.mark.browser

DAY = datetime(2015, 3, 10, 10, 0, tzinfo=UTC)
WINDOW = "since=2015-03-10&until=2015-03-10"
COUNT_MARKERS = """() => {
    const counts = {};
    RueCommune.current.cluster.getLayers().forEach(m => {
        counts[m.options.state] = (counts[m.options.state] || 0) + 1;
    });
    return counts;
}"""


def _loaded(page, generation: int) -> dict[str, int]:
    page.wait_for_selector(f'#rc-status[data-generation="{generation}"][data-total]', state="attached")
    return page.evaluate(COUNT_MARKERS)


def _listed(page) -> Counter:
    return Counter(page.eval_on_selector_all("#rc-list tbody tr", "rows => rows.map(r => r.dataset.state)"))


@pytest.fixture(scope="module")
def planted(live_server):
    recently = datetime.now(UTC) - timedelta(days=3)
    specs = (
        [{"point": BELLECOUR, "category": "pothole", "state": "new"}] * 2
        + [{"point": VILLEURBANNE, "category": "graffiti", "state": "new"}]
        + [{"point": BELLECOUR, "category": "graffiti", "state": "in_progress"}] * 2
        + [{"point": VILLEURBANNE, "category": "pothole", "state": "resolved", "resolved": recently}] * 2
        + [{"point": BELLECOUR, "category": "pothole", "state": "closed", "resolved": DAY + timedelta(days=2)}]
        + [{"point": BELLECOUR, "category": "pothole", "state": "rejected"}]
    )
    return plant(live_server.engine, *({**s, "created": DAY} for s in specs))


def test_markers_per_state_follow_every_filter_and_the_list_matches(page, live_server, planted):
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page.goto(live_server(f"/map?{WINDOW}"))
    # open reports, and resolved ones lately; the old closed one and the rejected one are not public
    assert _loaded(page, 1) == {"new": 3, "in_progress": 2, "resolved": 2}
    assert page.inner_text('.rc-count[data-state="new"]') == "(3)"
    assert page.inner_text("#rc-status").startswith("7 ")

    page.select_option("#rc-category", "voirie")
    assert _loaded(page, 2) == {"new": 2, "resolved": 2}
    page.uncheck('input[name="state"][value="resolved"]')
    assert _loaded(page, 3) == {"new": 2}
    page.select_option("#rc-category", "")
    assert _loaded(page, 4) == {"new": 3, "in_progress": 2}
    page.select_option("#rc-commune", "69266")
    assert _loaded(page, 5) == {"new": 1}
    page.check('input[name="state"][value="resolved"]')
    assert _loaded(page, 6) == {"new": 1, "resolved": 2}

    # the text alternative, reached from the map, lists the same reports
    page.click("#rc-list-link")
    page.wait_for_selector("#rc-list")
    assert _listed(page) == Counter({"new": 1, "resolved": 2})
    page.goto(live_server(f"/map/list?{WINDOW}"))
    assert _listed(page) == Counter({"new": 3, "in_progress": 2, "resolved": 2})

    own = live_server.url.split("//")[1]
    assert page.watch.hosts - {own, "tile.openstreetmap.org"} == set()
    assert page.watch.errors_except("tile.openstreetmap.org") == []


def test_with_tiles_off_no_request_leaves_the_platform(page, live_server_no_tiles, planted):
    page.goto(live_server_no_tiles(f"/map?{WINDOW}"))
    assert _loaded(page, 1) == {"new": 3, "in_progress": 2, "resolved": 2}
    page.wait_for_selector("path.leaflet-interactive, svg path", state="attached")  # commune outlines
    page.goto(live_server_no_tiles(f"/map/list?{WINDOW}&lang=en"))
    assert page.inner_text("h1") == "List of reports"
    own = live_server_no_tiles.url.split("//")[1]
    assert page.watch.hosts == {own}
    assert page.watch.errors_except() == []
