"""A resident reports from the PWA in a real Chromium: photo with EXIF GPS, offline submission, exactly once."""

import httpx
import pytest
from sqlalchemy import text

from tests.browser.pwa_support import block_tiles, geotagged_jpeg, reports_with, wait_for_worker
from tests.conftest import BELLECOUR, VILLEURBANNE_TOWN_HALL

pytestmark = pytest.mark.browser


def test_photo_exif_places_the_pin_and_the_report_reaches_the_right_service(page, live_server, tmp_path):
    photo = geotagged_jpeg(tmp_path / "tree.jpg", *VILLEURBANNE_TOWN_HALL)
    block_tiles(page)
    page.goto(live_server("/#/report"))
    page.get_by_label("Arbre tombé").wait_for()

    # The browser has no location permission: the place comes from the photo.
    page.locator("#photo-pick").set_input_files(photo)
    page.wait_for_selector("#report-map[data-source='photo_exif']")
    lat = float(page.get_attribute("#report-map", "data-lat"))
    lon = float(page.get_attribute("#report-map", "data-lon"))
    assert abs(lat - VILLEURBANNE_TOWN_HALL[0]) < 1e-4 and abs(lon - VILLEURBANNE_TOWN_HALL[1]) < 1e-4
    # The pin sits at the map's centre, which is the photo's place.
    pin = page.locator("#report-map .leaflet-marker-icon").bounding_box()
    box = page.locator("#report-map").bounding_box()
    assert abs((pin["x"] + pin["width"] / 2) - (box["x"] + box["width"] / 2)) <= 2
    assert abs((pin["y"] + pin["height"]) - (box["y"] + box["height"] / 2)) <= 2
    # The photo was shrunk on the device before anything left it.
    assert "1600" in page.locator("#photo-status").inner_text()

    page.get_by_label("Arbre tombé").check()
    page.get_by_label("Décrivez le problème").fill("journey: arbre couché devant la mairie")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.wait_for_selector(".done[data-state='sent']")
    ref = page.locator(".ref").inner_text()

    [report] = reports_with(live_server.engine, "journey: arbre couché devant la mairie")
    assert report["ref"] == ref
    assert report["commune_code"] == "69266"
    assert report["service_code"] == "villeurbanne_espaces_verts"
    assert report["category_code"] == "fallen_tree"
    assert abs(report["lat"] - VILLEURBANNE_TOWN_HALL[0]) < 1e-4
    # The place travelled inside the shrunk photo, so the platform knows it came from the photo.
    assert report["location_source"] == "exif"
    assert report["photos"] == 1

    # The public map loads its reports from the platform: the new one is among them, and drawn.
    own = live_server.url.split("//")[1]
    hosts_of_the_app = set(page.watch.hosts)
    with page.expect_response(lambda r: "/api/v1/map/reports" in r.url) as loaded:
        page.goto(live_server("/map"))
    assert any(f["properties"]["ref"] == ref for f in loaded.value.json()["features"])
    page.wait_for_selector(".leaflet-interactive, .marker-cluster, .leaflet-marker-icon")
    assert hosts_of_the_app - {own, "tile.openstreetmap.org"} == set()
    assert page.watch.hosts - {own, "tile.openstreetmap.org"} == set()
    assert page.watch.errors_except("tile.openstreetmap.org") == []


def test_a_report_made_offline_is_sent_exactly_once_when_the_network_returns(page, live_server, tmp_path):
    context = page.context
    context.grant_permissions(["geolocation"], origin=live_server.url)
    context.set_geolocation({"latitude": BELLECOUR[0], "longitude": BELLECOUR[1], "accuracy": 12})
    block_tiles(page)
    page.goto(live_server("/#/report"))
    wait_for_worker(page)
    page.get_by_label("Nid-de-poule").wait_for()
    page.wait_for_selector("#report-map[data-source='device']")

    context.set_offline(True)
    page.locator("#photo-pick").set_input_files(geotagged_jpeg(tmp_path / "hole.jpg", *VILLEURBANNE_TOWN_HALL))
    page.wait_for_selector("#photo-preview:not([hidden])")
    # The device's own fix wins over the photo's place.
    assert page.get_attribute("#report-map", "data-source") == "device"
    page.get_by_label("Nid-de-poule").check()
    page.get_by_label("Décrivez le problème").fill("offline: nid-de-poule place Bellecour")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.wait_for_selector(".done[data-state='waiting']")
    assert reports_with(live_server.engine, "offline: nid-de-poule place Bellecour") == []
    page.get_by_role("link", name="Voir mes signalements").click()
    page.wait_for_selector("#waiting-list [data-status='waiting']")

    context.set_offline(False)
    page.wait_for_selector("#sent-list [data-ref]")
    page.wait_for_selector("#waiting-list-empty")
    [report] = reports_with(live_server.engine, "offline: nid-de-poule place Bellecour")
    assert report["commune_code"] == "69123"
    assert report["photos"] == 1
    assert report["location_source"] == "device"
    assert page.locator("#sent-list [data-ref]").first.get_attribute("data-ref") == report["ref"]


def test_an_answer_lost_on_the_way_back_is_retried_with_the_same_key_and_files_one_report(page, live_server):
    context = page.context
    context.grant_permissions(["geolocation"], origin=live_server.url)
    context.set_geolocation({"latitude": 45.7640, "longitude": 4.8357, "accuracy": 8})
    block_tiles(page)
    keys: list[str] = []

    def lose_the_answer(route):
        if route.request.method != "POST":
            route.continue_()
            return
        keys.append(route.request.headers["idempotency-key"])
        route.fetch()  # the server files the report...
        route.abort("connectionreset")  # ...and its answer never reaches the phone

    page.route("**/api/v1/reports", lose_the_answer)
    page.goto(live_server("/#/report"))
    page.get_by_label("Graffiti / tag").wait_for()
    page.wait_for_selector("#report-map[data-source='device']")
    page.get_by_label("Graffiti / tag").check()
    page.get_by_label("Décrivez le problème").fill("halfway: tag sur la façade")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.get_by_role("link", name="Voir mes signalements").click()
    # The first attempt reached the server but its answer was lost: the report waits on the phone.
    page.get_by_text("1 tentative(s) ; dernière erreur : réseau indisponible").wait_for()
    assert len(reports_with(live_server.engine, "halfway: tag sur la façade")) == 1

    page.unroute("**/api/v1/reports")
    page.get_by_role("button", name="Réessayer maintenant").click()
    page.wait_for_selector("#sent-list [data-ref]")
    [report] = reports_with(live_server.engine, "halfway: tag sur la façade")
    assert page.locator("#sent-list [data-ref]").first.get_attribute("data-ref") == report["ref"]
    assert len(keys) >= 1 and len(set(keys)) == 1  # every attempt carried the one key


def test_an_open_report_nearby_is_offered_and_followed_instead_of_filed_again(page, live_server):
    first = httpx.post(live_server("/api/v1/reports"), json={
        "lat": 45.7485, "lon": 4.8467, "category": "broken_streetlight", "description": "dupes: lampadaire"})
    assert first.status_code == 201
    context = page.context
    context.grant_permissions(["geolocation"], origin=live_server.url)
    context.set_geolocation({"latitude": 45.74852, "longitude": 4.84672, "accuracy": 5})
    block_tiles(page)
    page.goto(live_server("/#/report"))
    page.get_by_label("Lampadaire en panne").wait_for()
    page.wait_for_selector("#report-map[data-source='device']")
    page.get_by_label("Lampadaire en panne").check()
    offer = page.locator("#duplicates")
    offer.get_by_role("heading", name="Déjà signalé ?").wait_for()
    assert first.json()["ref"] in offer.inner_text()
    page.get_by_label("Adresse e-mail").fill("voisine@example.org")
    offer.get_by_role("button", name=f"Suivre ce signalement {first.json()['ref']}").click()
    offer.get_by_text(f"Vous suivez le signalement {first.json()['ref']}.").wait_for()
    with live_server.engine.connect() as conn:
        roles = conn.execute(text(
            "SELECT rr.role FROM report_reporters rr JOIN residents r ON r.id = rr.resident_id "
            "WHERE rr.report_id = :id AND r.email = 'voisine@example.org'"), {"id": first.json()["id"]}).scalars().all()
    assert roles == ["follower"]
    assert len(reports_with(live_server.engine, "dupes: lampadaire")) == 1
