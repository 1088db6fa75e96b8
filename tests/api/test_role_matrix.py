"""Roles x endpoints x scopes: every endpoint says who may call it, and nobody reaches outside their scope."""

import pytest

from tests.factories import make_ticket

# name -> (role, scope) of each caller; the ticket is a pothole at Bellecour: Lyon, roads, sector voirie-W.
CALLERS = {
    "agent": ("agent", {}),
    "admin": ("admin", {}),
    "lyon_staff": ("commune_staff", {"commune_code": "69123"}),
    "villeurbanne_staff": ("commune_staff", {"commune_code": "69266"}),
    "roads_staff": ("service_staff", {"service_code": "voirie"}),
    "waste_staff": ("service_staff", {"service_code": "proprete"}),
    "roads_crew_west": ("crew", {"service_code": "voirie", "sector_codes": ("voirie-W",)}),
    "roads_crew_east": ("crew", {"service_code": "voirie", "sector_codes": ("voirie-E",)}),
    "waste_crew": ("crew", {"service_code": "proprete"}),
    "official": ("official", {}),
}
SEES_TICKET = {"agent", "admin", "lyon_staff", "roads_staff", "roads_crew_west"}
SEES_PERSONAL_DATA = {"agent", "admin", "lyon_staff", "roads_staff"}


@pytest.fixture
def callers(staff_client):
    return {name: staff_client(role, **scope) for name, (role, scope) in CALLERS.items()}


@pytest.fixture
def partner(staff_client, client):
    key = staff_client("admin").post("/api/v1/staff/api-keys", json={"name": "Partenaire", "role": "partner"})
    client.headers["X-API-Key"] = key.json()["key"]
    return client


def test_reading_a_ticket_and_its_history(callers, partner, session, client):
    ticket = make_ticket(session, state="in_progress")
    for name, caller in callers.items():
        for path in (f"/api/v1/tickets/{ticket.id}", f"/api/v1/tickets/{ticket.id}/history"):
            answer = caller.get(path)
            assert answer.status_code == (200 if name in SEES_TICKET else 403), (name, path, answer.text)
        listed = {t["id"] for t in caller.get("/api/v1/tickets?limit=500").json()} \
            if name != "official" else set()
        assert (ticket.id in listed) == (name in SEES_TICKET and name != "official"), name
    assert partner.get(f"/api/v1/tickets/{ticket.id}").status_code == 403
    anonymous = client.get(f"/api/v1/tickets/{ticket.id}", headers={"X-API-Key": ""})
    assert anonymous.status_code == 401


def test_personal_data_only_for_those_whose_scope_allows_it(callers, session):
    ticket = make_ticket(session, state="triaged")
    for name in SEES_TICKET:
        body = callers[name].get(f"/api/v1/tickets/{ticket.id}").json()
        assert (body["reporters"] is not None) == (name in SEES_PERSONAL_DATA), name
    # A commune agent reading another commune's ticket gets nothing of it, residents included.
    other = callers["villeurbanne_staff"].get(f"/api/v1/tickets/{ticket.id}")
    assert other.status_code == 403 and "reporters" not in other.json()


@pytest.mark.parametrize(("name", "status"), [
    ("roads_crew_west", 200), ("roads_staff", 200), ("admin", 200),
    ("waste_crew", 403),  # a crew member closing another service's ticket
    ("roads_crew_east", 403),  # same service, another sector
    ("agent", 403),  # the relations centre does not declare field work done
    ("lyon_staff", 403), ("official", 403), ("villeurbanne_staff", 403), ("waste_staff", 403),
])
def test_resolving_a_ticket_in_progress(callers, session, name, status):
    ticket = make_ticket(session, state="in_progress")
    answer = callers[name].post(f"/api/v1/tickets/{ticket.id}/transition",
                                json={"to": "resolved", "version": ticket.version, "outcome": "fixed"})
    assert answer.status_code == status, answer.text
    session.refresh(ticket)
    assert ticket.state == ("resolved" if status == 200 else "in_progress")


@pytest.mark.parametrize(("name", "status"), [
    ("agent", 200), ("admin", 200), ("roads_crew_west", 403), ("roads_staff", 403), ("waste_crew", 403),
    ("lyon_staff", 403), ("official", 403),
])
def test_closing_a_resolved_ticket(callers, session, name, status):
    ticket = make_ticket(session, state="resolved")
    answer = callers[name].post(f"/api/v1/tickets/{ticket.id}/transition",
                                json={"to": "closed", "version": ticket.version})
    assert answer.status_code == status, answer.text


@pytest.mark.parametrize(("name", "status"), [
    ("agent", 200), ("admin", 200), ("roads_staff", 200),
    ("waste_staff", 403), ("roads_crew_west", 403), ("lyon_staff", 403), ("official", 403),
])
def test_transferring_a_ticket(callers, session, name, status):
    ticket = make_ticket(session, state="triaged")
    answer = callers[name].post(f"/api/v1/tickets/{ticket.id}/transfer",
                                json={"service": "eau", "reason": "Fuite sous la chaussée", "version": ticket.version})
    assert answer.status_code == status, answer.text


@pytest.mark.parametrize(("path", "allowed"), [
    ("/api/v1/triage", {"agent", "admin"}),
    ("/api/v1/figures", {"agent", "admin", "official"}),
    ("/api/v1/staff", {"admin"}),
    # Crews and their supervisors work within a service; an administrator has none to look around in.
    ("/api/v1/crews/me/tickets/nearby?lat=45.7578&lon=4.832",
     {"roads_crew_west", "roads_crew_east", "waste_crew", "roads_staff", "waste_staff"}),
    ("/api/v1/crews/team/tickets", {"admin", "roads_staff", "waste_staff"}),
])
def test_desk_endpoints(callers, path, allowed):
    for name, caller in callers.items():
        assert caller.get(path).status_code == (200 if name in allowed else 403), (name, path)


def test_recategorise_is_for_the_relations_centre(callers, session):
    for name, caller in callers.items():
        ticket = make_ticket(session, state="new")
        answer = caller.post(f"/api/v1/tickets/{ticket.id}/recategorise",
                             json={"category": "damaged_pavement", "version": ticket.version})
        assert answer.status_code == (200 if name in {"agent", "admin"} else 403), (name, answer.text)


def test_figures_carry_no_personal_data(callers, session):
    make_ticket(session, state="triaged")
    rows = callers["official"].get("/api/v1/figures").json()
    assert rows and set(rows[0]) == {"commune_code", "commune_name", "state", "count", "overdue"}


def test_history_cannot_be_edited_or_deleted_through_the_api(callers, session):
    ticket = make_ticket(session)
    admin = callers["admin"]
    for method in ("put", "patch", "delete"):
        answer = getattr(admin, method)(f"/api/v1/tickets/{ticket.id}/history")
        assert answer.status_code == 405, method


# -- the back office's pages and forms (/staff) --------------------------------------------------------------

DESK = {"agent", "admin", "lyon_staff", "villeurbanne_staff", "roads_staff", "waste_staff"}  # who has a back office
BACK_OFFICE_SEES_TICKET = SEES_TICKET - {"roads_crew_west"}


def _csrf(html):
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _rows(html):
    import re

    return re.findall(r'<tr data-ref="([^"]+)">', html)


def test_back_office_pages_per_role_and_scope(callers, session):
    ticket = make_ticket(session, state="triaged")
    for name, caller in callers.items():
        queues_page = caller.get("/staff/queues/all?lang=en")
        assert queues_page.status_code == (200 if name in DESK else 403), name
        page = caller.get(f"/staff/tickets/{ticket.ref}?lang=en")
        assert page.status_code == (200 if name in BACK_OFFICE_SEES_TICKET else 403), (name, page.status_code)
        map_page = caller.get("/staff/queues/all/map?lang=en")
        assert map_page.status_code == (200 if name in DESK else 403), name
        if page.status_code == 200:
            shows_people = "outside your scope" not in page.text
            assert shows_people == (name in SEES_PERSONAL_DATA), name
        else:
            assert ticket.description not in page.text or name not in DESK


def test_back_office_queues_never_list_a_ticket_outside_the_scope(callers, session):
    from sqlalchemy import select

    from dispatch.models import Report
    from tests.factories import VILLEURBANNE

    make_ticket(session, state="triaged")
    make_ticket(session, *VILLEURBANNE, category="graffiti", state="new")
    make_ticket(session, state="waiting_resident")
    for name in DESK:
        caller, (role, scope) = callers[name], CALLERS[name]
        import re

        nav = caller.get("/staff/queues/all?lang=en").text
        for queue in sorted(set(re.findall(r'href="/staff/queues/(\w+)\?lang=en"', nav))):
            refs = _rows(caller.get(f"/staff/queues/{queue}?lang=en").text)
            rows = session.execute(select(Report.commune_code, Report.service_code).where(Report.ref.in_(refs))).all()
            for commune, service in rows:
                if "commune_code" in scope:
                    assert commune == scope["commune_code"], (name, queue)
                if "service_code" in scope:
                    assert service == scope["service_code"], (name, queue)
        assert ("/staff/queues/triage" in nav) == (role in ("agent", "admin")), name


@pytest.mark.parametrize(("action", "fields", "allowed"), [
    ("move", {"to": "in_progress"}, {"admin", "roads_staff"}),
    ("transfer", {"service": "eau", "reason": "Fuite"}, {"agent", "admin", "roads_staff"}),
    ("recategorise", {"category": "damaged_pavement"}, {"agent", "admin"}),
    ("note", {"note": "Vu sur place"}, {"agent", "admin", "lyon_staff", "roads_staff"}),
    ("description", {"hidden": "yes"}, {"agent", "admin", "lyon_staff", "roads_staff"}),
])
def test_back_office_forms_per_role(callers, session, action, fields, allowed):
    for name, caller in callers.items():
        ticket = make_ticket(session, state="triaged")
        page = caller.get(f"/staff/tickets/{ticket.ref}?lang=en")
        token = _csrf(page.text) if page.status_code == 200 else _csrf(caller.get("/dashboard?lang=en").text)
        answer = caller.post(f"/staff/tickets/{ticket.ref}/{action}", follow_redirects=False,
                             data={"csrf_token": token, "version": str(ticket.version), **fields})
        assert (answer.status_code == 303) == (name in allowed), (name, action, answer.status_code)
        if name not in allowed:
            assert answer.status_code in (401, 403), (name, action, answer.status_code)
        # Without the CSRF field nobody gets through.
        forged = caller.post(f"/staff/tickets/{ticket.ref}/{action}", follow_redirects=False,
                             data={"version": str(ticket.version), **fields})
        assert forged.status_code in (401, 403), (name, action)


def test_back_office_merge_and_assign_per_role(callers, session):
    for name, caller in callers.items():
        kept, duplicate = make_ticket(session, state="triaged"), make_ticket(session, state="new")
        page = caller.get("/dashboard?lang=en")
        merged = caller.post(f"/staff/tickets/{duplicate.ref}/merge", follow_redirects=False, data={
            "csrf_token": _csrf(page.text), "version": str(duplicate.version), "into": kept.ref})
        assert (merged.status_code == 303) == (name in {"agent", "admin"}), (name, merged.status_code)


# -- administration (/staff/admin): administrators only, every page and every action -----------------------------

def _admin_routes(session):
    """Every administration route of the app, its path parameters filled with rows that exist."""
    import importlib
    import pkgutil

    from sqlalchemy import text

    import api.routers

    first = "SELECT coalesce(min(id), 1) FROM {}"
    known = {"code": "pothole", "rule_id": str(session.execute(text(first.format("routing_rules"))).scalar()),
             "template_id": str(session.execute(text(first.format("response_templates"))).scalar()),
             "staff_id": str(session.execute(text("SELECT min(id) FROM staff_users WHERE role = 'agent'")).scalar()),
             "key_id": "1", "subscription_id": "1", "token": "no-such-upload"}
    modules = [importlib.import_module(f"api.routers.{m.name}") for m in pkgutil.iter_modules(api.routers.__path__)]
    for route in [r for module in modules for r in module.router.routes]:
        path = getattr(route, "path", "")
        if not path.startswith("/staff/admin"):
            continue
        import re

        names = re.findall(r"{(\w+)}", path)
        assert set(names) <= set(known), f"give the role matrix a value for {names} of {path}"
        for method in sorted(route.methods - {"HEAD"}):
            yield method, path.format(**known)


def test_administration_is_for_administrators_only(callers, session):
    routes = sorted(set(_admin_routes(session)))
    assert len([r for r in routes if r[0] == "POST"]) >= 15 and len([r for r in routes if r[0] == "GET"]) >= 14
    token_of = {name: _csrf(caller.get("/dashboard?lang=en").text) for name, caller in callers.items()}
    for name, caller in callers.items():
        for method, path in routes:
            data = {"csrf_token": token_of[name], "name_fr": "x", "name_en": "x", "service_code": "voirie",
                    "intent": "save"}
            answer = (caller.get(f"{path}?lang=en") if method == "GET"
                      else caller.post(path, data=data, follow_redirects=False))
            if name == "admin":
                assert answer.status_code in (200, 303, 404, 422), (method, path, answer.status_code)
                if method == "POST":  # and without the CSRF field, nothing gets through
                    forged = caller.post(path, data={k: v for k, v in data.items() if k != "csrf_token"},
                                         follow_redirects=False)
                    assert forged.status_code == 403, (path, forged.status_code)
            else:
                assert answer.status_code == 403, (name, method, path, answer.status_code)
                assert "rc-admin-nav" not in answer.text, (name, path)
    from core.audit import AuditEntry

    actors = {row.actor_id for row in session.query(AuditEntry)}
    assert actors <= {f"staff:{callers['admin'].staff['id']}"}, actors


# -- the new request entered on a resident's behalf (/staff/new) -------------------------------------------------

ENTERS_REQUESTS = {"agent", "admin", "lyon_staff", "villeurbanne_staff"}
NEW_REQUEST = {"channel": "counter", "category": "graffiti", "description": "Tag au guichet", "lat": "45.7578",
               "lon": "4.832", "step": "file", "lang": "en"}


def _file_new(caller, data):
    """Record a new request; when the form first shows similar reports nearby, record anyway (as an agent would)."""
    import re

    answer = caller.post("/staff/new", follow_redirects=False, data=data)
    seen = re.search(r'name="seen" value="([^"]+)"', answer.text) if answer.status_code == 200 else None
    if seen:
        answer = caller.post("/staff/new", follow_redirects=False, data={**data, "seen": seen.group(1)})
    return answer


def test_new_request_page_and_form_per_role(callers, session):
    from sqlalchemy import select

    from dispatch.models import Report

    for name, caller in callers.items():
        page = caller.get("/staff/new?lang=en")
        assert page.status_code == (200 if name in ENTERS_REQUESTS else 403), (name, page.status_code)
        token = _csrf(page.text) if page.status_code == 200 else _csrf(caller.get("/dashboard?lang=en").text)
        tag = f"Tag {name}"
        answer = _file_new(caller, {**NEW_REQUEST, "description": tag, "csrf_token": token})
        assert (answer.status_code == 303) == (name in ENTERS_REQUESTS), (name, answer.status_code)
        filed = session.scalars(select(Report).where(Report.description == tag)).all()
        assert len(filed) == (1 if name in ENTERS_REQUESTS else 0), name
        if filed:
            assert (filed[0].channel, filed[0].entered_by_staff_id) == ("counter", caller.staff["id"])
        else:
            assert answer.status_code in (401, 403), (name, answer.status_code)
        # Without the CSRF field nothing is filed, and the form comes back with what was typed.
        forged = caller.post("/staff/new", follow_redirects=False,
                             data={**NEW_REQUEST, "description": f"Forged {name}"})
        assert forged.status_code in (401, 403), (name, forged.status_code)
        if name in ENTERS_REQUESTS:
            assert f"Forged {name}" in forged.text
        assert session.scalars(select(Report).where(Report.description == f"Forged {name}")).all() == []


def test_new_request_finds_and_opens_only_the_residents_in_scope(callers, session, client):
    from tests.residents_support import app_report

    email = "lea.lyon@example.org"
    body = app_report(client, {"name": "Léa Lyon", "email": email, "phone": "06 55 44 33 22",
                               "consent_updates": True, "consent_remember": True})
    from sqlalchemy import select

    from dispatch.models import ReportReporter

    resident_id = session.scalars(select(ReportReporter.resident_id)
                                  .where(ReportReporter.report_id == body["id"])).one()
    sees_lyon = {"agent", "admin", "lyon_staff"}
    for name in ENTERS_REQUESTS:
        caller = callers[name]
        card = caller.get(f"/staff/new?lang=en&resident={resident_id}")
        assert card.status_code == (200 if name in sees_lyon else 404), (name, card.status_code)
        assert (email in card.text) == (name in sees_lyon), name
        token = _csrf(caller.get("/staff/new?lang=en").text)
        for query in (email, "06 55 44 33 22", "Léa Lyon"):
            found = caller.post("/staff/new", data={"csrf_token": token, "who": query, "step": "find", "lang": "en"})
            assert found.status_code == 200, (name, query)
            # (what was typed comes back in its field: the card and the requests are what must not)
            assert (f'data-resident="{resident_id}"' in found.text) == (name in sees_lyon), (name, query)
            assert ("Léa Lyon</h3>" in found.text) == (name in sees_lyon), (name, query)
            assert (body["ref"] in found.text) == (name in sees_lyon), (name, query)
        picked = caller.post("/staff/new", data={"csrf_token": token, "pick": str(resident_id), "lang": "en"})
        assert picked.status_code == (200 if name in sees_lyon else 404), (name, picked.status_code)
        assert (email in picked.text) == (name in sees_lyon), name
