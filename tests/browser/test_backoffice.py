"""The back office in a real Chromium against the real server: an agent's journey with JavaScript off
(triage, transfer with a reason, answer with a template in English), a merge that keeps and tells every
resident once (real SMTP), two agents on one ticket (presence, a stale submit that loses nothing), and
axe-core on every staff page in French and English."""

import re
import uuid
from functools import partial

import pytest
from sqlalchemy.orm import Session

from dispatch import mailer, outbox
from maps.states import label
from tests.browser.backoffice_support import (
    BELLECOUR,
    history,
    outbox_emails,
    resident_report,
    sign_in,
    staff_member,
    ticket,
)
from tests.browser.pwa_support import axe_violations

pytestmark = pytest.mark.browser


def move(lang: str, state: str) -> str:
    """The name of the ticket page's button for a move, from the one vocabulary of state names."""
    return (f"Passer à « {label(state, 'fr')} »" if lang == "fr" else f"Move to '{label(state, 'en')}'")


def test_an_agent_triages_transfers_and_answers_in_english_without_javascript(browser, live_server_no_tiles):
    server = live_server_no_tiles
    john = f"john-{uuid.uuid4().hex[:6]}@example.org"
    report = resident_report(server, email=john, language="en", name="John Smith",
                             description=f"Deep pothole {uuid.uuid4().hex[:6]}")
    agent = staff_member(server.engine, "agent", name="Alice Accueil")
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, server, agent)
        assert page.locator("h1").inner_text().startswith("À qualifier")
        me = page.inner_text(".rc-me")
        assert "Alice Accueil" in me and "agent du centre de relation" in me and "toute la métropole" in me
        page.get_by_label("Rechercher (référence ou description)").fill(report["ref"])
        page.get_by_role("button", name="Filtrer").click()
        assert page.url.endswith(f"q={report['ref']}") or f"q={report['ref']}" in page.url  # the filter is in the URL
        page.get_by_role("link", name=report["ref"]).click()
        page.get_by_role("button", name=move("fr", "triaged")).click()
        assert page.get_by_role("status").first.inner_text() == "Ticket mis à jour."
        assert ticket(server.engine, report["id"])["state"] == "triaged"

        page.get_by_label("Service destinataire").select_option("eau")
        page.get_by_label("Motif").fill("Une fuite d'eau sous la chaussée, pas un nid-de-poule")
        page.get_by_role("button", name="Transférer", exact=True).click()
        assert page.get_by_role("status").first.inner_text() == "Ticket transféré."
        row = ticket(server.engine, report["id"])
        assert (row["state"], row["service_code"]) == ("triaged", "eau")
        moved = [h for h in history(server.engine, report["id"]) if h["action"] == "transferred"]
        assert len(moved) == 1 and moved[0]["note"].startswith("Une fuite d'eau") and moved[0]["public"] is False

        page.get_by_label("Modèle de réponse").select_option("acknowledged")
        page.get_by_role("button", name="Charger le modèle").click()
        box = page.get_by_label("Message en anglais (1 destinataires)")
        draft = box.input_value()
        assert draft.startswith("Hello,") and report["ref"] in draft and "{ref}" not in draft
        box.fill(draft + "\nWe found it was a water leak.")
        page.get_by_role("button", name="Envoyer la réponse").click()
        assert page.get_by_role("status").first.inner_text() == "Réponse envoyée."
        answers = [m for m in outbox_emails(server.engine, report["id"])
                   if "answer from the relations centre" in m["subject"]]
        assert len(answers) == 1 and answers[0]["to"] == john and answers[0]["lang"] == "en"
        assert "We found it was a water leak." in answers[0]["text"] and report["ref"] in answers[0]["text"]
        # The history tells public moves from internal lines.
        assert page.locator(".rc-history li.rc-internal[data-action='transferred']").count() == 1
        assert page.locator(".rc-history li.rc-public[data-action='transition']").count() >= 1
    finally:
        context.close()


def test_a_merge_keeps_every_resident_and_emails_each_once(page, live_server_no_tiles, smtp_server):
    server = live_server_no_tiles
    tag = uuid.uuid4().hex[:6]
    first, second = f"first-{tag}@example.org", f"second-{tag}@example.org"
    kept = resident_report(server, email=first, language="fr", name="Paule Premier", description=f"Trou {tag}",
                           where=(BELLECOUR[0] + 0.01, BELLECOUR[1]))
    duplicate = resident_report(server, email=second, language="en", name="Sam Second", description=f"Hole {tag}",
                                where=(BELLECOUR[0] + 0.0101, BELLECOUR[1]))
    agent = staff_member(server.engine, "agent", name="Bruno Bureau", language="en")
    sign_in(page, server, agent, lang="en")
    page.goto(server(f"/staff/tickets/{duplicate['ref']}?lang=en"))
    assert kept["ref"] in page.inner_text(".rc-nearby")  # offered among the nearby reports
    problems = {"ticket": axe_violations(page)}
    page.get_by_label("Reference of the ticket that stays").fill(kept["ref"])
    page.get_by_role("button", name="Merge (every resident is kept and told)").click()
    assert page.get_by_role("status").first.inner_text() == "Ticket merged; its residents are told."
    assert ticket(server.engine, duplicate["id"])["merged_into_id"] == kept["id"]
    page.goto(server(f"/staff/tickets/{kept['ref']}?lang=en"))
    people = page.inner_text(".rc-people")
    assert first in people and second in people and "from a merged duplicate" in people
    problems["merged"] = axe_violations(page)
    # Delivered through real SMTP: the duplicate's resident hears of it once, the kept ticket's not at all.
    with Session(server.engine) as session:
        handlers = {"email": partial(mailer.send, config=smtp_server.config())}
        for _ in range(500):
            if outbox.deliver_one(session=session, handlers=handlers) is None:
                break
            session.commit()
    told = [m for m in smtp_server.messages
            if "now follows" in str(m["Subject"]) or "suit désormais" in str(m["Subject"])]
    assert [str(m["To"]) for m in told if tag in str(m["To"])] == [second]
    assert kept["ref"] in told[-1].get_content()
    assert problems == {"ticket": [], "merged": []}
    assert page.watch.errors_except() == []


def test_two_agents_on_one_ticket_see_each_other_and_a_stale_submit_loses_nothing(browser, live_server_no_tiles):
    server = live_server_no_tiles
    report = resident_report(server, email=f"r-{uuid.uuid4().hex[:6]}@example.org", language="fr",
                             name="Rose Résidente", description="Trou dangereux",
                             where=(BELLECOUR[0] - 0.01, BELLECOUR[1]))
    first = staff_member(server.engine, "agent", name="Agathe Première")
    second = staff_member(server.engine, "agent", name="Ben Second", language="en")
    one, two = browser.new_context(locale="fr-FR"), browser.new_context(locale="en-GB")
    try:
        page_one, page_two = one.new_page(), two.new_page()
        sign_in(page_one, server, first)
        page_one.goto(server(f"/staff/tickets/{report['ref']}"))
        sign_in(page_two, server, second, lang="en")
        page_two.goto(server(f"/staff/tickets/{report['ref']}"))
        banner = page_two.locator(".rc-presence-banner").inner_text()
        assert re.fullmatch(r"Agathe Première has had it open since \d\d:\d\d\.", banner), banner
        # The queue shows it too.
        page_two.goto(server(f"/staff/queues/triage?q={report['ref']}"))
        assert "open by Agathe Première since" in page_two.inner_text(f"tr[data-ref='{report['ref']}']")
        page_two.go_back()

        page_one.get_by_role("button", name=move("fr", "triaged")).click()
        assert ticket(server.engine, report["id"])["state"] == "triaged"
        before = ticket(server.engine, report["id"])
        page_two.get_by_label("Service to send it to").select_option("eau")
        page_two.get_by_label("Reason").fill("Water is coming out of the hole")
        page_two.get_by_role("button", name="Transfer", exact=True).click()
        stale = page_two.locator("#rc-stale").inner_text()
        assert "This ticket changed since you opened it: nothing was saved" in stale
        assert f"{label('new', 'en')} → {label('triaged', 'en')}" in stale
        assert page_two.get_by_label("Reason").input_value() == "Water is coming out of the hole"
        assert page_two.get_by_label("Service to send it to").input_value() == "eau"
        assert ticket(server.engine, report["id"]) == before  # nothing written
        assert axe_violations(page_two) == []
        # Having read what changed, the agent sends it again, now on the current version.
        page_two.get_by_role("button", name="Transfer", exact=True).click()
        assert page_two.get_by_role("status").first.inner_text() == "Ticket transferred."
        assert ticket(server.engine, report["id"])["service_code"] == "eau"
    finally:
        one.close()
        two.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_staff_page_passes_axe(page, live_server_no_tiles, lang):
    server = live_server_no_tiles
    report = resident_report(server, email=f"axe-{uuid.uuid4().hex[:6]}@example.org", language=lang,
                             name="Ada Axe", description="Lampadaire éteint",
                             where=(BELLECOUR[0], BELLECOUR[1] + 0.01))
    found = {}
    page.goto(server(f"/staff?lang={lang}"))
    found["signin"] = axe_violations(page)
    for role, scope in (("agent", {}), ("service_staff", {"service_code": "voirie"}),
                        ("commune_staff", {"commune_code": "69123"})):
        page.context.clear_cookies()
        member = staff_member(server.engine, role, name=f"Axe {role}", language=lang, **scope)
        sign_in(page, server, member, lang=lang)
        queues = sorted(set(re.findall(r'/staff/queues/(\w+)\?', page.content())))
        for queue in queues:
            page.goto(server(f"/staff/queues/{queue}?lang={lang}"))
            found[f"{role}:{queue}"] = axe_violations(page)
        page.goto(server(f"/staff/queues/{queues[0]}/map?lang={lang}"))
        page.wait_for_selector("[data-staff-map][data-drawn]")
        found[f"{role}:map"] = axe_violations(page)
        page.goto(server(f"/staff/tickets/{report['ref']}?lang={lang}&template=fixed"))
        page.wait_for_selector("[data-staff-map][data-drawn]")
        found[f"{role}:ticket"] = axe_violations(page)
    page.goto(server(f"/staff/queues/nowhere?lang={lang}"))
    found["problem"] = axe_violations(page)
    assert {k: v for k, v in found.items() if v} == {}
    assert page.watch.errors_except() == [] or all("404" in e for e in page.watch.errors_except())
