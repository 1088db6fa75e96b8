"""The public map past its marker cap: it loads the reports of the visible area, and again after each move."""

from datetime import UTC, datetime

import pytest

from tests.maps.factory import BELLECOUR, VENISSIEUX, VILLEURBANNE, plant

pytestmark = pytest.mark.browser

DAY = datetime(2015, 5, 20, 10, 0, tzinfo=UTC)
WINDOW = "since=2015-05-20&until=2015-05-20"


def _status(page, generation: int) -> tuple[int, str]:
    page.wait_for_selector(f'#rc-status[data-generation="{generation}"][data-total]', state="attached")
    return int(page.get_attribute("#rc-status", "data-total")), page.inner_text("#rc-status")


def test_past_the_cap_the_map_loads_what_is_in_view(live_server_few_markers, page):
    # Seven reports of one day, three cap the map (live_server_few_markers): two at Bellecour, five elsewhere.
    made = plant(live_server_few_markers.engine,
                 *([{"point": BELLECOUR, "created": DAY}] * 2 + [{"point": VILLEURBANNE, "created": DAY}] * 3
                   + [{"point": VENISSIEUX, "created": DAY}] * 2))
    page.goto(live_server_few_markers(f"/map?{WINDOW}"))
    # The first load stops at the cap and switches to the visible area, which still holds more than three.
    page.wait_for_function("() => RueCommune.current && RueCommune.current.byView === true")
    generation = int(page.evaluate("RueCommune.current.generation"))
    total, text = _status(page, generation)
    assert total == 3 and "zoomez" in text
    # Zoomed in on Bellecour: both of its reports, nothing cut off, and the list link names the same area.
    page.evaluate(f"RueCommune.current.map.setView([{BELLECOUR[0]}, {BELLECOUR[1]}], 16, {{animate: false}})")
    page.wait_for_function(f"() => RueCommune.current.generation > {generation}")
    total, text = _status(page, int(page.evaluate("RueCommune.current.generation")))
    refs = set(page.evaluate("RueCommune.current.cluster.getLayers().map(m => m.options.ref)"))
    assert total == 2 and refs == {r.ref for r in made[:2]}
    assert "zoomez" not in text and "affinez" not in text
    assert "bbox=" in (page.get_attribute("#rc-list-link", "href") or "")
    assert page.watch.errors_except() == []
    assert page.watch.hosts == {live_server_few_markers.url.split("//")[1]}
