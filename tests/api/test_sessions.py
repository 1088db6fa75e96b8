"""Sessions can be revoked (issue 14, #13): sign-out kills the session on the server, disabling an account kills
its sessions, passwords are changed (old one required) and reset (by an admin), API keys revoked."""

from fastapi.testclient import TestClient
from sqlalchemy import text

from api.auth import SESSION_COOKIE, open_session
from core import users
from tests.conftest import STAFF_PASSWORD, app_on_session


def _signed_in(app, email, password=STAFF_PASSWORD):
    """A fresh browser signed in through the real endpoint; its CSRF token set as the PWA does."""
    browser = TestClient(app)
    answer = browser.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    browser.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return browser


def _replay(app, cookie):
    """Another browser replaying a copied session cookie."""
    thief = TestClient(app)
    thief.cookies.set(SESSION_COOKIE, cookie)
    return thief.get("/api/v1/auth/me").status_code


def test_sign_out_kills_the_session_and_the_old_cookie_replays_to_401(engine, session):
    users.create(session=session, email="out@staff.example", name="Out", role="agent", password=STAFF_PASSWORD)
    app = app_on_session(engine, session)
    browser = _signed_in(app, "out@staff.example")
    cookie = browser.cookies[SESSION_COOKIE]
    assert _replay(app, cookie) == 200
    # The table keeps a digest, never the cookie's secret.
    stored = session.execute(text("SELECT token_hash FROM staff_sessions s JOIN staff_users u ON u.id = s.staff_id "
                                  "WHERE u.email = 'out@staff.example'")).scalar_one()
    assert stored not in cookie
    assert browser.post("/api/v1/auth/logout").status_code == 204
    assert _replay(app, cookie) == 401
    assert browser.get("/api/v1/auth/me").status_code == 401


def test_an_expired_server_side_session_opens_nothing(client, session):
    user = users.create(session=session, email="old@staff.example", name="Old", role="admin", password=STAFF_PASSWORD)
    cookie, _ = open_session(session=session, staff_id=user.id, lifetime_s=-1)
    client.cookies.set(SESSION_COOKIE, cookie)
    assert client.get("/api/v1/auth/me").status_code == 401
    forged = cookie[:-3] + ("AAA" if not cookie.endswith("AAA") else "BBB")
    client.cookies.set(SESSION_COOKIE, forged)
    assert client.get("/api/v1/auth/me").status_code == 401


def test_a_disabled_account_loses_every_session_at_once_and_cannot_sign_in(engine, session, staff_client):
    admin = staff_client("admin")
    made = admin.post("/api/v1/staff", json={"email": "leaver@staff.example", "name": "Leaver", "role": "agent",
                                             "password": STAFF_PASSWORD})
    assert made.status_code == 201, made.text
    app = app_on_session(engine, session)
    phone, desk = _signed_in(app, "leaver@staff.example"), _signed_in(app, "leaver@staff.example")
    assert admin.post(f"/api/v1/staff/{admin.staff['id']}/disable").status_code == 409  # not oneself
    disabled = admin.post(f"/api/v1/staff/{made.json()['id']}/disable")
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert phone.get("/api/v1/auth/me").status_code == 401 and desk.get("/api/v1/auth/me").status_code == 401
    refused = TestClient(app).post("/api/v1/auth/login", json={"email": "leaver@staff.example",
                                                               "password": STAFF_PASSWORD})
    assert refused.status_code == 401
    # Enabling again does not bring the old sessions back; signing in does.
    assert admin.post(f"/api/v1/staff/{made.json()['id']}/enable").json()["active"] is True
    assert phone.get("/api/v1/auth/me").status_code == 401
    assert _signed_in(app, "leaver@staff.example").get("/api/v1/auth/me").status_code == 200


def test_changing_ones_password_needs_the_old_one_and_ends_the_other_sessions(engine, session):
    users.create(session=session, email="me@staff.example", name="Me", role="crew", password=STAFF_PASSWORD)
    app = app_on_session(engine, session)
    here, elsewhere = _signed_in(app, "me@staff.example"), _signed_in(app, "me@staff.example")
    new = "a brand new passphrase"
    wrong = here.post("/api/v1/auth/password", json={"current_password": "not it", "new_password": new})
    assert wrong.status_code == 403 and wrong.json()["code"] == "staff.wrong_password"
    short = here.post("/api/v1/auth/password", json={"current_password": STAFF_PASSWORD, "new_password": "short"})
    assert short.status_code == 422
    no_csrf = here.post("/api/v1/auth/password", json={"current_password": STAFF_PASSWORD, "new_password": new},
                        headers={"X-CSRF-Token": ""})
    assert no_csrf.status_code == 403
    changed = here.post("/api/v1/auth/password", json={"current_password": STAFF_PASSWORD, "new_password": new})
    assert changed.status_code == 204, changed.text
    assert here.get("/api/v1/auth/me").status_code == 200
    assert elsewhere.get("/api/v1/auth/me").status_code == 401
    stranger = TestClient(app)
    assert stranger.post("/api/v1/auth/login", json={"email": "me@staff.example",
                                                     "password": STAFF_PASSWORD}).status_code == 401
    assert _signed_in(app, "me@staff.example", new).get("/api/v1/auth/me").status_code == 200


def test_an_admin_resets_a_password_and_every_session_of_that_account_ends(engine, session, staff_client):
    target = users.create(session=session, email="forgot@staff.example", name="F", role="agent",
                          password=STAFF_PASSWORD)
    app = app_on_session(engine, session)
    old = _signed_in(app, "forgot@staff.example")
    admin = staff_client("admin")
    assert staff_client("agent").post(f"/api/v1/staff/{target.id}/password",
                                      json={"password": "x" * 20}).status_code == 403
    assert admin.post(f"/api/v1/staff/{target.id}/password", json={"password": "too short"}).status_code == 422
    assert admin.post(f"/api/v1/staff/{target.id}/password",
                      json={"password": "given by the admin desk"}).status_code == 204
    assert old.get("/api/v1/auth/me").status_code == 401
    assert _signed_in(app, "forgot@staff.example", "given by the admin desk").get("/api/v1/auth/me").status_code == 200
    assert admin.post("/api/v1/staff/999999/password", json={"password": "given by the admin desk"}).status_code == 404


def test_an_api_key_is_revoked_for_good(staff_client, client):
    admin = staff_client("admin")
    created = admin.post("/api/v1/staff/api-keys", json={"name": "Partenaire", "role": "partner"}).json()
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": created["key"]}).status_code == 200
    revoked = admin.post(f"/api/v1/staff/api-keys/{created['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["active"] is False and revoked.json()["revoked_at"]
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": created["key"]}).status_code == 401
    listed = {k["id"]: k for k in admin.get("/api/v1/staff/api-keys").json()}
    assert listed[created["id"]]["active"] is False and "key" not in listed[created["id"]]
    assert admin.post("/api/v1/staff/api-keys/999999/revoke").status_code == 404


def test_unknown_role_service_or_commune_and_short_passwords_are_refused_by_the_api(staff_client):
    admin = staff_client("admin")
    base = {"email": "new@staff.example", "name": "N", "role": "agent", "password": STAFF_PASSWORD}
    for change, code in (({"role": "boss"}, "staff.invalid_role"),
                         ({"service_code": "nope"}, "staff.invalid_scope"),
                         ({"commune_code": "99999"}, "staff.invalid_scope"),
                         ({"password": "a" * 11}, "request.invalid"),
                         ({"password": " " * 14}, "staff.weak_password")):
        answer = admin.post("/api/v1/staff", json={**base, **change})
        assert (answer.status_code, answer.json()["code"]) == (422, code), (change, answer.text)
    assert admin.post("/api/v1/staff", json={**base, "service_code": "voirie"}).status_code == 201
