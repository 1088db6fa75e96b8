"""The supervisors' team page in a real Chromium against the real server: sign in, the crews' tickets on the map
and in the table (not another service's), a reassignment that reaches the database, and a stale one refused."""

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.users import Principal, StaffUser
from dispatch import crews
from tests.browser.crew_support import desk, history, ticket_row
from tests.browser.pwa_support import axe_violations
from tests.conftest import STAFF_PASSWORD, _staff_password_hash
from tests.maps.factory import BELLECOUR, VILLEURBANNE, plant

pytestmark = pytest.mark.browser


def staff(engine, role: str, service_code: str, name: str) -> dict[str, object]:
    """An active account of the service in the live database, signing in with the suite's staff password."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@staff.example"
    with Session(engine) as session:
        user = StaffUser(email=email, name=name, role=role, service_code=service_code, sector_codes=[],
                         language="fr", password_hash=_staff_password_hash(), active=True)
        session.add(user)
        session.commit()
        return {"id": user.id, "email": email, "name": name}


def held_tickets(engine, *holders: tuple[tuple[float, float], str, int]) -> list[dict[str, object]]:
    """Assigned tickets routed by PostGIS (pothole: roads; graffiti: cleanliness), each held by a crew member."""
    made = plant(engine, *[{"point": point, "category": category, "state": "assigned"}
                           for point, category, _ in holders])
    with engine.begin() as conn:
        for report, (_, _, crew_id) in zip(made, holders, strict=True):
            conn.execute(text("UPDATE reports SET assignee_id = :crew WHERE id = :id"),
                         {"crew": crew_id, "id": report.id})
    return [{"id": r.id, "ref": r.ref, "service": r.service_code} for r in made]


def sign_in(page, server, who) -> None:
    page.goto(server("/team?lang=fr"))
    page.get_by_label("Adresse électronique").fill(who["email"])
    page.get_by_label("Mot de passe").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_selector("#rc-team-status[data-total]")
    # The form itself answered 401 by design; from here on, nothing may fail.
    assert all("401" in e for e in page.watch.errors_except()), page.watch.errors_except()
    page.watch.console_errors.clear()


def test_a_supervisor_sees_the_crews_tickets_and_reassigns_one(page, live_server_no_tiles):
    server = live_server_no_tiles
    supervisor = staff(server.engine, "service_staff", "voirie", "Sandrine Encadrante")
    crew_a = staff(server.engine, "crew", "voirie", f"Équipe A {uuid.uuid4().hex[:4]}")
    crew_b = staff(server.engine, "crew", "voirie", f"Équipe B {uuid.uuid4().hex[:4]}")
    cleaners = staff(server.engine, "crew", "proprete", f"Propreté {uuid.uuid4().hex[:4]}")
    ours = held_tickets(server.engine, (BELLECOUR, "pothole", crew_a["id"]),
                        ((BELLECOUR[0] + 0.002, BELLECOUR[1]), "pothole", crew_a["id"]),
                        (VILLEURBANNE, "pothole", crew_b["id"]))
    other = held_tickets(server.engine, (BELLECOUR, "graffiti", cleaners["id"]))[0]
    assert {t["service"] for t in ours} == {"voirie"} and other["service"] == "proprete"

    sign_in(page, server, supervisor)
    for ticket in ours:  # one marker and one row each
        assert page.locator(f".leaflet-marker-icon[data-ref='{ticket['ref']}']").count() == 1
        assert page.locator(f"#rc-team-table tbody tr[data-ref='{ticket['ref']}']").count() == 1
    assert page.locator(f"[data-ref='{other['ref']}']").count() == 0
    total = int(page.get_attribute("#rc-team-status", "data-total"))
    assert page.locator(".leaflet-marker-icon").count() == total == page.locator("#rc-team-table tbody tr").count()
    # Coloured per crew, with a legend naming the crews.
    colours = {page.locator(f".leaflet-marker-icon[data-crew='{c['id']}'] .rc-pin").first.evaluate(
        "n => getComputedStyle(n).backgroundColor") for c in (crew_a, crew_b)}
    assert len(colours) == 2
    legend = page.inner_text("#rc-team-legend")
    assert f"{crew_a['name']} (2)" in legend and f"{crew_b['name']} (1)" in legend
    problems = {"loaded": axe_violations(page)}

    moved = ours[0]
    row = page.locator(f"#rc-team-table tbody tr[data-ref='{moved['ref']}']")
    row.get_by_label(f"Confier le ticket {moved['ref']} à").select_option(str(crew_b["id"]))
    row.get_by_role("button", name="Réattribuer").click()
    page.wait_for_selector(f"#rc-team-status[data-done='{moved['ref']}']")
    assert page.inner_text("#rc-team-status") == f"Ticket {moved['ref']} confié à {crew_b['name']}."
    assert ticket_row(server.engine, moved["id"])["assignee_id"] == crew_b["id"]
    assert history(server.engine, moved["id"])[-1]["action"] == "reassigned"
    assert page.locator(f"#rc-team-table tbody tr[data-ref='{moved['ref']}']").get_attribute("data-crew") == str(
        crew_b["id"])
    assert f"{crew_b['name']} (2)" in page.inner_text("#rc-team-legend")
    problems["after"] = axe_violations(page)

    assert problems == {"loaded": [], "after": []}
    assert page.watch.errors_except() == []
    assert page.watch.hosts == {server.url.split("//")[1]}


def test_a_reassignment_from_a_stale_page_is_refused_plainly(page, live_server_no_tiles):
    server = live_server_no_tiles
    supervisor = staff(server.engine, "service_staff", "voirie", "Sandrine Encadrante")
    crew_a = staff(server.engine, "crew", "voirie", f"Équipe A {uuid.uuid4().hex[:4]}")
    crew_b = staff(server.engine, "crew", "voirie", f"Équipe B {uuid.uuid4().hex[:4]}")
    ticket = held_tickets(server.engine, ((BELLECOUR[0] - 0.003, BELLECOUR[1]), "pothole", crew_a["id"]))[0]
    sign_in(page, server, supervisor)

    # Someone else moves the ticket after the page read it.
    with Session(server.engine) as session:
        crews.reassign(session=session, supervisor=desk("service_staff", service_code="voirie"),
                       report_id=ticket["id"], crew_id=crew_b["id"], version=None)
        session.commit()
    before = ticket_row(server.engine, ticket["id"])

    page.locator(f".leaflet-marker-icon[data-ref='{ticket['ref']}']").click()
    popup = page.locator(".leaflet-popup-content")
    popup.get_by_label(f"Confier le ticket {ticket['ref']} à").select_option(str(crew_b["id"]))
    popup.get_by_role("button", name="Réattribuer").click()
    page.wait_for_selector("#rc-team-error[data-status='409']")
    message = page.inner_text("#rc-team-error")
    assert message.startswith(f"Réattribution du ticket {ticket['ref']} refusée : Le ticket {ticket['ref']} est à la")
    assert "vérifiez le ticket avant de réessayer" in message
    assert ticket_row(server.engine, ticket["id"]) == before  # nothing changed
    # The list was read again: the ticket now shows its new crew.
    page.wait_for_selector(f"#rc-team-table tbody tr[data-ref='{ticket['ref']}'][data-crew='{crew_b['id']}']")
    assert [e for e in page.watch.errors_except() if "409" not in e] == []


def test_a_supervisor_gives_an_unclaimed_ticket_and_reads_why_one_was_handed_back(page, live_server_no_tiles):
    server = live_server_no_tiles
    supervisor = staff(server.engine, "service_staff", "voirie", "Sandrine Encadrante")
    crew_a = staff(server.engine, "crew", "voirie", f"Équipe A {uuid.uuid4().hex[:4]}")
    crew_b = staff(server.engine, "crew", "voirie", f"Équipe B {uuid.uuid4().hex[:4]}")
    unclaimed = plant(server.engine, {"point": (BELLECOUR[0] + 0.004, BELLECOUR[1]), "category": "pothole",
                                      "state": "triaged"})[0]
    returned = held_tickets(server.engine, ((BELLECOUR[0] - 0.004, BELLECOUR[1]), "pothole", crew_a["id"]))[0]
    with Session(server.engine) as session:
        crews.hand_back(session=session, crew=Principal(kind="staff", id=int(crew_a["id"]), role="crew",
                                                        name=str(crew_a["name"]), service_code="voirie"),
                        report_id=returned["id"], version=None, note="Besoin d'une nacelle")
        session.commit()

    sign_in(page, server, supervisor)
    back = page.locator(f"#rc-team-table tbody tr[data-ref='{returned['ref']}']")
    assert "Non attribué" in back.inner_text() and "Besoin d'une nacelle" in back.inner_text()
    assert crew_a["name"] in back.locator(".rc-handed-back").inner_text()
    row = page.locator(f"#rc-team-table tbody tr[data-ref='{unclaimed.ref}']")
    assert "Non attribué" in row.inner_text()
    row.get_by_label(f"Confier le ticket {unclaimed.ref} à").select_option(str(crew_b["id"]))
    row.get_by_role("button", name="Réattribuer").click()
    page.wait_for_selector(f"#rc-team-status[data-done='{unclaimed.ref}']")
    moved = ticket_row(server.engine, unclaimed.id)
    assert moved["assignee_id"] == crew_b["id"] and moved["state"] == "assigned"
    assert axe_violations(page) == []
    assert page.watch.errors_except() == []
