"""Staff sign-in by signed cookie with CSRF, partner API keys stored hashed, role checks."""

from sqlalchemy import select

from api.auth import SESSION_COOKIE, open_session
from core import users
from tests.conftest import STAFF_PASSWORD


def test_password_is_stored_as_argon2_and_wrong_password_is_refused(client, session):
    users.create(session=session, email="Agent@Metropole.example", name="A", role="agent", password=STAFF_PASSWORD)
    stored = session.scalar(select(users.StaffUser.password_hash)
                            .where(users.StaffUser.email == "agent@metropole.example"))
    assert stored.startswith("$argon2id$") and STAFF_PASSWORD not in stored
    wrong = client.post("/api/v1/auth/login", json={"email": "agent@metropole.example", "password": "nope"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "auth.required"
    unknown = client.post("/api/v1/auth/login", json={"email": "ghost@metropole.example", "password": "nope"})
    assert unknown.status_code == 401
    assert SESSION_COOKIE not in client.cookies


def test_login_sets_an_httponly_cookie_and_me_answers(client, session):
    users.create(session=session, email="crew@metropole.example", name="Crew", role="crew", password=STAFF_PASSWORD,
                 service_code="voirie", sector_codes=["voirie-E"])
    answer = client.post("/api/v1/auth/login", json={"email": "crew@metropole.example", "password": STAFF_PASSWORD})
    assert answer.status_code == 200
    set_cookie = [v for k, v in answer.headers.multi_items() if k == "set-cookie"]
    session_cookie = next(c for c in set_cookie if c.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    me = client.get("/api/v1/auth/me").json()
    assert (me["role"], me["service_code"], me["sector_codes"]) == ("crew", "voirie", ["voirie-E"])


def test_unsafe_request_by_cookie_needs_the_csrf_token(staff_client):
    admin = staff_client("admin")
    new = {"email": "x@staff.example", "name": "X", "role": "agent", "password": "long enough password"}
    token = admin.headers.pop("X-CSRF-Token")
    refused = admin.post("/api/v1/staff", json=new)
    assert refused.status_code == 403 and refused.json()["reason"] == "csrf"
    forged = admin.post("/api/v1/staff", json=new, headers={"X-CSRF-Token": token[:-2] + "xx"})
    assert forged.status_code == 403
    accepted = admin.post("/api/v1/staff", json=new, headers={"X-CSRF-Token": token})
    assert accepted.status_code == 201, accepted.text


def test_forged_or_expired_cookie_is_refused(client, session):
    user = users.create(session=session, email="a@staff.example", name="A", role="admin", password=STAFF_PASSWORD)
    good, _ = open_session(session=session, staff_id=user.id)
    client.cookies.set(SESSION_COOKIE, good)
    assert client.get("/api/v1/auth/me").status_code == 200
    secret, _, mac = good.rpartition(".")
    client.cookies.set(SESSION_COOKIE, f"{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}.{mac}")
    assert client.get("/api/v1/auth/me").status_code == 401
    expired, _ = open_session(session=session, staff_id=user.id, lifetime_s=-13 * 3600)
    client.cookies.set(SESSION_COOKIE, expired)
    assert client.get("/api/v1/auth/me").status_code == 401


def test_disabled_account_loses_its_session(staff_client, session):
    agent = staff_client("agent")
    assert agent.get("/api/v1/auth/me").status_code == 200
    session.get(users.StaffUser, agent.staff["id"]).active = False
    session.flush()
    assert agent.get("/api/v1/auth/me").status_code == 401


def test_api_key_is_shown_once_stored_hashed_and_works_without_csrf(staff_client, client, session):
    admin = staff_client("admin")
    created = admin.post("/api/v1/staff/api-keys", json={"name": "Ville de Villeurbanne", "role": "partner",
                                                         "commune_code": "69266"})
    assert created.status_code == 201
    clear = created.json()["key"]
    row = session.get(users.ApiKey, created.json()["id"])
    assert clear not in (row.key_hash, row.prefix) and len(row.key_hash) == 64
    me = client.get("/api/v1/auth/me", headers={"X-API-Key": clear})
    assert (me.status_code, me.json()["role"], me.json()["commune_code"]) == (200, "partner", "69266")
    bearer = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {clear}"})
    assert bearer.status_code == 200
    forged = clear[:-1] + ("B" if clear.endswith("A") else "A")
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": forged}).status_code == 401
    row.active = False
    session.flush()
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": clear}).status_code == 401


def test_only_admins_manage_staff(staff_client, client):
    assert client.get("/api/v1/staff").status_code == 401
    for role in ("agent", "commune_staff", "service_staff", "crew", "official"):
        answer = staff_client(role).get("/api/v1/staff")
        assert answer.status_code == 403, role
        assert answer.json()["code"] == "auth.forbidden"
    assert staff_client("admin").get("/api/v1/staff").status_code == 200


def test_logout_forgets_the_session(client, session):
    users.create(session=session, email="out@staff.example", name="Out", role="agent", password=STAFF_PASSWORD)
    login = client.post("/api/v1/auth/login", json={"email": "out@staff.example", "password": STAFF_PASSWORD})
    assert client.get("/api/v1/auth/me").status_code == 200
    logout = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": login.json()["csrf_token"]})
    assert logout.status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401
    # The old cookie replayed after sign-out opens nothing: the session is gone on the server too.
    client.cookies.set(SESSION_COOKIE, login.cookies[SESSION_COOKIE])
    assert client.get("/api/v1/auth/me").status_code == 401
