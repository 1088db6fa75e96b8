"""The public map's search box in a real headless Chromium: type an address, pick a suggestion, the map centres
there (the platform's geocoder over the demo addresses)."""

import pytest
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.browser


def test_typing_an_address_and_picking_it_centres_the_map_there(page, live_server, live_database_url):
    engine = create_engine(live_database_url)
    with engine.connect() as db:
        lat, lon = db.execute(text(
            "SELECT ST_Y(geom), ST_X(geom) FROM addresses WHERE street_name = 'Rue Mercière' AND number = 12 "
            "AND rep = ''")).one()
    engine.dispose()
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page.goto(live_server("/map?lang=en"))
    page.wait_for_selector(".leaflet-container")
    box = page.locator("#rc-place")
    box.wait_for(state="visible")
    box.press_sequentially("12 rue merciere", delay=30)
    page.wait_for_function("document.querySelector('#rc-place').value === '12 rue merciere'")
    suggestion = page.locator("#rc-place-list button", has_text="12 Rue Mercière")
    suggestion.first.wait_for(state="visible", timeout=10000)
    assert page.locator("#rc-place-status").inner_text().endswith("addresses suggested")
    suggestion.first.click()
    page.wait_for_function(
        "([lat, lon]) => { const c = window.RueCommune.current.map.getCenter();"
        " return Math.abs(c.lat - lat) < 1e-5 && Math.abs(c.lng - lon) < 1e-5; }", arg=[lat, lon], timeout=10000)
    assert page.evaluate("window.RueCommune.current.map.getZoom()") == 18
    assert "12 Rue Mercière" in page.locator("#rc-place-status").inner_text()
    assert box.input_value().startswith("12 Rue Mercière")
    own = live_server.url.split("//")[1]
    assert page.watch.hosts - {own, "tile.openstreetmap.org"} == set()
    assert page.watch.errors_except("tile.openstreetmap.org") == []


def test_keyboard_down_and_enter_picks_a_suggestion(page, live_server):
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page.goto(live_server("/map?lang=fr"))
    box = page.locator("#rc-place")
    box.wait_for(state="visible")
    box.fill("villeurbane")  # one input event: no later answer re-draws the list under the keyboard
    page.locator("#rc-place-list button").first.wait_for(state="visible", timeout=10000)
    box.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_function("window.RueCommune.current.map.getZoom() === 14", timeout=10000)
    assert "Villeurbanne" in page.locator("#rc-place-status").inner_text()
