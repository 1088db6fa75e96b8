"""Staff sign-in throttle (issue 14, #10): per account and per address, exponential backoff, kept in PostgreSQL
so every replica sees it; and a bound on concurrent Argon2 hashes."""

import time

from fastapi.testclient import TestClient
from sqlalchemy import text

from core import login, throttle, users
from tests.conftest import STAFF_PASSWORD, app_on_session

LOGIN = "/api/v1/auth/login"


def test_forty_wrong_passwords_then_the_right_one_is_refused_during_the_lockout(client, engine, session):
    users.create(session=session, email="target@staff.example", name="T", role="admin", password=STAFF_PASSWORD)
    statuses = [client.post(LOGIN, json={"email": "target@staff.example", "password": f"guess {n}"}).status_code
                for n in range(40)]
    # Five free failures, the sixth locks the account; from then on no password is even checked.
    assert statuses[:6] == [401] * 6 and set(statuses[6:]) == {429}, statuses
    right = client.post(LOGIN, json={"email": "target@staff.example", "password": STAFF_PASSWORD},
                        headers={"Accept-Language": "fr"})
    assert right.status_code == 429, right.text
    assert right.headers["content-type"].startswith("application/problem+json")
    problem = right.json()
    assert problem["code"] == "auth.throttled" and problem["title"] == "Trop d'échecs de connexion"
    assert "réessayez dans" in problem["detail_fr"] and "try again in" in problem["detail_en"]
    retry_after = int(right.headers["Retry-After"])
    assert 1 <= retry_after <= 2 and problem["retry_after"] == retry_after
    assert "rc_session" not in client.cookies

    # The state is a row in PostgreSQL (no clear email in it): another replica of the API refuses as well.
    row = session.execute(text("SELECT failures, locked_until > now() FROM throttle WHERE key = :k"),
                          {"k": login.account_key("target@staff.example")}).one()
    assert tuple(row) == (6, True)
    assert session.execute(text("SELECT count(*) FROM throttle WHERE key LIKE '%target%'")).scalar() == 0
    with TestClient(app_on_session(engine, session)) as other_replica:
        again = other_replica.post(LOGIN, json={"email": "target@staff.example", "password": STAFF_PASSWORD})
        assert again.status_code == 429

    # Once the lockout is over the right password opens, and the account's count starts again.
    time.sleep(retry_after + 0.2)
    assert client.post(LOGIN, json={"email": "target@staff.example", "password": STAFF_PASSWORD}).status_code == 200
    assert session.execute(text("SELECT count(*) FROM throttle WHERE key = :k"),
                           {"k": login.account_key("target@staff.example")}).scalar() == 0


def test_one_address_spraying_many_accounts_is_locked_out_and_other_addresses_are_not(engine, session):
    users.create(session=session, email="sprayed@staff.example", name="S", role="agent", password=STAFF_PASSWORD)
    app = app_on_session(engine, session)
    with TestClient(app, client=("203.0.113.7", 4000)) as attacker, \
            TestClient(app, client=("198.51.100.2", 4000)) as colleague:
        # Twenty free failures per address, each on a different account: no account throttle ever trips.
        statuses = [attacker.post(LOGIN, json={"email": f"guess{n}@staff.example", "password": "x"}).status_code
                    for n in range(22)]
        assert statuses[:21] == [401] * 21 and statuses[21] == 429, statuses
        locked = attacker.post(LOGIN, json={"email": "sprayed@staff.example", "password": STAFF_PASSWORD})
        assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1
        assert colleague.post(LOGIN, json={"email": "sprayed@staff.example",
                                           "password": STAFF_PASSWORD}).status_code == 200


def test_each_further_failure_doubles_the_lockout_up_to_the_maximum(session):
    policy = throttle.Policy(free=2, base_s=2, max_s=30, forget_s=60)
    key = throttle.key("test", "someone")
    locks = [throttle.hit(session=session, key=key, policy=policy) for _ in range(8)]
    assert locks == [0, 0, 2, 4, 8, 16, 30, 30]
    assert 29 <= throttle.check(session=session, key=key) <= 30
    assert throttle.check(session=session, key=throttle.key("test", "someone else")) == 0
    throttle.clear(session=session, key=key)
    assert throttle.check(session=session, key=key) == 0
    # An idle key starts again from zero.
    throttle.hit(session=session, key=key, policy=policy)
    session.execute(text("UPDATE throttle SET last_failure_at = clock_timestamp() - interval '2 minutes' "
                         "WHERE key = :k"), {"k": key})
    assert [throttle.hit(session=session, key=key, policy=policy) for _ in range(3)] == [0, 0, 2]


def test_a_saturated_password_hasher_answers_503_with_retry_after(client, session):
    users.create(session=session, email="busy@staff.example", name="B", role="agent", password=STAFF_PASSWORD)
    session.commit()  # the refused request rolls back its own work, not the account made here
    slots = users.hash_slots()
    held = 0
    while slots.acquire(blocking=False):  # every Argon2 slot taken, as by as many sign-ins in flight
        held += 1
    try:
        assert held >= 1
        busy = client.post(LOGIN, json={"email": "busy@staff.example", "password": STAFF_PASSWORD})
        assert busy.status_code == 503, busy.text
        assert busy.json()["code"] == "auth.busy" and int(busy.headers["Retry-After"]) >= 1
        assert busy.json()["title_fr"] == "Trop de connexions simultanées"
    finally:
        for _ in range(held):
            slots.release()
    # A refusal for want of memory is not a wrong password: the account is not one step closer to a lockout.
    assert session.execute(text("SELECT count(*) FROM throttle WHERE key = :k"),
                           {"k": login.account_key("busy@staff.example")}).scalar() == 0
    assert client.post(LOGIN, json={"email": "busy@staff.example", "password": STAFF_PASSWORD}).status_code == 200
