"""The administration in a real Chromium against the real server: an administrator previews a routing rule
on a point (the preview names the service it would go to), saves it, and the audit log page says so, as does
the database; axe-core on every administration page in French and English."""

import json
import re
import uuid

import pytest
from sqlalchemy import text

from tests.browser.backoffice_support import sign_in, staff_member
from tests.browser.pwa_support import axe_violations

pytestmark = pytest.mark.browser
HOTEL_DE_VILLE = ("45.7676", "4.8345")  # Lyon 1er (arrondissement 69381)


@pytest.fixture
def street_furniture_rule(live_server_no_tiles):
    """A rule of its own in the live database (street furniture in Lyon 1er), removed afterwards."""
    engine = live_server_no_tiles.engine
    team = f"mobilier-1er-{uuid.uuid4().hex[:6]}"
    with engine.begin() as conn:
        rule_id = conn.execute(text(
            "INSERT INTO routing_rules (category_code, zone_kind, zone_code, service_code, team, priority, note) "
            "VALUES ('mobilier', 'arrondissement', '69381', 'mobilier', :team, 0, 'browser test') RETURNING id"),
            {"team": team}).scalar()
    yield rule_id, team
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM routing_rules WHERE id = :id"), {"id": rule_id})


def test_an_admin_previews_then_changes_a_routing_rule_and_the_audit_log_says_so(page, live_server_no_tiles,
                                                                                  street_furniture_rule):
    server = live_server_no_tiles
    rule_id, team = street_furniture_rule
    admin = staff_member(server.engine, "admin", name="Adèle Admin")
    sign_in(page, server, admin)
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("navigation", name="Sections de l'administration").get_by_role(
        "link", name="Règles d'aiguillage").click()
    page.get_by_role("link", name=f"règle n°{rule_id}", exact=True).click()
    assert page.locator("h1").inner_text() == f"Modifier la règle d'aiguillage n°{rule_id}"

    page.get_by_label("Service (obligatoire)").select_option("voirie")
    page.get_by_label("Note").fill("Le mobilier du 1er passe à la voirie")
    page.get_by_label("Latitude").fill(HOTEL_DE_VILLE[0])
    page.get_by_label("Longitude").fill(HOTEL_DE_VILLE[1])
    page.get_by_label("Catégorie signalée").select_option("mobilier")
    page.get_by_role("button", name="Aperçu").click()
    now, then = page.inner_text("[data-preview='now']"), page.inner_text("[data-preview='then']")
    assert "(mobilier)" in now and team in now and f"règle n°{rule_id}" in now
    assert "(voirie)" in then and f"règle n°{rule_id}" in then
    assert page.get_by_role("status").inner_text() == "Ce point changerait de destination."
    assert axe_violations(page) == []
    with server.engine.connect() as conn:  # a preview keeps nothing
        assert conn.execute(text("SELECT service_code FROM routing_rules WHERE id = :id"),
                            {"id": rule_id}).scalar() == "mobilier"
    # The form is still as typed: save what was previewed.
    assert page.get_by_label("Note").input_value() == "Le mobilier du 1er passe à la voirie"
    page.get_by_role("button", name="Enregistrer").click()
    assert page.get_by_role("status").first.inner_text() == "Modification enregistrée."

    with server.engine.connect() as conn:
        assert conn.execute(text("SELECT service_code FROM routing_rules WHERE id = :id"),
                            {"id": rule_id}).scalar() == "voirie"
        rows = conn.execute(text("SELECT actor_id, actor_name, action, before, after FROM audit_log "
                                 "WHERE entity = 'routing_rule' AND entity_id = :id"), {"id": str(rule_id)}).all()
    assert len(rows) == 1
    actor_id, actor_name, action, before, after = rows[0]
    assert (actor_id, actor_name, action) == (f"staff:{admin['id']}", "Adèle Admin", "updated")
    assert (before["service_code"], after["service_code"]) == ("mobilier", "voirie")

    page.get_by_role("navigation", name="Sections de l'administration").get_by_role(
        "link", name="Journal d'audit").click()
    page.get_by_label("Élément").select_option("routing_rule")
    page.get_by_label("Auteur (nom ou identifiant)").fill("Adèle")
    page.get_by_role("button", name="Filtrer").click()
    line = page.locator(f"tr[data-entity='routing_rule'][data-entity-id='{rule_id}']")
    assert line.count() == 1
    said = line.inner_text()
    assert "Adèle Admin" in said and "modification" in said and "mobilier" in said and "voirie" in said
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", said)
    assert page.watch.errors_except() == []


ADMIN_PAGES = ("", "/categories", "/categories/new", "/categories/pothole", "/routing", "/routing/new", "/zones",
               "/deadlines", "/templates", "/templates/new", "/templates/1", "/accounts", "/keys", "/webhooks",
               "/audit")
WEST_BOX = {"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"code": "voirie-W", "name": "voirie W (redrawn)"},
    "geometry": {"type": "Polygon", "coordinates": [[[4.70, 45.70], [4.78, 45.70], [4.78, 45.80], [4.70, 45.80],
                                                     [4.70, 45.70]]]}}]}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_admin_page_passes_axe(page, live_server_no_tiles, lang):
    server = live_server_no_tiles
    admin = staff_member(server.engine, "admin", name=f"Axe Admin {lang}", language=lang)
    sign_in(page, server, admin, lang=lang)
    found = {}
    for path in ADMIN_PAGES:
        page.goto(server(f"/staff/admin{path}?lang={lang}"))
        found[path or "/"] = axe_violations(page)
    # A refused form too: the message, the marked field, the kept input.
    page.goto(server(f"/staff/admin/routing/new?lang={lang}"))
    page.locator("#f-zone_kind").select_option("commune")
    page.locator("#f-zone_code").fill("99999")
    page.locator("button[value='save']").click()
    assert page.locator("#f-zone_code[aria-invalid='true']").count() == 1
    assert page.locator("#f-zone_code").input_value() == "99999"
    found["refused"] = axe_violations(page)
    # An account's page, and a zone file's dry run drawn on the map (then discarded: the live zones stay).
    page.goto(server(f"/staff/admin/accounts/{admin['id']}?lang={lang}"))
    found["account"] = axe_violations(page)
    page.goto(server(f"/staff/admin/zones?lang={lang}"))
    page.locator("#f-file").set_input_files({"name": "voirie.geojson", "mimeType": "application/geo+json",
                                             "buffer": json.dumps(WEST_BOX).encode()})
    page.locator("#f-kind").select_option("sector")
    page.locator("#f-service_code").select_option("voirie")
    page.locator("form[enctype='multipart/form-data'] button[type='submit']").click()
    page.wait_for_selector("[data-zones-map][data-drawn]")
    assert page.locator("[data-zones='changed']").inner_text().startswith("voirie-W")
    assert page.locator(".leaflet-interactive").count() >= 1  # the new outline at least
    found["zones preview"] = axe_violations(page)
    page.locator("form[action$='/discard'] button").click()
    assert {k: v for k, v in found.items() if v} == {}
    # The refused form answers 422 by design; nothing else may fail.
    assert [e for e in page.watch.errors_except() if "status of 422" not in e] == []
