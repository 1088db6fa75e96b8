"""The rest of the administration over HTTP: zones (upload, dry run drawn and listed, apply with re-routing),
deadline rules, response templates, staff accounts, API keys, webhook subscriptions.

Each: a good form changes the row and writes its audit row in the same transaction; a bad one answers 422
with a clear FR/EN message, the field marked, what was typed kept (never a password), nothing written.
"""

import html
import json
import re

import pytest
from sqlalchemy import text

from core.audit import AuditEntry
from core.users import ApiKey, StaffUser
from dispatch.answers import ResponseTemplate
from dispatch.deadlines import working_days_for
from dispatch.models import DeadlineRule, Report
from tests.api.test_backoffice_shell import csrf_of
from tests.conftest import STAFF_PASSWORD
from tests.factories import make_ticket


@pytest.fixture
def admin(staff_client):
    return staff_client("admin", language="en")


def audit_rows(session, entity):
    session.expire_all()
    return list(session.query(AuditEntry).filter(AuditEntry.entity == entity).order_by(AuditEntry.id))


def post(caller, path, data, lang="en", files=None):
    token = csrf_of(caller.get(f"/staff/admin?lang={lang}").text)
    return caller.post(path, data={"csrf_token": token, "lang": lang, **data}, files=files, follow_redirects=False)


def refused(answer, field, message):
    assert answer.status_code == 422, answer.text[:400]
    assert message in html.unescape(answer.text), html.unescape(answer.text)[:3000]
    if field:
        assert re.search(rf'id="f-{field}"[^>]*aria-invalid="true"', answer.text), field


# -- zones ---------------------------------------------------------------------------------------------------

WEST_BOX = {"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"code": "voirie-W", "name": "voirie W (redrawn)"},
    "geometry": {"type": "Polygon", "coordinates": [[[4.70, 45.70], [4.78, 45.70], [4.78, 45.80], [4.70, 45.80],
                                                     [4.70, 45.70]]]}}]}


def test_a_zone_file_is_tried_drawn_then_applied_with_its_re_routing(admin, session):
    report = make_ticket(session, state="triaged")  # Bellecour: voirie, sector voirie-W
    assert report.sector_code == "voirie-W"
    uploaded = post(admin, "/staff/admin/zones", {"kind": "sector", "service_code": "voirie"},
                    files={"file": ("voirie.geojson", json.dumps(WEST_BOX).encode(), "application/geo+json")})
    assert uploaded.status_code == 303, uploaded.text[:500]
    preview = admin.get(uploaded.headers["location"])
    assert preview.status_code == 200, preview.text[:500]
    assert re.search(r'data-zones="changed">[^<]*voirie-W', preview.text)
    assert f'data-move="{report.ref}"' in preview.text
    config = json.loads(re.search(r'id="rc-zones-config">(.*?)</script>', preview.text, re.S).group(1))
    assert config["shapes"]["features"][0]["properties"]["code"] == "voirie-W"
    moved = next(p for p in config["points"] if p["ref"] == report.ref)
    assert (round(moved["lat"], 4), round(moved["lon"], 4)) == (45.7578, 4.832)
    assert 'src="/static/admin_zones.js"' in preview.text and "unpkg" not in preview.text
    # A dry run changes nothing.
    session.expire_all()
    assert session.get(Report, report.id).sector_code == "voirie-W"
    assert audit_rows(session, "zones") == []

    token = uploaded.headers["location"].split("/")[-1].split("?")[0]
    applied = post(admin, f"/staff/admin/zones/{token}/apply", {"reroute": "yes", "reason": "New west sector"})
    assert applied.status_code == 303, applied.text[:500]
    session.expire_all()
    assert session.get(Report, report.id).sector_code is None
    rows = audit_rows(session, "zones")
    assert [r.action for r in rows] == ["loaded", "rerouted"]
    assert "voirie-W" in rows[0].after["changed"] and rows[1].after["moved"] >= 1
    assert admin.get(uploaded.headers["location"]).status_code == 404  # applied: gone


@pytest.mark.parametrize(("lang", "name", "content", "message"), [
    ("en", "zones.txt", b"{}", "zones.txt: send a .geojson"),
    ("fr", "zones.geojson", b"not json at all", "Lecture impossible de zones.geojson"),
    ("fr", "zones.geojson", b"", "Choisissez un fichier de zones"),
])
def test_a_refused_zone_file_says_why(admin, session, lang, name, content, message):
    answer = post(admin, "/staff/admin/zones", {"kind": "sector", "service_code": "voirie"}, lang=lang,
                  files={"file": (name, content, "application/octet-stream")})
    refused(answer, "file", message)
    assert re.search(r'<option value="voirie" selected>', answer.text)  # the choices made are kept
    assert session.execute(text("SELECT count(*) FROM zone_uploads")).scalar() == 0


# -- deadline rules ------------------------------------------------------------------------------------------

def test_deadline_rules_are_added_changed_and_removed_audited(admin, session):
    assert post(admin, "/staff/admin/deadlines", {"category_code": "pothole", "commune_code": "69123",
                                                  "working_days": "3"}).status_code == 303
    rule = session.query(DeadlineRule).filter_by(category_code="pothole", commune_code="69123").one()
    assert working_days_for(session=session, category_code="pothole", commune_code="69123") == 3
    assert post(admin, "/staff/admin/deadlines", {"rule_id": str(rule.id), "category_code": "pothole",
                                                  "commune_code": "69123", "working_days": "4"}).status_code == 303
    assert post(admin, f"/staff/admin/deadlines/{rule.id}/delete", {}).status_code == 303
    rows = audit_rows(session, "deadline_rule")
    assert [(r.action, (r.after or {}).get("working_days")) for r in rows] == [
        ("created", 3), ("updated", 4), ("deleted", None)]
    assert rows[1].before["working_days"] == 3


@pytest.mark.parametrize(("lang", "changes", "field", "message"), [
    ("en", {"working_days": "0"}, "working_days", "'working_days' must lie between 1 and 365"),
    ("fr", {"working_days": "vite"}, "working_days", "« working_days » doit être un nombre entier"),
    ("fr", {"commune_code": "99999"}, "commune_code", "Commune « 99999 » inconnue"),
    ("en", {"category_code": ""}, "category_code", "'category_code' is required"),
])
def test_a_refused_deadline_rule_keeps_what_was_typed(admin, session, lang, changes, field, message):
    answer = post(admin, "/staff/admin/deadlines", {"category_code": "pothole", "commune_code": "69123",
                                                    "working_days": "3", **changes}, lang=lang)
    refused(answer, field, message)
    assert re.search(r'<option value="69123" selected>', answer.text) or changes.get("commune_code")
    assert session.query(DeadlineRule).count() == 0 or audit_rows(session, "deadline_rule") == []


def test_a_second_rule_for_the_same_place_is_refused(admin, session):
    post(admin, "/staff/admin/deadlines", {"category_code": "pothole", "working_days": "3"})
    again = post(admin, "/staff/admin/deadlines", {"category_code": "pothole", "working_days": "5"}, lang="fr")
    refused(again, "commune_code", "fixe déjà le délai de cette catégorie")


# -- response templates --------------------------------------------------------------------------------------

def test_templates_are_made_and_retired_with_known_placeholders_only(admin, session):
    typed = {"code": "road_closed", "name_fr": "Route fermée", "name_en": "Road closed", "active": "yes",
             "body_fr": "Bonjour, {ref} ({adress}) : la rue est fermée.", "body_en": "Hello, {ref}: road closed."}
    answer = post(admin, "/staff/admin/templates", typed, lang="fr")
    refused(answer, "body_fr", "Champ à remplacer inconnu {adress} : utilisez {ref}, {address}, {deadline}")
    assert "Bonjour, {ref} ({adress}) : la rue est fermée." in html.unescape(answer.text)
    assert post(admin, "/staff/admin/templates", {**typed, "body_fr": "Bonjour, {ref} ({address}) : fermée."}
                ).status_code == 303
    template = session.query(ResponseTemplate).filter_by(code="road_closed").one()
    retired = post(admin, f"/staff/admin/templates/{template.id}", {**typed, "body_fr": "Bonjour, {ref} : fermée.",
                                                                   "active": ""})
    assert retired.status_code == 303
    from dispatch.answers import list_templates

    assert "road_closed" not in {t.code for t in list_templates(session=session)}
    rows = audit_rows(session, "response_template")
    assert [r.action for r in rows] == ["created", "updated"] and rows[1].after["active"] is False


# -- staff accounts ------------------------------------------------------------------------------------------

def test_staff_accounts_are_created_changed_disabled_and_audited(admin, session, client):
    typed = {"email": "New.Agent@Staff.example", "name": "Nina Nouvelle", "role": "commune_staff",
             "commune_code": "69123", "language": "fr", "password": "short"}
    answer = post(admin, "/staff/admin/accounts", typed)
    refused(answer, "", "A staff password needs 12 to 1000 characters")
    assert 'value="Nina Nouvelle"' in answer.text and 'value="short"' not in answer.text
    no_commune = post(admin, "/staff/admin/accounts", {**typed, "commune_code": "", "password": STAFF_PASSWORD},
                      lang="fr")
    refused(no_commune, "commune_code", "« commune_code » est obligatoire")
    assert post(admin, "/staff/admin/accounts", {**typed, "password": STAFF_PASSWORD}).status_code == 303
    user = session.query(StaffUser).filter_by(email="new.agent@staff.example").one()
    assert (user.role, user.commune_code) == ("commune_staff", "69123")
    changed = post(admin, f"/staff/admin/accounts/{user.id}", {"intent": "profile", "name": "Nina Nouvelle",
                                                               "role": "agent", "language": "en"})
    assert changed.status_code == 303, changed.text[:500]
    assert post(admin, f"/staff/admin/accounts/{user.id}", {"intent": "password",
                                                            "password": "another long passphrase"}).status_code == 303
    assert post(admin, f"/staff/admin/accounts/{user.id}", {"intent": "disable"}).status_code == 303
    session.expire_all()
    assert (user.role, user.commune_code, user.active) == ("agent", None, False)
    rows = audit_rows(session, "staff_user")
    assert [r.action for r in rows] == ["created", "updated", "password_set", "disabled"]
    assert rows[1].before == {"id": user.id, "role": "commune_staff", "commune_code": "69123", "language": "fr"}
    dumped = json.dumps([[r.before, r.after] for r in rows])
    assert "passphrase" not in dumped and "argon2" not in dumped and STAFF_PASSWORD not in dumped
    # Nobody disables themselves (they would lock the door behind them).
    me = post(admin, f"/staff/admin/accounts/{admin.staff['id']}", {"intent": "disable"})
    assert me.status_code == 403 and "You cannot disable your own account" in html.unescape(me.text)


# -- API keys ------------------------------------------------------------------------------------------------

def test_an_api_key_is_shown_once_works_and_is_revoked(admin, session, client):
    refused(post(admin, "/staff/admin/keys", {"name": "Bron", "role": "boss"}, lang="fr"), "",
            "Rôle « boss » inconnu")
    made = post(admin, "/staff/admin/keys", {"name": "Ville de Bron", "role": "official"})
    assert made.status_code == 200
    secret = re.search(r'id="rc-secret">(rck_[^<]+)<', made.text).group(1)
    assert "never be shown again" in made.text
    assert secret not in admin.get("/staff/admin/keys?lang=en").text
    assert client.get("/api/v1/figures", headers={"X-API-Key": secret}).status_code == 200
    key = session.query(ApiKey).filter_by(name="Ville de Bron").one()
    assert post(admin, f"/staff/admin/keys/{key.id}/revoke", {}).status_code == 303
    assert client.get("/api/v1/figures", headers={"X-API-Key": secret}).status_code == 401
    rows = audit_rows(session, "api_key")
    assert [r.action for r in rows] == ["created", "revoked"] and secret not in json.dumps(rows[0].after)


# -- webhooks ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "changes", "field", "message"), [
    ("en", {"url": "http://127.0.0.1:8080/hook"}, "url", "127.0.0.1"),
    ("fr", {"url": "http://10.1.2.3/hook"}, "url", "10.1.2.3"),
    ("fr", {"url": "ftp://93.184.215.14/"}, "url", "L'adresse doit commencer par https:// ou http://"),
    ("en", {"events": ""}, None, "Choose at least one event"),
])
def test_a_refused_webhook_says_why(admin, session, lang, changes, field, message):
    typed = {"name": "Partenaire", "url": "https://93.184.215.14/hook", "events": "ticket.created", **changes}
    answer = post(admin, "/staff/admin/webhooks", typed, lang=lang)
    refused(answer, field, message)
    assert 'value="Partenaire"' in answer.text
    assert session.execute(text("SELECT count(*) FROM webhook_subscriptions")).scalar() == 0


def test_a_webhook_secret_is_shown_once_and_the_subscription_audited(admin, session):
    made = post(admin, "/staff/admin/webhooks", {"name": "Bron", "url": "https://93.184.215.14/hook",
                                                 "events": ["ticket.created", "ticket.resolved"]})
    assert made.status_code == 200, made.text[:500]
    secret = re.search(r'id="rc-secret">(whsec_[^<]+)<', made.text).group(1)
    sub_id, events = session.execute(text("SELECT id, events FROM webhook_subscriptions")).one()
    assert events == ["ticket.created", "ticket.resolved"]
    assert secret not in admin.get("/staff/admin/webhooks?lang=en").text
    assert post(admin, f"/staff/admin/webhooks/{sub_id}/delete", {}).status_code == 303
    rows = audit_rows(session, "webhook")
    assert [r.action for r in rows] == ["created", "deleted"] and secret not in json.dumps(rows[0].after)
