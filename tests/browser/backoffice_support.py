"""What the back-office browser tests share: staff accounts and residents' reports in the live database,
signing in through the form, the outbox of a ticket."""

import uuid

import httpx
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.users import StaffUser
from tests.conftest import STAFF_PASSWORD, _staff_password_hash

BELLECOUR = (45.7578, 4.8320)


def staff_member(engine: object, role: str, *, name: str, language: str = "fr", **scope: object) -> dict[str, object]:
    """An active staff account in the live database, signing in with the suite's staff password."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@staff.example"
    with Session(engine) as session:  # type: ignore[call-overload]
        user = StaffUser(email=email, name=name, role=role, language=language, password_hash=_staff_password_hash(),
                         active=True, sector_codes=[], **scope)
        session.add(user)
        session.commit()
        return {"id": user.id, "email": email, "name": name}


def resident_report(server: object, *, email: str, language: str, name: str, description: str,
                    where: tuple[float, float] = BELLECOUR, category: str = "pothole") -> dict[str, object]:
    """A report filed through the live public API by a resident who agreed to hear about it."""
    answer = httpx.post(server("/api/v1/reports"), json={  # type: ignore[operator]
        "lat": where[0], "lon": where[1], "category": category, "description": description,
        "contact": {"name": name, "email": email, "language": language, "consent_updates": True}})
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def sign_in(page: object, server: object, who: dict[str, object], lang: str = "fr", path: str = "/staff") -> None:
    """Through the back office's form, as a person would."""
    labels = {"fr": ("Adresse électronique", "Mot de passe", "Se connecter"),
              "en": ("Email", "Password", "Sign in")}[lang]
    page.goto(server(f"{path}{'&' if '?' in path else '?'}lang={lang}"))  # type: ignore[attr-defined, operator]
    page.get_by_label(labels[0]).fill(who["email"])  # type: ignore[attr-defined]
    page.get_by_label(labels[1]).fill(STAFF_PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name=labels[2]).click()  # type: ignore[attr-defined]
    page.wait_for_selector("main#content h1")  # type: ignore[attr-defined]
    watch = getattr(page, "watch", None)
    if watch is not None:  # the sign-in form itself answered 401 by design
        watch.console_errors[:] = [e for e in watch.console_errors if "401" not in e[0]]


def ticket(engine: object, report_id: int) -> dict[str, object]:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return dict(conn.execute(text("SELECT state, service_code, version, merged_into_id, outcome, paused_at "
                                      "FROM reports WHERE id = :id"), {"id": report_id}).mappings().one())


def history(engine: object, report_id: int) -> list[dict[str, object]]:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return [dict(r) for r in conn.execute(text(
            "SELECT action, from_state, to_state, note, public FROM report_events WHERE report_id = :id ORDER BY id"),
            {"id": report_id}).mappings()]


def outbox_emails(engine: object, report_id: int) -> list[dict[str, object]]:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return [r[0] for r in conn.execute(text(
            "SELECT payload FROM outbox WHERE report_id = :id AND kind = 'email' ORDER BY id"), {"id": report_id})]
