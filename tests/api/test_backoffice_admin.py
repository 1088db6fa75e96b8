"""The administration pages over HTTP: categories, routing rules and their preview, the audit log.

Each form: a good submission changes the row and writes one audit row in the same transaction; a bad one
answers 422 with the message in the administrator's language, the field marked, and everything typed kept.
"""

import html
import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.audit import AuditEntry
from geo.models import Category, RoutingRule
from tests.api.test_backoffice_shell import csrf_of

BELLECOUR = {"lat": "45.7578", "lon": "4.8320"}


@pytest.fixture
def admin(staff_client):
    return staff_client("admin", language="en")


def audit_rows(session, entity):
    return list(session.query(AuditEntry).filter(AuditEntry.entity == entity).order_by(AuditEntry.id))


def post(caller, path, data, lang="en"):
    token = csrf_of(caller.get(f"/staff/admin?lang={lang}").text)
    return caller.post(path, data={"csrf_token": token, "lang": lang, **data}, follow_redirects=False)


def test_the_admin_pages_render_in_both_languages(admin):
    for lang in ("fr", "en"):
        for path in ("", "/categories", "/categories/new", "/categories/pothole", "/routing", "/routing/new",
                     "/audit"):
            page = admin.get(f"/staff/admin{path}?lang={lang}")
            assert page.status_code == 200, (path, page.text[:300])
            assert f'lang="{lang}"' in page.text and 'action="/staff/logout"' in page.text, path
    assert "Audit log" in admin.get("/staff/admin/audit?lang=en").text
    assert "Journal d'audit" in html.unescape(admin.get("/staff/admin/audit?lang=fr").text)


def test_creating_and_changing_a_category_is_audited(admin, session, client):
    created = post(admin, "/staff/admin/categories", {
        "code": "tag_mural", "name_fr": "Tag sur un mur", "name_en": "Tag on a wall", "help_fr": "Un tag, un graff",
        "help_en": "A tag or graffiti", "icon": "spray-can", "parent_code": "proprete", "service_code": "proprete",
        "deadline_days": "5", "duplicate_radius_m": "30"})
    assert created.status_code == 303, created.text
    category = session.get(Category, "tag_mural")
    assert (category.name_en, category.help_fr, category.parent_code, category.agent_only) == (
        "Tag on a wall", "Un tag, un graff", "proprete", False)
    changed = post(admin, "/staff/admin/categories/tag_mural", {
        "name_fr": "Tag sur un mur", "name_en": "Tag on a wall", "help_fr": "Un tag, un graff",
        "help_en": "A tag or graffiti", "icon": "spray-can", "parent_code": "proprete",
        "service_code": "proprete", "deadline_days": "5", "duplicate_radius_m": "30", "agent_only": "yes"})
    assert changed.status_code == 303, changed.text
    session.expire_all()
    assert session.get(Category, "tag_mural").agent_only is True
    rows = audit_rows(session, "category")
    assert [(r.entity_id, r.action) for r in rows] == [("tag_mural", "created"), ("tag_mural", "updated")]
    assert rows[1].actor_id == f"staff:{admin.staff['id']}" and rows[1].actor_name == admin.staff["name"]
    assert rows[1].before["agent_only"] is False and rows[1].after["agent_only"] is True
    assert "help_fr" not in rows[1].after  # only what changed
    # Residents are no longer offered it; the audit page tells who did what.
    assert "tag_mural" not in {c["code"] for c in client.get("/api/v1/categories").json()}
    page = admin.get("/staff/admin/audit?entity=category&lang=en").text
    assert 'data-entity-id="tag_mural"' in page and admin.staff["name"] in page


@pytest.mark.parametrize(("lang", "field", "value", "message"), [
    ("en", "name_en", "", "'name_en' is required"),
    ("fr", "name_en", "", "« name_en » est obligatoire"),
    ("en", "deadline_days", "soon", "'deadline_days' must be a whole number"),
    ("fr", "deadline_days", "0", "« deadline_days » doit être compris entre 1 et 365"),
    ("en", "parent_code", "pothole", "The parent must be a top-level category"),
    ("en", "icon", "unicorn", "Unknown icon 'unicorn'"),
    ("fr", "service_code", "nowhere", "Service « nowhere » inconnu(e)"),
])
def test_a_refused_category_keeps_what_was_typed(admin, session, lang, field, value, message):
    typed = {"code": "mobilier_casse", "name_fr": "Banc cassé", "name_en": "Broken bench",
             "help_fr": "Un banc abîmé <b>", "icon": "circle-exclamation", "deadline_days": "7",
             "duplicate_radius_m": "40", field: value}
    answer = post(admin, "/staff/admin/categories", typed, lang=lang)
    assert answer.status_code == 422
    assert message in html.unescape(answer.text)
    assert re.search(rf'id="f-{field}"[^>]*aria-invalid="true"', answer.text), field
    assert 'value="Banc cassé"' in answer.text and "Un banc abîmé &lt;b&gt;" in answer.text
    assert session.get(Category, "mobilier_casse") is None and audit_rows(session, "category") == []


def test_a_rule_preview_shows_where_the_point_goes_and_keeps_nothing(admin, session):
    rule = session.query(RoutingRule).filter_by(category_code="voirie", zone_kind=None).one()
    before = session.execute(text("SELECT count(*) FROM routing_rules")).scalar()
    typed = {"intent": "preview", "category_code": "voirie", "zone_kind": "commune", "zone_code": "69123",
             "service_code": "eau", "priority": "5", "note": "Lyon's roads go to water", **BELLECOUR,
             "preview_category": "pothole"}
    answer = post(admin, "/staff/admin/routing", typed)
    assert answer.status_code == 200, answer.text
    then = re.search(r'data-preview="then">([^<]+)', answer.text).group(1)
    now = re.search(r'data-preview="now">([^<]+)', answer.text).group(1)
    assert "(eau)" in then and "(voirie)" in now and "This point would go elsewhere." in answer.text
    assert 'value="Lyon&#39;s roads go to water"' in answer.text  # the form is still filled in
    assert session.execute(text("SELECT count(*) FROM routing_rules")).scalar() == before
    assert audit_rows(session, "routing_rule") == []
    # Saving what was previewed: a rule, and one audit row.
    saved = post(admin, "/staff/admin/routing", {**typed, "intent": "save"})
    assert saved.status_code == 303, saved.text
    new = session.query(RoutingRule).filter_by(zone_code="69123", service_code="eau").one()
    rows = audit_rows(session, "routing_rule")
    assert [(r.entity_id, r.action, r.after["service_code"]) for r in rows] == [(str(new.id), "created", "eau")]
    assert rule.service_code == "voirie"


def test_changing_a_rule_is_audited_with_before_and_after(admin, session):
    rule = session.query(RoutingRule).filter_by(category_code="eclairage", zone_kind=None).one()
    answer = post(admin, f"/staff/admin/routing/{rule.id}", {
        "intent": "save", "category_code": "eclairage", "service_code": "voirie", "priority": "0", **BELLECOUR,
        "preview_category": "eclairage"})
    assert answer.status_code == 303, answer.text
    session.expire_all()
    assert session.get(RoutingRule, rule.id).service_code == "voirie"
    (row,) = audit_rows(session, "routing_rule")
    assert (row.action, row.before, row.after) == ("updated", {"id": rule.id, "service_code": "eclairage",
                                                               "note": "whole territory"},
                                                   {"id": rule.id, "service_code": "voirie", "note": None})
    deleted = post(admin, f"/staff/admin/routing/{rule.id}/delete", {})
    assert deleted.status_code == 303
    assert session.get(RoutingRule, rule.id) is None
    assert [r.action for r in audit_rows(session, "routing_rule")] == ["updated", "deleted"]


@pytest.mark.parametrize(("lang", "changes", "field", "message"), [
    ("en", {"zone_kind": "commune", "zone_code": "99999"}, "zone_code", "No current commune '99999'"),
    ("fr", {"zone_kind": "commune", "zone_code": ""}, "zone_code", "Donnez le code de la zone"),
    ("en", {"service_code": ""}, "service_code", "'service_code' is required"),
    ("fr", {"priority": "high"}, "priority", "« priority » doit être un nombre entier"),
    ("en", {"lat": "north", "intent": "preview"}, "lat", "'lat' must be a number in degrees"),
    ("fr", {"lat": "48.8566", "lon": "2.3522", "intent": "preview"}, None, "hors de"),
])
def test_a_refused_rule_keeps_what_was_typed(admin, session, lang, changes, field, message):
    before = session.execute(text("SELECT count(*) FROM routing_rules")).scalar()
    typed = {"intent": "save", "category_code": "voirie", "service_code": "eau", "team": "Équipe nuit",
             "priority": "3", **BELLECOUR, "preview_category": "pothole", **changes}
    answer = post(admin, "/staff/admin/routing", typed, lang=lang)
    assert answer.status_code == 422, answer.text[:500]
    assert message in html.unescape(answer.text)
    if field:
        assert re.search(rf'id="f-{field}"[^>]*aria-invalid="true"', answer.text), field
    assert 'value="Équipe nuit"' in answer.text
    assert session.execute(text("SELECT count(*) FROM routing_rules")).scalar() == before


def test_the_audit_log_is_append_only_paged_and_filtered(admin, session):
    from core import audit

    for i in range(audit.PAGE_SIZE + 3):
        audit.record(session=session, actor=None, entity="category" if i % 2 else "routing_rule", entity_id=i,
                     action="updated", before={"n": i}, after={"n": i + 1, "password": "never shown"})
    session.commit()
    first = admin.get("/staff/admin/audit?lang=en").text
    assert first.count("data-audit=") == audit.PAGE_SIZE and 'rel="next"' in first
    assert "never shown" not in first and "CLI (" in first
    second = admin.get("/staff/admin/audit?lang=en&page=2").text
    assert second.count("data-audit=") == 3 and 'rel="next"' not in second
    only = admin.get("/staff/admin/audit?lang=en&entity=routing_rule").text
    assert only.count("data-audit=") == (audit.PAGE_SIZE + 3 + 1) // 2
    assert set(re.findall(r'data-entity="(\w+)"', only)) == {"routing_rule"}
    assert admin.get("/staff/admin/audit?lang=en&actor=nobody-like-this").text.count("data-audit=") == 0
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text("UPDATE audit_log SET action = 'forged'"))
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text("DELETE FROM audit_log"))


def test_an_agent_only_category_is_refused_to_residents_but_not_to_agents(admin, session, client, staff_client):
    answer = post(admin, "/staff/admin/categories/graffiti", {
        "name_fr": "Graffiti / tag", "name_en": "Graffiti", "icon": "spray-can", "parent_code": "proprete",
        "service_code": "proprete", "deadline_days": "10", "duplicate_radius_m": "30", "agent_only": "yes"})
    assert answer.status_code == 303, answer.text[:300]
    resident = client.post("/api/v1/reports", json={"lat": 45.7578, "lon": 4.832, "category": "graffiti",
                                                    "description": "Tag"}, headers={"Accept-Language": "fr"})
    assert resident.status_code == 422, resident.text
    assert "réservée aux agents" in resident.text or "for agents only" in resident.text, resident.text
    from dispatch import service
    from dispatch.schemas import ReportCreate

    made = service.create(session=session, data=ReportCreate(lat=45.7578, lon=4.832, category="graffiti"),
                          channel="phone", actor_kind="staff", actor_id="staff:1")
    assert made.category_code == "graffiti"
