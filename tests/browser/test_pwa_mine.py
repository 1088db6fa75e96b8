"""My reports in the PWA: the device's own list, then every report of the resident after the emailed magic link."""

import re

import pytest

from core.db import session_factory
from dispatch import worker
from tests.browser.pwa_support import block_tiles, reports_with

pytestmark = pytest.mark.browser


def test_the_magic_link_from_the_email_shows_the_residents_reports_from_the_server(page, live_server, smtp_server):
    context = page.context
    context.grant_permissions(["geolocation"], origin=live_server.url)
    context.set_geolocation({"latitude": 45.7701, "longitude": 4.8631, "accuracy": 10})
    block_tiles(page)
    page.goto(live_server("/#/report"))
    page.get_by_label("Dépôt sauvage").wait_for()
    page.wait_for_selector("#report-map[data-source='device']")
    page.get_by_label("Dépôt sauvage").check()
    page.get_by_label("Décrivez le problème").fill("mine: dépôt de gravats")
    page.get_by_label("Adresse e-mail").fill("lea.mine@example.org")
    page.get_by_label("Me prévenir de l'avancement par e-mail ou téléphone").check()
    page.get_by_label("Se souvenir de mes coordonnées sur cet appareil").check()
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.wait_for_selector(".done[data-state='sent']")
    [report] = reports_with(live_server.engine, "mine: dépôt de gravats")

    # The contact details were remembered on the device: the next report starts with them.
    page.goto(live_server("/#/report"))
    assert page.get_by_label("Adresse e-mail").input_value() == "lea.mine@example.org"

    page.goto(live_server("/#/mine"))
    page.wait_for_selector(f"#sent-list [data-ref='{report['ref']}']")
    page.get_by_label("Adresse e-mail").fill("lea.mine@example.org")
    page.get_by_role("button", name="Recevoir le lien").click()
    page.get_by_text("un lien vient de lui être envoyé").wait_for()

    worker.drain(factory=session_factory(live_server.engine), handlers=worker.default_handlers(smtp_server.config()))
    mails = smtp_server.to("lea.mine@example.org")
    assert any(report["ref"] in str(m["Subject"]) and "reçu" in str(m["Subject"]) for m in mails)  # acknowledged
    [mail] = [m for m in mails if "/my-reports#token=" in m.get_content()]
    link = re.search(r"https?://\S+/my-reports#token=\S+", mail.get_content()).group(0)
    # The link names the configured public address; the test server listens elsewhere.
    page.goto(live_server(link[link.index("/my-reports"):]))
    page.get_by_text("Connecté(e) par le lien reçu par e-mail.").wait_for()
    page.wait_for_selector(f"#server-list [data-ref='{report['ref']}']")
    assert page.url.endswith("/#/mine")
    assert "token" not in page.url
