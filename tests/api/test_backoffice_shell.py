"""The back office's shell over HTTP: sign-in form, the header saying who is signed in, form CSRF, queues in scope."""

import re

from sqlalchemy import text

from tests.conftest import STAFF_PASSWORD
from tests.factories import VILLEURBANNE, make_ticket


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def row(ref: str) -> str:
    """A queue table's row of a ticket."""
    return f'<tr data-ref="{ref}">'


def test_signed_out_the_back_office_offers_its_sign_in_form(client):
    answer = client.get("/staff/queues/triage?lang=en")
    assert answer.status_code == 401
    assert 'action="/staff/login"' in answer.text and 'name="next" value="/staff/queues/triage?lang=en"' in answer.text
    assert 'class="rc-skip" href="#content"' in answer.text


def test_sign_in_through_the_form_then_the_header_says_who_and_sign_out(client, staff_client, session):
    agent = staff_client("agent", email="desk-agent@staff.example", language="en")
    client.cookies.clear()
    form = client.get("/staff/queues/overdue?lang=en").text
    answer = client.post("/staff/login", data={"email": "desk-agent@staff.example", "password": STAFF_PASSWORD,
                                               "lang": "en", "next": "/staff/queues/overdue",
                                               "csrf_token": csrf_of(form)}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/staff/queues/overdue"
    page = client.get("/staff/queues/overdue")
    assert page.status_code == 200, page.text
    assert agent.staff["name"] in page.text and "relations centre agent" in page.text
    assert "the whole metropolis" in page.text and 'lang="en"' in page.text
    assert page.headers["cache-control"] == "no-store"
    # Sign-out is a form with the CSRF token; without it nothing happens.
    refused = client.post("/staff/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/staff/queues/overdue").status_code == 200
    out = client.post("/staff/logout", data={"csrf_token": csrf_of(page.text), "lang": "en"}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/staff/queues/overdue").status_code == 401


def test_the_dashboard_and_team_page_carry_the_same_header(staff_client):
    supervisor = staff_client("service_staff", service_code="voirie")
    for path in ("/dashboard?lang=fr", "/team?lang=fr"):
        body = supervisor.get(path).text
        assert supervisor.staff["name"] in body and "service voirie" in body and 'action="/staff/logout"' in body, path


def test_a_crew_member_has_no_desk(staff_client):
    crew = staff_client("crew", service_code="voirie")
    answer = crew.get("/staff/queues/all?lang=en")
    assert answer.status_code == 403 and "role &#39;crew&#39;" in answer.text


def test_queues_list_only_what_is_in_scope_and_count_it(staff_client, session):
    lyon = make_ticket(session, description="Nid de poule à Lyon")
    villeurbanne = make_ticket(session, *VILLEURBANNE, description="Nid de poule à Villeurbanne")
    lyon_staff = staff_client("commune_staff", commune_code="69123")
    page = lyon_staff.get("/staff/queues/commune?lang=fr").text
    assert row(lyon.ref) in page and row(villeurbanne.ref) not in page
    assert row(villeurbanne.ref) not in lyon_staff.get(f"/staff/queues/all?q={villeurbanne.ref}&lang=fr").text
    assert "/staff/queues/triage" not in page  # the desk's queue is the relations centre's
    agent = staff_client("agent")
    triage = agent.get("/staff/queues/triage?lang=fr").text
    assert row(lyon.ref) in triage and row(villeurbanne.ref) in triage
    waiting = session.execute(text("SELECT count(*) FROM reports WHERE state IN ('new', 'rejected') "
                                   "OR service_code IS NULL")).scalar_one()
    count = re.search(r'href="/staff/queues/triage\?lang=fr"[^>]*>\s*À qualifier <span class="rc-count">(\d+\+?)',
                      triage)
    assert count and count.group(1) == (str(waiting) if waiting < 1000 else "1000+")


def test_filters_live_in_the_url_and_a_selection_can_be_saved(staff_client, session):
    pothole = make_ticket(session, description="Trou profond rue Mercière")
    graffiti = make_ticket(session, category="graffiti", description="Tag sur la façade")
    agent = staff_client("agent")
    page = agent.get("/staff/queues/all?category=graffiti&q=fa%C3%A7ade&lang=fr").text
    assert row(graffiti.ref) in page and row(pothole.ref) not in page
    saved = agent.post("/staff/selections", data={"csrf_token": csrf_of(page), "name": "Tags", "queue": "all",
                                                   "query": "category=graffiti&q=fa%C3%A7ade"},
                       follow_redirects=False)
    assert saved.status_code == 303
    listed = agent.get(saved.headers["location"]).text
    assert "Sélection enregistrée." in listed
    assert 'href="/staff/queues/all?category=graffiti&amp;q=fa%C3%A7ade&amp;lang=fr">Tags</a>' in listed
    # Another agent does not see it.
    assert ">Tags</a>" not in staff_client("agent").get("/staff/queues/all?lang=fr").text
