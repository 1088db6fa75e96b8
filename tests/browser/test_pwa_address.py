"""Acceptance 4: a resident with location refused types an address, picks a suggestion, and the report lands
there, in the right commune and service; the confirmation, the public map and the email name the address."""

from functools import partial

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from dispatch import mailer, outbox, workflow
from dispatch.models import Report
from tests.browser.pwa_support import block_tiles
from tests.factories import actor

pytestmark = pytest.mark.browser
LABEL = "12 Rue Mercière 69002 Lyon"


def test_a_resident_without_location_picks_an_address_and_every_view_names_it(page, live_server, smtp_server):
    block_tiles(page)
    page.goto(live_server("/#/report"))
    page.get_by_label("Nid-de-poule").wait_for()
    # No location permission: the app says so, and the address field is the way to say where.
    page.locator("#place-status", has_text="indisponible").wait_for()
    page.locator("#place-text").press_sequentially("12 rue mercire", delay=40)  # a typo, no accent
    suggestion = page.get_by_role("button", name=LABEL)
    suggestion.wait_for()
    assert "proposée" in page.locator("#place-suggest-status").inner_text()
    suggestion.click()
    page.wait_for_selector("#report-map[data-source='address']")
    assert LABEL in page.locator("#place-status").inner_text()
    assert page.locator("#place-text").input_value() == LABEL

    page.get_by_label("Nid-de-poule").check()
    page.get_by_label("Décrivez le problème").fill("address journey: trou devant le 12")
    page.get_by_label("Adresse e-mail").fill("resident.address@example.org")
    page.get_by_label("Me prévenir de l'avancement par e-mail ou téléphone").check()
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.wait_for_selector(".done[data-state='sent']")
    assert page.locator("#done-address").inner_text() == f"Lieu : {LABEL}"
    ref = page.locator(".ref").inner_text()

    with live_server.engine.connect() as conn:
        row = conn.execute(text(
            "SELECT r.id, r.commune_code, r.zone_code, r.service_code, r.address, r.address_id, "
            "ST_DWithin(r.geom_l93, a.geom_l93, 0.5) AS at_address "
            "FROM reports r JOIN addresses a ON a.id = '69382_0001_00012' WHERE r.ref = :ref"),
            {"ref": ref}).mappings().one()
    assert (row["commune_code"], row["zone_code"], row["service_code"]) == ("69123", "69382", "voirie")
    assert (row["address"], row["address_id"], row["at_address"]) == (LABEL, "69382_0001_00012", True)

    # The public map's data, its popup and the list show the address, not coordinates.
    with page.expect_response(lambda r: "/api/v1/map/reports" in r.url) as loaded:
        page.goto(live_server("/map"))
    [feature] = [f for f in loaded.value.json()["features"] if f["properties"]["ref"] == ref]
    assert feature["properties"]["address"] == LABEL
    page.goto(live_server("/map/list"))
    assert page.locator("tr", has_text=ref).locator("td", has_text=LABEL).count() == 1
    page.goto(live_server(f"/reports/{ref}"))
    assert page.locator("#address").inner_text() == LABEL

    # The email the resident gets when the ticket is taken on names the place too.
    with Session(live_server.engine) as session:
        report = session.get(Report, row["id"])
        assert report is not None
        workflow.transition(session=session, report_id=report.id, to="triaged", actor=actor("agent", report),
                            version=report.version)
        handlers = {"email": partial(mailer.send, config=smtp_server.config())}
        while outbox.deliver_one(session=session, handlers=handlers) is not None:
            pass
        session.commit()
    # Both the acknowledgement of the report and the news that it was taken on name the place.
    mails = smtp_server.to("resident.address@example.org")
    assert sorted("reçu" in str(m["Subject"]) for m in mails) == [False, True]
    assert all(f"Lieu : {LABEL}" in m.get_content() for m in mails)
