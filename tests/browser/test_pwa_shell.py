"""The PWA's shell: served at the root, installable, available offline after one visit, accessible (axe-core)."""

import re

import pytest

from tests.browser.pwa_support import axe_violations, block_tiles, geotagged_jpeg, wait_for_worker
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, VILLEURBANNE_TOWN_HALL

EXTERNAL = re.compile(r"""(?:src|href)=["'](https?:)?//""")


def test_root_serves_the_app_with_local_assets_and_a_root_scoped_worker(client):
    page = client.get("/")
    assert page.status_code == 200
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page.text
    assert not EXTERNAL.search(page.text)
    for asset in re.findall(r"""(?:src|href)=["'](/[^"']+)""", page.text):
        assert client.get(asset).status_code == 200, asset
    manifest = client.get("/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["start_url"] == "/" and body["scope"] == "/" and body["display"] == "standalone"
    assert {"192x192", "512x512"} <= {i["sizes"] for i in body["icons"]}
    assert any(i["purpose"] == "maskable" for i in body["icons"])
    for icon in body["icons"]:
        assert client.get(icon["src"]).headers["content-type"] == "image/png"
    worker = client.get("/sw.js")
    assert worker.headers["service-worker-allowed"] == "/"
    assert worker.headers["content-type"].startswith("text/javascript")
    assert "%%" not in worker.text
    shell = re.search(r"const SHELL = (\[.*?\]);", worker.text).group(1)
    for url in re.findall(r'"([^"]+)"', shell):
        assert client.get(url).status_code == 200, url
    # The other pages keep their places.
    assert client.get("/map").status_code == 200
    assert client.get("/docs").status_code == 200
    assert client.get("/health").status_code == 200


def test_categories_come_with_icons_and_both_languages(client):
    body = client.get("/api/v1/categories").json()
    pothole = next(c for c in body if c["code"] == "pothole")
    assert pothole == {"code": "pothole", "parent_code": "voirie", "name_fr": "Nid-de-poule", "name_en": "Pothole",
                       "icon": "road", "service_code": "voirie",
                       "help_fr": None, "help_en": None}
    assert all(c["parent_code"] is None for c in body[:6])


@pytest.mark.browser
def test_chromium_finds_the_app_installable(browser, live_server, tmp_path):
    # A profile on disk: Chromium never offers to install from an incognito context (Playwright's default).
    context = browser.browser_type.launch_persistent_context(
        tmp_path / "profile", executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    try:
        page = context.new_page()
        block_tiles(page)
        page.goto(live_server("/"))
        wait_for_worker(page)
        cdp = context.new_cdp_session(page)
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["errors"] == [] and manifest["url"].endswith("/manifest.webmanifest")
    finally:
        context.close()


@pytest.mark.browser
def test_the_shell_opens_offline_after_one_visit(page, live_server):
    block_tiles(page)
    page.goto(live_server("/"))
    wait_for_worker(page)
    page.goto(live_server("/#/report"))
    page.get_by_label("Nid-de-poule").wait_for()

    page.context.set_offline(True)
    page.reload()
    page.get_by_role("heading", name="Signaler un problème", level=1).wait_for()
    assert page.locator("#net-status").is_visible()
    # The categories seen online stay available offline; the map library too.
    page.get_by_label("Nid-de-poule").wait_for()
    assert page.locator("#report-map.leaflet-container").count() == 1
    page.goto(live_server("/#/mine"))
    page.get_by_role("heading", name="Mes signalements", level=1).wait_for()
    page.context.set_offline(False)


@pytest.mark.browser
def test_every_resident_screen_passes_axe_in_both_languages(page, live_server, tmp_path):
    block_tiles(page)
    page.goto(live_server("/"))
    page.get_by_role("heading", level=1).wait_for()
    problems = {"home": axe_violations(page)}

    page.goto(live_server("/#/report"))
    page.get_by_label("Nid-de-poule").wait_for()
    page.get_by_role("button", name="Envoyer le signalement").click()  # the error summary is a screen state too
    page.wait_for_selector("#form-errors:not([hidden])")
    problems["report, errors"] = axe_violations(page)
    page.locator("#photo-pick").set_input_files(geotagged_jpeg(tmp_path / "p.jpg", *VILLEURBANNE_TOWN_HALL))
    page.wait_for_selector("#report-map[data-source='photo_exif']")
    page.get_by_label("Trottoir dégradé").check()
    page.get_by_label("Décrivez le problème").fill("axe: trottoir")
    problems["report, filled"] = axe_violations(page)
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.wait_for_selector(".done[data-state='sent']")
    problems["done"] = axe_violations(page)

    page.context.set_offline(True)
    page.goto(live_server("/#/report"))
    page.get_by_label("Trottoir dégradé").wait_for()
    page.locator("#photo-pick").set_input_files(geotagged_jpeg(tmp_path / "q.jpg", *VILLEURBANNE_TOWN_HALL))
    page.wait_for_selector("#report-map[data-source='photo_exif']")
    page.get_by_label("Trottoir dégradé").check()
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.wait_for_selector(".done[data-state='waiting']")
    problems["done, waiting"] = axe_violations(page)
    page.goto(live_server("/#/mine"))
    page.wait_for_selector("#waiting-list")
    problems["mine, offline"] = axe_violations(page)
    page.context.set_offline(False)
    page.wait_for_selector("#waiting-list-empty")
    problems["mine"] = axe_violations(page)

    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="My reports", level=1).wait_for()
    problems["mine, en"] = axe_violations(page)
    page.goto(live_server("/#/report"))
    page.get_by_label("Damaged pavement").wait_for()
    problems["report, en"] = axe_violations(page)
    page.goto(live_server("/#/crew"))
    page.get_by_role("heading", level=1).wait_for()
    problems["crew sign-in"] = axe_violations(page)
    assert {screen: found for screen, found in problems.items() if found} == {}
