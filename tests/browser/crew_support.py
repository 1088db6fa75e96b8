"""What the crew-mode browser tests share: a crew member, triaged tickets with a resident, points at true distances."""

import json
import uuid

import httpx
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.users import Principal, StaffUser
from dispatch import workflow
from tests.conftest import STAFF_PASSWORD, _staff_password_hash
from tests.photo_files import phone_jpeg


def desk(role: str, **scope: object) -> Principal:
    """A staff member acting from the office; id 0 is nobody's row, so history never mixes them up with the crew."""
    return Principal(kind="staff", id=0, role=role, name=f"{role} at the desk", **scope)  # type: ignore[arg-type]


def point_at(engine: object, origin: tuple[float, float], metres: float, azimuth: float) -> tuple[float, float]:
    """The point `metres` away from `origin` on the ground (geography), as (lat, lon)."""
    with engine.connect() as conn:  # type: ignore[attr-defined]
        row = conn.execute(text(
            "SELECT ST_Y(p::geometry), ST_X(p::geometry) FROM ST_Project(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"
            "::geography, :m, radians(:az)) p"), {"lat": origin[0], "lon": origin[1], "m": metres, "az": azimuth}).one()
    return row[0], row[1]


def crew_member(engine: object, service_code: str = "voirie") -> dict[str, object]:
    """An active crew account of the service in the live database; signs in with the suite's staff password."""
    email = f"crew-{uuid.uuid4().hex[:8]}@staff.example"
    with Session(engine) as session:  # type: ignore[call-overload]
        user = StaffUser(email=email, name="Camille Terrain", role="crew", service_code=service_code,
                         sector_codes=[], language="fr", password_hash=_staff_password_hash(), active=True)
        session.add(user)
        session.commit()
        return {"id": user.id, "email": email, "password": STAFF_PASSWORD}


def triaged_ticket(live_server: object, lat: float, lon: float, *, description: str,
                   resident_email: str | None = None) -> dict[str, object]:
    """A pothole filed through the live API (with a photo and the resident's consent), then triaged by an agent."""
    fields = {"lat": str(lat), "lon": str(lon), "category": "pothole", "description": description}
    if resident_email:
        fields["contact"] = json.dumps({"email": resident_email, "language": "fr", "consent_updates": True})
    answer = httpx.post(live_server("/api/v1/reports"), data=fields,  # type: ignore[operator]
                        files={"photos": ("before.jpg", phone_jpeg(gps=False), "image/jpeg")})
    assert answer.status_code == 201, answer.text
    report = answer.json()
    assert report["service_code"] == "voirie", report
    with Session(live_server.engine) as session:  # type: ignore[attr-defined]
        moved = workflow.transition(session=session, report_id=report["id"], to="triaged", actor=desk("agent"),
                                    version=None)
        session.commit()
        return {"id": moved.id, "ref": moved.ref, "version": moved.version}


def sign_in(page: object, member: dict[str, object]) -> None:
    """Through the crew screen's form, as a person would."""
    page.get_by_label("Adresse e-mail professionnelle").fill(member["email"])  # type: ignore[attr-defined]
    page.get_by_label("Mot de passe").fill(member["password"])  # type: ignore[attr-defined]
    page.get_by_role("button", name="Se connecter").click()  # type: ignore[attr-defined]


def history(engine: object, report_id: int) -> list[dict[str, object]]:
    """A ticket's history lines, oldest first."""
    with engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(text("SELECT action, from_state, to_state, actor_id, note FROM report_events "
                                 "WHERE report_id = :id ORDER BY id"), {"id": report_id}).mappings().all()
    return [dict(r) for r in rows]


def ticket_row(engine: object, report_id: int) -> dict[str, object]:
    """The ticket as the database has it, with its after photos (count, and the first one's hash and size)."""
    with engine.connect() as conn:  # type: ignore[attr-defined]
        row = conn.execute(text(
            "SELECT r.state, r.outcome, r.assignee_id, r.version, "
            "(SELECT count(*) FROM report_photos p WHERE p.report_id = r.id AND p.kind = 'after') AS after_photos, "
            "a.hash AS after, a.width AS after_width, a.source_bytes AS after_bytes "
            "FROM reports r LEFT JOIN LATERAL (SELECT ph.hash, ph.width, ph.source_bytes FROM report_photos p "
            "  JOIN photos ph ON ph.hash = p.photo_hash WHERE p.report_id = r.id AND p.kind = 'after' LIMIT 1) a "
            "ON true WHERE r.id = :id"), {"id": report_id}).mappings().one()
    return dict(row)
