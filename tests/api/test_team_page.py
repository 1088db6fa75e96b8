"""The supervisors' team page and the crews it offers: who gets the page, the sign-in form, or a plain 403."""

import re

from sqlalchemy import update

from core.users import StaffUser
from tests.factories import make_ticket

EXTERNAL = re.compile(r"""(?:src|href)=["'](https?:)?//""")


def test_team_tickets_name_the_active_crews_of_the_supervisors_service_only(staff_client, session):
    supervisor = staff_client("service_staff", service_code="voirie")
    holder, other = staff_client("crew", service_code="voirie"), staff_client("crew", service_code="voirie")
    gone = staff_client("crew", service_code="voirie")
    waste = staff_client("crew", service_code="proprete")
    session.execute(update(StaffUser).where(StaffUser.id == gone.staff["id"]).values(active=False))
    session.commit()
    ticket = make_ticket(session, state="assigned", assignee_id=holder.staff["id"])
    team = supervisor.get("/api/v1/crews/team/tickets").json()
    crews = {c["id"]: c for c in team["crews"]}
    assert {holder.staff["id"], other.staff["id"]} <= set(crews)
    assert gone.staff["id"] not in crews and waste.staff["id"] not in crews
    assert all(c["service_code"] == "voirie" for c in crews.values())
    mine = next(f["properties"] for f in team["features"] if f["properties"]["id"] == ticket.id)
    assert (mine["crew_id"], mine["service_code"]) == (holder.staff["id"], "voirie")
    # An admin may give any ticket to any service's crew: each crew says its service, the page sorts them.
    every = {c["id"] for c in staff_client("admin").get("/api/v1/crews/team/tickets").json()["crews"]}
    assert {holder.staff["id"], waste.staff["id"]} <= every and gone.staff["id"] not in every


def test_team_page_for_a_supervisor_loads_its_script_from_the_platform(staff_client):
    supervisor = staff_client("service_staff", service_code="voirie")
    page = supervisor.get("/team?lang=en")
    assert page.status_code == 200 and "Crews' tickets" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    scripts = re.findall(r"""<script[^>]+src=["']([^"']+)""", page.text)
    assert "/static/team_map.js" in scripts and all(s.startswith("/static/") for s in scripts)
    assert not EXTERNAL.search(page.text)
    assert "'unsafe-inline'" not in page.headers["content-security-policy"].split("script-src")[1].split(";")[0]
    for asset in scripts:
        assert supervisor.get(asset).status_code == 200
    assert "Tickets des équipes" in supervisor.get("/team?lang=fr").text


def test_a_crew_member_gets_a_plain_403_and_a_visitor_the_sign_in_form(staff_client, client):
    crew = staff_client("crew", service_code="voirie")
    refused = crew.get("/team?lang=en")
    assert refused.status_code == 403
    assert "service supervisors" in refused.text and "&#39;crew&#39;" in refused.text
    anonymous = client.get("/team?lang=fr")
    assert anonymous.status_code == 401
    assert 'action="/team/login"' in anonymous.text and "encadrants" in anonymous.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', anonymous.text).group(1)
    wrong = client.post("/team/login", data={"email": "nobody@staff.example", "password": "nope", "lang": "en",
                                             "csrf_token": token})
    assert wrong.status_code == 401 and "Wrong email or password" in wrong.text
    # The dashboard's form still posts to its own sign-in.
    assert 'action="/dashboard/login"' in client.get("/dashboard").text


def test_team_tickets_include_the_unclaimed_ones_and_why_a_crew_handed_one_back(staff_client, session):
    from core.users import Principal
    from dispatch import crews

    supervisor = staff_client("service_staff", service_code="voirie")
    crew = staff_client("crew", service_code="voirie")
    waiting = make_ticket(session, state="triaged")
    returned = make_ticket(session, state="assigned", assignee_id=crew.staff["id"])
    crews.hand_back(session=session, crew=Principal(kind="staff", id=crew.staff["id"], role="crew", name="A",
                                                    service_code="voirie"),
                    report_id=returned.id, version=None, note="Besoin d'une nacelle")
    session.commit()
    features = {f["properties"]["id"]: f["properties"]
                for f in supervisor.get("/api/v1/crews/team/tickets").json()["features"]}
    assert features[waiting.id]["crew_id"] is None and features[waiting.id]["handed_back"] is None
    back = features[returned.id]["handed_back"]
    assert features[returned.id]["crew_id"] is None and back["reason"] == "Besoin d'une nacelle"
    assert back["by"] == crew.staff["name"]
    assert all(f["service_code"] == "voirie" for f in features.values())
