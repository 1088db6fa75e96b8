"""Crew mode in the PWA, in a real Chromium against the real server: sign in, nearby tickets nearest first,
claim, start and resolve with an after photo (the resident gets the email), offline claims sent once, and
a stale-version conflict shown plainly."""

import re

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.db import session_factory
from dispatch import vocabulary, worker, workflow
from tests.browser.crew_support import crew_member, desk, history, point_at, sign_in, ticket_row, triaged_ticket
from tests.browser.pwa_support import TILE_HOST, axe_violations, block_tiles, geotagged_jpeg, wait_for_worker

pytestmark = pytest.mark.browser

# Each test works around its own spot of Lyon, far enough apart that their lists never mix.
PERRACHE = (45.7490, 4.8262)  # Lyon 2e
GERLAND = (45.7297, 4.8325)  # Lyon 7e
CROIX_ROUSSE = (45.7745, 4.8310)  # Lyon 4e


def stand_at(page, live_server, point):
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"latitude": point[0], "longitude": point[1], "accuracy": 6})


def card(page, ref):
    return page.locator(f"#crew-list > li[data-ref='{ref}']")


def fresh_list(page):
    page.wait_for_selector("#crew-list-box[data-fresh='1'][data-source='device']")


def test_a_crew_member_resolves_the_nearest_ticket_with_a_photo_and_the_resident_is_told(
        page, live_server, smtp_server, tmp_path):
    resident = "riveraine.perrache@example.org"
    # Filed in an order that is not the distance order: the list must sort them, not the database.
    distances = {520: 200.0, 80: 30.0, 900: 120.0, 260: 300.0}
    tickets = {}
    for metres, azimuth in distances.items():
        lat, lon = point_at(live_server.engine, PERRACHE, metres, azimuth)
        tickets[metres] = triaged_ticket(live_server, lat, lon, description=f"crew journey {metres} m",
                                         resident_email=resident)
    member = crew_member(live_server.engine)
    stand_at(page, live_server, PERRACHE)
    block_tiles(page)
    page.goto(live_server("/#/crew"))
    page.get_by_role("heading", name="Connexion des agents").wait_for()
    problems = {"sign-in": axe_violations(page)}
    sign_in(page, member)
    fresh_list(page)

    # Nearest first, distances in true metres, the category, the age, the thumbnail of the resident's photo.
    mine = {t["ref"]: m for m, t in tickets.items()}
    shown = [ref for ref in page.locator("#crew-list > li").evaluate_all("els => els.map(e => e.dataset.ref)")
             if ref in mine]
    assert shown == [tickets[m]["ref"] for m in sorted(distances)]
    for metres, ticket in tickets.items():
        item = card(page, ticket["ref"])
        measured = float(item.get_attribute("data-distance"))
        assert abs(measured - metres) < 1.5  # Lambert-93 metres against the geodesic ones
        assert f"à {round(measured)} m" in item.inner_text() and "Nid-de-poule" in item.inner_text()
        assert "signalé aujourd'hui" in item.inner_text()
        item.locator("img.thumb").wait_for()
        assert item.locator("img.thumb").evaluate("img => img.complete && img.naturalWidth > 0")
    # The same tickets on the map, with the crew's own position.
    assert page.locator("#crew-map .leaflet-marker-icon").count() >= len(tickets)
    assert page.locator("#crew-map path.leaflet-interactive, #crew-map path").count() >= 1
    problems["list"] = axe_violations(page)

    nearest = tickets[80]
    card(page, nearest["ref"]).get_by_role("button", name="Prendre en charge").click()
    card(page, nearest["ref"]).get_by_role("button", name="Commencer").wait_for()
    # The shift's route: from where the crew stands to the ticket it holds, with the total distance.
    page.get_by_text("1 arrêt(s)").wait_for()
    assert abs(float(page.get_attribute("#crew-route-summary", "data-distance")) - 80) < 1.5
    assert nearest["ref"] in page.locator("#crew-route-stops").inner_text()
    card(page, nearest["ref"]).get_by_role("button", name="Commencer").click()
    page.wait_for_selector(f"#crew-list > li[data-ref='{nearest['ref']}'][data-state='in_progress']")

    card(page, nearest["ref"]).get_by_role("link", name="Résoudre").click()
    page.get_by_role("heading", name=f"Résoudre {nearest['ref']}", level=1).wait_for()
    page.get_by_role("button", name="Marquer résolu").click()  # "fixed" without a photo: said, and focused
    errors = page.locator("#crew-form-errors")
    errors.get_by_text("ajoutez une photo après intervention").wait_for()
    assert page.evaluate("document.activeElement.id") == "crew-form-errors"
    problems["resolve, errors"] = axe_violations(page)
    photo = geotagged_jpeg(tmp_path / "after.jpg", *PERRACHE)
    page.locator("#crew-photo-pick").set_input_files(photo)
    page.wait_for_selector("#crew-photo-preview:not([hidden])")
    assert "1600" in page.locator("#crew-photo-status").inner_text()  # shrunk on the device
    page.get_by_label("Note d'intervention (facultatif)").fill("Trou rebouché à l'enrobé à froid")
    # Internal unless said otherwise (issue 14, #4): this note is for the resident.
    page.get_by_label("Montrer cette note à l'usager (sinon, elle reste interne au service)").check()
    page.get_by_role("button", name="Marquer résolu").click()
    page.get_by_role("heading", name="Mode équipe", level=1).wait_for()
    page.wait_for_selector(f"#announcer:has-text('Envoyé : résolution de {nearest['ref']}.')", state="attached")
    # Gone from a list fetched after the answer, with nothing left waiting on the device.
    page.wait_for_function("""ref => document.querySelector('#crew-list-box')?.dataset.fresh === '1'
        && !document.querySelector(`#crew-list > li[data-ref='${ref}']`) && !document.querySelector('#crew-waiting')""",
                           arg=nearest["ref"])

    row = ticket_row(live_server.engine, nearest["id"])
    assert (row["state"], row["outcome"], row["after_photos"]) == ("resolved", "fixed", 1)
    assert row["after_width"] <= 1600 and row["after_bytes"] < photo.stat().st_size
    moves = [(e["from_state"], e["to_state"], e["actor_id"]) for e in history(live_server.engine, nearest["id"])]
    by_crew = f"staff:{member['id']}"
    assert [m for m in moves if m[2] == by_crew and m[1]] == [
        ("triaged", "assigned", by_crew), ("assigned", "in_progress", by_crew), ("in_progress", "resolved", by_crew)]
    # The other tickets are untouched.
    assert {ticket_row(live_server.engine, t["id"])["state"] for m, t in tickets.items() if m != 80} == {"triaged"}

    # The outbox worker sends the resolution email, with the after photo, over the real SMTP server.
    worker.drain(factory=session_factory(live_server.engine), handlers=worker.default_handlers(smtp_server.config()))
    [mail] = [m for m in smtp_server.to(resident) if m["Subject"] == f"[Rue Commune] {nearest['ref']} : résolu"]
    body = mail.get_content()
    assert "est résolu : réparé" in body and "Trou rebouché à l'enrobé à froid" in body
    assert f"/photos/{row['after']}/display.jpg" in body

    own = live_server.url.split("//")[1]
    assert page.watch.hosts - {own, TILE_HOST} == set()
    assert page.watch.errors_except(TILE_HOST) == []
    assert {screen: found for screen, found in problems.items() if found} == {}


def test_a_claim_made_offline_is_sent_once_when_the_network_returns(page, live_server):
    lat, lon = point_at(live_server.engine, GERLAND, 150, 45)
    ticket = triaged_ticket(live_server, lat, lon, description="crew offline claim")
    member = crew_member(live_server.engine)
    stand_at(page, live_server, GERLAND)
    block_tiles(page)
    page.goto(live_server("/#/crew"))
    wait_for_worker(page)
    sign_in(page, member)
    fresh_list(page)

    keys: list[str] = []

    def lose_the_first_answer(route):
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            route.fetch()  # the server records the claim...
            route.abort("connectionreset")  # ...and its answer never reaches the phone
        else:
            route.continue_()

    page.context.route(f"**/api/v1/crews/me/tickets/{ticket['id']}/claim", lose_the_first_answer)
    page.context.set_offline(True)
    card(page, ticket["ref"]).get_by_role("button", name="Prendre en charge").click()
    card(page, ticket["ref"]).get_by_text("Prise en charge en attente d'envoi").wait_for()
    page.get_by_role("heading", name="Actions en attente d'envoi (1)").wait_for()
    # The list says it is the copy kept on the device, not a fresh one.
    assert "hors connexion" in page.locator("#crew-list-status").inner_text()
    assert keys == [] and ticket_row(live_server.engine, ticket["id"])["state"] == "triaged"
    # The app shell, crew modules included, opens offline; the claim still waits, the list is the kept copy.
    page.reload()
    page.get_by_role("heading", name="Actions en attente d'envoi (1)").wait_for()
    card(page, ticket["ref"]).get_by_text("Prise en charge en attente d'envoi").wait_for()
    assert "hors connexion" in page.locator("#crew-list-status").inner_text()

    page.context.set_offline(False)
    page.get_by_text("réseau indisponible").wait_for()  # the first attempt's answer was lost
    assert ticket_row(live_server.engine, ticket["id"])["assignee_id"] == member["id"]
    page.get_by_role("button", name="Réessayer maintenant").click()
    page.wait_for_selector("#crew-waiting", state="detached")
    card(page, ticket["ref"]).get_by_role("button", name="Commencer").wait_for()

    assert len(keys) >= 2 and len(set(keys)) == 1  # every attempt carried the one key
    moves = [(e["from_state"], e["to_state"]) for e in history(live_server.engine, ticket["id"])]
    assert moves.count(("triaged", "assigned")) == 1
    row = ticket_row(live_server.engine, ticket["id"])
    assert (row["state"], row["assignee_id"]) == ("assigned", member["id"])
    assert page.watch.hosts - {live_server.url.split("//")[1], TILE_HOST} == set()
    # Offline, nothing was even tried (thumbnails came from the worker's cache); the one failure is the
    # answer this test cut.
    claim_url = live_server(f"/api/v1/crews/me/tickets/{ticket['id']}/claim")
    assert page.watch.errors_except(TILE_HOST) == ["Failed to load resource: net::ERR_CONNECTION_RESET", claim_url]


def test_where_geolocation_is_refused_the_crew_places_a_pin_which_is_remembered(page, live_server):
    start = (45.7578, 4.8320)  # where the pin map opens: the centre of the metropolis
    lat, lon = point_at(live_server.engine, start, 250, 160)
    ticket = triaged_ticket(live_server, lat, lon, description="crew pin")
    member = crew_member(live_server.engine)
    block_tiles(page)  # and no geolocation permission: the device's position is refused
    page.goto(live_server("/#/crew"))
    sign_in(page, member)
    page.get_by_text("Position inconnue").wait_for()
    pin_map = page.get_by_role("region", name=re.compile("l'épingle marque votre position"))
    pin_map.focus()
    page.keyboard.press("ArrowDown")  # the map moves, the pin stays at its centre
    page.get_by_role("button", name="Mesurer depuis l'épingle").click()
    page.wait_for_selector("#crew-list-box[data-fresh='1'][data-source='map']")
    status = page.locator("#crew-pos-status")
    pin = (float(status.get_attribute("data-lat")), float(status.get_attribute("data-lon")))
    assert pin != start and abs(pin[0] - start[0]) < 0.01
    with live_server.engine.connect() as conn:
        expected = conn.execute(text(
            "SELECT ST_Distance(ST_Transform(ST_SetSRID(ST_MakePoint(:lon1, :lat1), 4326), 2154), "
            "ST_Transform(ST_SetSRID(ST_MakePoint(:lon2, :lat2), 4326), 2154))"),
            {"lat1": pin[0], "lon1": pin[1], "lat2": lat, "lon2": lon}).scalar_one()
    assert abs(float(card(page, ticket["ref"]).get_attribute("data-distance")) - expected) < 0.5
    assert page.get_by_role("button", name="Placer ma position sur la carte").get_attribute("aria-expanded") == "false"

    # Next time, still refused: the last known position is used at once, and said to be so.
    page.reload()
    page.wait_for_selector("#crew-list-box[data-fresh='1'][data-source='map']")
    assert "Position placée sur la carte." in status.inner_text()
    problems = {"list, pin": axe_violations(page)}

    # Claimed, then handed back with the reason the service needs.
    card(page, ticket["ref"]).get_by_role("button", name="Prendre en charge").click()
    card(page, ticket["ref"]).get_by_role("link", name="Rendre au service").click()
    page.get_by_role("heading", name=f"Rendre {ticket['ref']} au service", level=1).wait_for()
    page.get_by_role("button", name="Rendre le ticket").click()
    page.locator("#crew-form-errors").get_by_text("indiquez le motif").wait_for()
    problems["hand back, errors"] = axe_violations(page)
    page.get_by_label("Motif").fill("Besoin d'une nacelle")
    page.get_by_role("button", name="Rendre le ticket").click()
    page.wait_for_selector(f"#announcer:has-text('Envoyé : retour de {ticket['ref']} au service.')", state="attached")
    card(page, ticket["ref"]).get_by_role("button", name="Prendre en charge").wait_for()
    # Back on the list, the focus is on the ticket the form was about.
    page.wait_for_function("ref => document.activeElement.closest('li')?.dataset.ref === ref", arg=ticket["ref"])
    row = ticket_row(live_server.engine, ticket["id"])
    assert (row["state"], row["assignee_id"]) == ("triaged", None)
    last = history(live_server.engine, ticket["id"])[-1]
    assert (last["to_state"], last["note"], last["actor_id"]) == (
        "triaged", "Besoin d'une nacelle", f"staff:{member['id']}")
    assert page.watch.errors_except(TILE_HOST) == []
    assert {screen: found for screen, found in problems.items() if found} == {}


def test_a_ticket_changed_meanwhile_is_a_conflict_the_crew_reads_plainly(page, live_server):
    lat, lon = point_at(live_server.engine, CROIX_ROUSSE, 200, 300)
    ticket = triaged_ticket(live_server, lat, lon, description="crew stale claim")
    member = crew_member(live_server.engine)
    stand_at(page, live_server, CROIX_ROUSSE)
    block_tiles(page)
    page.goto(live_server("/#/crew"))
    sign_in(page, member)
    fresh_list(page)
    assert int(card(page, ticket["ref"]).get_attribute("data-version")) == ticket["version"]

    # Meanwhile the service schedules the work: the version the crew read is now stale.
    with Session(live_server.engine) as session:
        workflow.transition(session=session, report_id=ticket["id"], to="scheduled",
                            actor=desk("service_staff", service_code="voirie"), version=ticket["version"],
                            note="Programmé jeudi avec la nacelle")
        session.commit()

    card(page, ticket["ref"]).get_by_role("button", name="Prendre en charge").click()
    conflict = page.locator("#crew-refused li[data-code='ticket.stale_version']")
    conflict.wait_for()
    text = conflict.inner_text()
    assert "Le ticket a changé entre-temps" in text
    assert f"vous avez envoyé la version {ticket['version']}" in text
    # The states are named as on every other surface (dispatch/vocabulary.py, served to the app as states.js).
    triaged, scheduled = vocabulary.label("triaged", "fr"), vocabulary.label("scheduled", "fr")
    assert f"{triaged} → {scheduled}" in text and "Programmé jeudi avec la nacelle" in text
    assert f"Le ticket est maintenant : {scheduled}" in text
    # The focus moves to the conflict once the screen has been painted again (after the list and the map).
    page.wait_for_function("document.activeElement?.dataset.code === 'ticket.stale_version'", timeout=10_000)
    row = ticket_row(live_server.engine, ticket["id"])
    assert (row["state"], row["assignee_id"]) == ("scheduled", None)
    problems = {"conflict": axe_violations(page)}

    # Never dropped silently: it is still there after a reload, until the crew dismisses it.
    page.reload()
    conflict.wait_for()
    page.get_by_role("button", name="English").click()
    page.locator("#crew-refused").get_by_text("The ticket changed in the meantime").wait_for()
    problems["conflict, en"] = axe_violations(page)
    page.locator("#crew-refused").get_by_role("button", name=re.compile("^Read, remove")).click()
    page.wait_for_selector("#crew-refused", state="detached")
    # The list, fresh again, offers the claim on the current version.
    page.get_by_role("button", name="Refresh").click()
    page.wait_for_selector(f"#crew-list > li[data-ref='{ticket['ref']}'][data-version='{row['version']}']")
    card(page, ticket["ref"]).get_by_role("button", name="Claim").click()
    page.wait_for_selector(f"#announcer:has-text('Sent: claim of {ticket['ref']}.')", state="attached")
    card(page, ticket["ref"]).get_by_role("button", name="Start").wait_for()
    assert ticket_row(live_server.engine, ticket["id"])["assignee_id"] == member["id"]
    # The one line in the console is Chromium's own note of the 409 this test provoked; nothing from the app.
    assert page.watch.errors_except(TILE_HOST) == [
        "Failed to load resource: the server responded with a status of 409 (Conflict)"]
    assert {screen: found for screen, found in problems.items() if found} == {}
