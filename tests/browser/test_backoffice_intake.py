"""The new request entered on a resident's behalf (/staff/new) in a real Chromium against the real server: a phone
request by address for a resident found by phone (their two app reports shown), a commune agent's counter request
without JavaScript who cannot open another commune's resident, a duplicate that becomes a follow, axe-core FR/EN.
Each checks the database and the outbox."""

import random
import uuid
from functools import partial

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from dispatch import mailer, outbox
from geo.geocoding.builtin import address_by_id
from geo.service import assign
from tests.browser.backoffice_support import BELLECOUR, outbox_emails, sign_in, staff_member
from tests.browser.pwa_support import axe_violations
from tests.photo_files import phone_jpeg

pytestmark = pytest.mark.browser

MERCIERE = "12 Rue Mercière 69002 Lyon"
MERCIERE_ID = "69382_0001_00012"


def a_phone() -> tuple[str, str]:
    """A French mobile number as a caller says it, and as it is stored (E.164)."""
    digits = f"{random.randrange(10**7, 10**8)}"
    return f"06 {digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}", f"+336{digits}"


def app_report(server, *, phone, email, name, description, where=BELLECOUR, category="pothole"):
    """A report through the live public API, as the app sends it: contact, consents to hear and be remembered."""
    answer = httpx.post(server("/api/v1/reports"), json={
        "lat": where[0], "lon": where[1], "category": category, "description": description,
        "contact": {"name": name, "email": email, "phone": phone, "language": "fr",
                    "consent_updates": True, "consent_remember": True}})
    assert answer.status_code == 201, answer.text
    return answer.json()


def report_row(engine, ref):
    with engine.connect() as conn:
        return dict(conn.execute(text(
            "SELECT r.id, r.channel, r.entered_by_staff_id, r.commune_code, r.zone_code, r.service_code, "
            "r.address, r.address_id, ST_Y(r.geom) AS lat, ST_X(r.geom) AS lon, r.location_source "
            "FROM reports r WHERE r.ref = :ref"), {"ref": ref}).mappings().one())


def reporters(engine, report_id):
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(
            "SELECT rr.resident_id, rr.role, rr.contact_consent, rr.channel, r.email, r.phone FROM report_reporters rr "
            "JOIN residents r ON r.id = rr.resident_id WHERE rr.report_id = :id ORDER BY rr.created_at"),
            {"id": report_id}).mappings()]


def created_event(engine, report_id):
    with engine.connect() as conn:
        return dict(conn.execute(text(
            "SELECT actor_kind, actor_id, role, channel FROM report_events WHERE report_id = :id "
            "AND action = 'created'"), {"id": report_id}).mappings().one())


def deliver(server, smtp_server):
    with Session(server.engine) as session:
        handlers = {"email": partial(mailer.send, config=smtp_server.config())}
        for _ in range(500):
            if outbox.deliver_one(session=session, handlers=handlers) is None:
                break
            session.commit()


def test_an_agent_enters_a_phone_request_by_address_for_a_resident_found_by_phone(page, live_server_no_tiles,
                                                                                   smtp_server):
    server = live_server_no_tiles
    said, stored = a_phone()
    email = f"jeanne-{uuid.uuid4().hex[:6]}@example.org"
    first = app_report(server, phone=said, email=email, name="Jeanne Martin", description="Trou rue A")
    second = app_report(server, phone=said, email=email, name="Jeanne Martin", description="Tag rue B",
                        category="graffiti", where=(BELLECOUR[0] + 0.002, BELLECOUR[1]))
    agent = staff_member(server.engine, "agent", name="Paul Téléphone")
    sign_in(page, server, agent)
    page.get_by_role("link", name="Nouvelle demande").click()
    assert page.locator("h1").inner_text() == "Nouvelle demande pour un usager"
    assert page.get_by_label("Canal de la demande").input_value() == "phone"
    page.get_by_label("Rechercher un usager (nom, e-mail ou téléphone)").fill(said.replace(" ", "."))
    page.get_by_role("button", name="Rechercher l'usager").click()
    card = page.locator(".rc-found .rc-caller")
    assert card.count() == 1
    assert stored in card.inner_text() and email in card.inner_text()
    assert set(card.locator("tr[data-ref]").evaluate_all("rows => rows.map(r => r.dataset.ref)")) == {
        first["ref"], second["ref"]}
    page.get_by_role("button", name="Choisir Jeanne Martin").click()
    # Picked: her card and both earlier requests stay, and nothing she gave is asked again.
    assert "rien de ce qu'il a déjà donné ne lui est redemandé" in page.inner_text("#resident")
    assert page.locator("#resident tr[data-ref]").count() == 2
    assert page.get_by_label("Adresse e-mail").count() == 0 and page.get_by_label("Téléphone", exact=True).count() == 0

    page.get_by_label("Adresse", exact=True).fill("12 rue merciere")
    page.get_by_role("button", name="Chercher l'adresse").click()
    page.get_by_label(MERCIERE).check()
    page.get_by_label("Catégorie", exact=True).select_option("broken_streetlight")
    page.get_by_label("Description", exact=True).fill("Lampadaire éteint devant le 12, signalé par téléphone")
    page.get_by_role("button", name="Chercher le même problème à proximité").click()
    assert page.get_by_label("Description", exact=True).input_value().startswith("Lampadaire éteint")  # nothing lost
    page.get_by_role("button", name="Enregistrer la demande").click()
    assert page.get_by_role("status").first.inner_text().startswith("Demande enregistrée")
    ref = page.url.split("/staff/tickets/")[1].split("?")[0]

    row = report_row(server.engine, ref)
    assert (row["channel"], row["entered_by_staff_id"]) == ("phone", agent["id"])
    assert (row["address"], row["address_id"], row["location_source"]) == (MERCIERE, MERCIERE_ID, "address")
    with server.engine.connect() as conn:
        at = conn.execute(text("SELECT ST_DWithin(r.geom_l93, a.geom_l93, 0.5) FROM reports r, addresses a "
                               "WHERE r.ref = :ref AND a.id = :id"), {"ref": ref, "id": MERCIERE_ID}).scalar_one()
    assert at is True  # the geocoded point of the address
    with Session(server.engine) as session:  # the routing rules' own answer for that point and category
        routed = assign(session=session, lat=row["lat"], lon=row["lon"], category="broken_streetlight")
    assert (row["commune_code"], row["zone_code"]) == ("69123", "69382")
    assert (row["service_code"], row["commune_code"]) == (routed.service_code, routed.commune_code) == (
        "eclairage", "69123")
    assert created_event(server.engine, row["id"]) == {"actor_kind": "staff", "actor_id": f"staff:{agent['id']}",
                                                       "role": "agent", "channel": "phone"}
    earlier = reporters(server.engine, first["id"])[0]["resident_id"]
    [joined] = reporters(server.engine, row["id"])
    assert joined["role"] == "original" and joined["contact_consent"] is True and joined["phone"] == stored
    assert joined["resident_id"] == earlier  # the record her first app report made
    # The same acknowledgement as her app reports got, through the outbox and real SMTP.
    acks = [m for m in outbox_emails(server.engine, row["id"]) if "signalement reçu" in m["subject"]]
    assert [(m["to"], m["lang"]) for m in acks] == [(email, "fr")]
    app_acks = [m for m in outbox_emails(server.engine, first["id"]) if "signalement reçu" in m["subject"]]
    assert len(app_acks) == 1 and app_acks[0]["text"].split("\n")[2].split(" ")[:4] == \
        acks[0]["text"].split("\n")[2].split(" ")[:4]
    deliver(server, smtp_server)
    mails = [m for m in smtp_server.to(email) if ref in str(m["Subject"])]
    assert len(mails) == 1 and MERCIERE in mails[0].get_content()
    page.goto(server(f"/staff/tickets/{ref}"))
    assert "Paul Téléphone" in page.inner_text(".rc-facts") and email in page.inner_text(".rc-people")
    assert page.watch.errors_except() == []


def test_a_commune_agent_enters_a_counter_request_without_javascript_and_cannot_open_another_communes_resident(
        browser, live_server_no_tiles, tmp_path):
    server = live_server_no_tiles
    lyon_phone, lyon_stored = a_phone()
    lyon = app_report(server, phone=lyon_phone, email=f"lyon-{uuid.uuid4().hex[:6]}@example.org",
                      name="Léa Lyonnaise", description="Trou à Lyon")
    lyon_resident = reporters(server.engine, lyon["id"])[0]["resident_id"]
    with Session(server.engine) as session:  # a house number of Villeurbanne, as the geocoder labels it
        address_id = session.execute(text("SELECT id FROM addresses WHERE citycode = '69266' AND number IS NOT NULL "
                                          "ORDER BY id LIMIT 1")).scalar_one()
        label = address_by_id(session=session, address_id=address_id).label
    clerk = staff_member(server.engine, "commune_staff", name="Chloé Guichet", commune_code="69266")
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, server, clerk)
        page.get_by_role("link", name="Nouvelle demande").click()
        assert page.get_by_label("Canal de la demande").input_value() == "counter"
        # Lyon's resident is not hers: the search does not list them...
        page.get_by_label("Rechercher un usager (nom, e-mail ou téléphone)").fill(lyon_phone)
        page.get_by_role("button", name="Rechercher l'usager").click()
        assert page.locator(".rc-found .rc-caller").count() == 0
        assert "Aucun usager trouvé dans votre périmètre" in page.inner_text(".rc-found")
        page.get_by_label("Rechercher un usager (nom, e-mail ou téléphone)").fill("Léa Lyonnaise")
        page.get_by_role("button", name="Rechercher l'usager").click()
        assert page.locator(".rc-found .rc-caller").count() == 0
        assert lyon_stored not in page.content() and "Lyonnaise" not in page.inner_text(".rc-found")
        # ... and neither the address nor a forged form opens them.
        assert page.goto(server(f"/staff/new?resident={lyon_resident}")).status == 404
        assert lyon_stored not in page.content()
        page.goto(server("/staff/new"))
        # A forged pick of that record (the form's own token and session) gets nothing either.
        cookies = {c["name"]: c["value"] for c in context.cookies()}
        csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
        answer = httpx.post(server("/staff/new"), cookies=cookies, data={
            "csrf_token": csrf, "pick": str(lyon_resident), "lang": "fr"}, headers={"Origin": server("")})
        assert answer.status_code == 404 and lyon_stored not in answer.text

        # A new resident at the counter, with her consents, and the place by address search (no script).
        page.get_by_label("Nom", exact=True).fill("Vera Villeurbannaise")
        page.get_by_label("Adresse e-mail").fill("not an email")
        page.get_by_label("L'usager accepte d'être informé de l'avancement (e-mail)").check()
        page.get_by_label("L'usager accepte que ses coordonnées soient gardées pour le reconnaître").check()
        page.get_by_label("Adresse", exact=True).fill(label)
        page.get_by_role("button", name="Chercher l'adresse").click()
        page.get_by_label(label).check()
        page.get_by_label("Catégorie", exact=True).select_option("graffiti")
        page.get_by_label("Description", exact=True).fill("Tag sur le mur de l'école, signalé au guichet")
        photo = tmp_path / "tag.jpg"
        photo.write_bytes(phone_jpeg(gps=True))  # taken at Bellecour: the address picked wins
        page.get_by_label("Photos (JPEG, PNG, WebP ou HEIC)").set_input_files(photo)
        page.get_by_role("button", name="Enregistrer la demande").click()
        # A refused submit keeps everything typed, the error beside its field; a file must be chosen again.
        field = page.get_by_label("Adresse e-mail")
        assert field.get_attribute("aria-invalid") == "true"
        assert "n'est pas une adresse e-mail" in page.inner_text(f"#{field.get_attribute('aria-describedby')}")
        typed = page.get_by_label("Description", exact=True).input_value()
        assert typed == "Tag sur le mur de l'école, signalé au guichet"
        assert page.get_by_label("Nom", exact=True).input_value() == "Vera Villeurbannaise"
        assert page.get_by_label("Catégorie", exact=True).input_value() == "graffiti"
        assert "1 photo(s) à choisir de nouveau" in page.inner_text("#rc-photos-again")
        email = f"vera-{uuid.uuid4().hex[:6]}@example.org"
        field.fill(email)
        page.get_by_label("Photos (JPEG, PNG, WebP ou HEIC)").set_input_files(photo)
        page.get_by_role("button", name="Enregistrer la demande").click()
        if page.locator("#rc-nearby-list li").count():  # similar reports shown first: record anyway
            page.get_by_label("Photos (JPEG, PNG, WebP ou HEIC)").set_input_files(photo)
            page.get_by_role("button", name="Enregistrer la demande").click()
        assert page.get_by_role("status").first.inner_text().startswith("Demande enregistrée")
        ref = page.url.split("/staff/tickets/")[1].split("?")[0]
    finally:
        context.close()
    row = report_row(server.engine, ref)
    assert (row["channel"], row["entered_by_staff_id"], row["commune_code"]) == ("counter", clerk["id"], "69266")
    assert (row["address_id"], row["location_source"]) == (address_id, "address")
    with server.engine.connect() as conn:  # the photo went through the same checks and storage as any upload
        photos = conn.execute(text("SELECT kind FROM report_photos WHERE report_id = :id"), {"id": row["id"]}).all()
    assert [p[0] for p in photos] == ["before"]
    [vera] = reporters(server.engine, row["id"])
    assert vera["email"] == email and vera["contact_consent"] is True and vera["channel"] == "counter"
    with server.engine.connect() as conn:
        consents = {tuple(r) for r in conn.execute(text(
            "SELECT data_kind, purpose, granted, channel, recorded_by_staff_id FROM resident_consents "
            "WHERE resident_id = :id"), {"id": vera["resident_id"]})}
    assert consents == {("email", "report_updates", True, "counter", clerk["id"]),
                        ("name", "remember_me", True, "counter", clerk["id"]),
                        ("email", "remember_me", True, "counter", clerk["id"])}
    acks = [m for m in outbox_emails(server.engine, row["id"]) if "signalement reçu" in m["subject"]]
    assert [m["to"] for m in acks] == [email]
    assert created_event(server.engine, row["id"])["channel"] == "counter"


def test_a_duplicate_becomes_a_follow_while_typing(page, live_server_no_tiles):
    server = live_server_no_tiles
    with server.engine.connect() as conn:
        lat, lon = conn.execute(text("SELECT ST_Y(geom), ST_X(geom) FROM addresses WHERE id = :id"),
                                {"id": MERCIERE_ID}).one()
    tag = uuid.uuid4().hex[:6]
    existing = app_report(server, phone=a_phone()[0], email=f"first-{tag}@example.org", name="Premier",
                          description=f"Banc cassé {tag}", where=(lat, lon + 0.0001), category="damaged_bench")
    agent = staff_member(server.engine, "agent", name="Zoé Suivi", language="en")
    sign_in(page, server, agent, lang="en")
    page.goto(server("/staff/new?lang=en"))
    page.get_by_label("Name", exact=True).fill("Sam Follower")
    follower = f"follow-{tag}@example.org"
    page.get_by_label("Email address").fill(follower)
    page.get_by_label("The resident agrees to hear how it progresses (email)").check()
    box = page.get_by_label("Address", exact=True)
    with page.expect_response(lambda r: "/api/v1/addresses/search" in r.url):
        box.press_sequentially("12 rue merc", delay=30)
    page.locator(f"#rc-address-list option[value='{MERCIERE}']").wait_for(state="attached")
    with page.expect_response(lambda r: "/api/v1/reports/nearby-duplicates" in r.url):
        page.get_by_label("Category", exact=True).select_option("damaged_bench")
        box.fill(MERCIERE)  # the suggestion picked: its point is set, the reports nearby are asked for
    page.locator(f"#rc-nearby-list li[data-ref='{existing['ref']}']").wait_for()
    assert "Point picked on the map" in page.inner_text("#rc-point")
    page.get_by_role("button", name=f"Add the resident as a follower of {existing['ref']}").click()
    assert page.get_by_role("status").first.inner_text() == "The resident now follows this report and is told so."
    roles = {(r["email"], r["role"], r["contact_consent"]) for r in reporters(server.engine, existing["id"])}
    assert (follower, "follower", True) in roles
    with server.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM reports WHERE description LIKE :d"),
                            {"d": f"%{tag}%"}).scalar_one() == 1  # no second ticket
        event = conn.execute(text("SELECT actor_kind, actor_id FROM report_events WHERE report_id = :id AND "
                                  "action = 'follower_added'"), {"id": existing["id"]}).one()
    assert tuple(event) == ("staff", f"staff:{agent['id']}")
    told = [m for m in outbox_emails(server.engine, existing["id"]) if m["to"] == follower]
    assert len(told) == 1 and "you follow this report" in told[0]["subject"] and told[0]["lang"] == "en"
    assert page.watch.errors_except() == []


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_new_request_pages_pass_axe(page, live_server_no_tiles, lang):
    server = live_server_no_tiles
    said, _ = a_phone()
    app_report(server, phone=said, email=f"axe-{uuid.uuid4().hex[:6]}@example.org", name="Ada Axe",
               description="Trou")
    found = {}
    for role, scope in (("agent", {}), ("commune_staff", {"commune_code": "69123"})):
        page.context.clear_cookies()
        member = staff_member(server.engine, role, name=f"Axe {role}", language=lang, **scope)
        sign_in(page, server, member, lang=lang, path="/staff/new")
        found[f"{role}:blank"] = axe_violations(page)
        page.locator("#f-who").fill(said if role == "agent" else "Nobody Atall")
        page.locator("button[name=step][value=find]").click()
        found[f"{role}:found"] = axe_violations(page)
        if role == "agent":
            page.locator("button[name=pick]").first.click()
            found[f"{role}:picked"] = axe_violations(page)
        page.locator("#f-address").fill("zzzz qqqq")
        page.locator("#rc-search-address").click()
        page.locator("button[name=step][value=file].rc-primary").click()
        assert page.locator("#rc-errors").count() == 1
        found[f"{role}:errors"] = axe_violations(page)
    page.context.clear_cookies()
    service = staff_member(server.engine, "service_staff", name="Axe service", language=lang, service_code="voirie")
    sign_in(page, server, service, lang=lang)
    assert page.goto(server(f"/staff/new?lang={lang}")).status == 403
    found["refused"] = axe_violations(page)
    assert {k: v for k, v in found.items() if v} == {}
