"""Sign-in refuses other sites (issue 14, #14, login CSRF): Origin, Referer and Sec-Fetch-Site must name this
site, and the staff pages' sign-in form carries a pre-session token bound to a cookie."""

import re

import pytest
from fastapi.testclient import TestClient

from api.origin import LOGIN_CSRF_COOKIE
from core import users
from tests.conftest import STAFF_PASSWORD, app_on_session

EVIL = "https://evil.example"
CREDENTIALS = {"email": "desk@staff.example", "password": STAFF_PASSWORD}


@pytest.fixture
def desk(session):
    return users.create(session=session, email="desk@staff.example", name="Desk", role="admin",
                        password=STAFF_PASSWORD)


def form_token(browser, page):
    answer = browser.get(f"/{page}")
    assert answer.status_code == 401 and LOGIN_CSRF_COOKIE in browser.cookies
    return re.search(r'name="csrf_token" value="([^"]+)"', answer.text).group(1)


@pytest.mark.parametrize("headers", [
    {"Origin": EVIL}, {"Origin": "null"}, {"Referer": f"{EVIL}/trap.html"}, {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site", "Origin": "http://testserver"},
])
def test_the_api_sign_in_refuses_a_cross_site_post(client, desk, headers):
    answer = client.post("/api/v1/auth/login", json=CREDENTIALS, headers=headers)
    assert answer.status_code == 403 and answer.json()["code"] == "auth.cross_site", answer.text
    assert answer.json()["detail_fr"].startswith("La connexion n'est acceptée")
    assert "rc_session" not in client.cookies


def test_the_api_sign_in_accepts_its_own_site_and_clients_that_send_no_origin(client, desk):
    same = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin", "Referer": "http://testserver/#/crew"}
    assert client.post("/api/v1/auth/login", json=CREDENTIALS, headers=same).status_code == 200
    assert client.post("/api/v1/auth/login", json=CREDENTIALS).status_code == 200  # curl, a partner's script


@pytest.mark.parametrize("page", ["dashboard", "team"])
def test_the_staff_sign_in_form_needs_its_token_and_this_site(engine, session, desk, page):
    app = app_on_session(engine, session)
    victim = TestClient(app)
    token = form_token(victim, page)
    # A form on another site knows no token (and cannot read the victim's cookie).
    for data, headers in (({**CREDENTIALS, "lang": "en"}, {}),
                          ({**CREDENTIALS, "lang": "en", "csrf_token": "forged"}, {}),
                          ({**CREDENTIALS, "lang": "en", "csrf_token": token}, {"Origin": EVIL}),
                          ({**CREDENTIALS, "lang": "en", "csrf_token": token}, {"Sec-Fetch-Site": "cross-site"})):
        refused = victim.post(f"/{page}/login", data=data, headers=headers, follow_redirects=False)
        assert refused.status_code == 403, (data, headers, refused.text)
        assert 'name="csrf_token"' in refused.text and "rc_session" not in victim.cookies
    # The token of one browser does not open another (the attacker's own token, planted in a form).
    attacker = TestClient(app)
    planted = form_token(attacker, page)
    assert victim.post(f"/{page}/login", data={**CREDENTIALS, "csrf_token": planted},
                       follow_redirects=False).status_code == 403
    ok = victim.post(f"/{page}/login", data={**CREDENTIALS, "lang": "en", "csrf_token": token},
                     headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == f"/{page}?lang=en"
    assert "rc_session" in victim.cookies


def test_an_expired_form_is_shown_again_with_a_fresh_token_in_the_visitors_language(client, desk):
    answer = client.post("/dashboard/login", data={**CREDENTIALS, "lang": "fr"})
    assert answer.status_code == 403 and "Le formulaire de connexion a expiré" in answer.text
    assert re.search(r'name="csrf_token" value="[^"]+"', answer.text) and LOGIN_CSRF_COOKIE in client.cookies


def test_a_page_whose_session_ended_shows_the_sign_in_form_again(client, desk):
    token = form_token(client, "dashboard")
    assert client.post("/dashboard/login", data={**CREDENTIALS, "csrf_token": token},
                       follow_redirects=False).status_code == 303
    assert client.get("/dashboard").status_code == 200
    csrf = client.cookies["rc_csrf"]
    ended = client.cookies["rc_session"]
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.set("rc_session", ended)  # a tab still holding the old cookie
    page = client.get("/dashboard")
    assert page.status_code == 401 and page.headers["content-type"].startswith("text/html")
    assert 'name="csrf_token"' in page.text
