"""Sample reports for the demo: a few hundred, spread over communes, categories, states and channels, marked is_demo."""

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from dispatch import service as reports
from dispatch import vocabulary
from dispatch.models import Report, ReportEvent
from dispatch.schemas import ReportCreate
from geo.models import Category

DEMO_COUNT = 400
# Roughly what a city sees: most reports still open somewhere in the pipeline, a good share fixed.
STATE_WEIGHTS = {"new": 14, "triaged": 9, "assigned": 10, "scheduled": 8, "in_progress": 11, "waiting_resident": 4,
                 "resolved": 16, "closed": 16, "reopened": 3, "rejected": 6}
CHANNEL_WEIGHTS = {"app": 45, "web": 14, "phone": 20, "counter": 7, "email": 6, "commune_office": 8}
DESCRIPTIONS = {
    "pothole": ["Nid-de-poule profond au milieu de la chaussée", "Trou dans la route devant l'école"],
    "damaged_pavement": ["Trottoir soulevé par les racines", "Dalles cassées, risque de chute"],
    "missed_pickup": ["Bacs non collectés depuis mardi", "Collecte du tri oubliée dans la rue"],
    "overflowing_bin": ["Corbeille pleine qui déborde sur le trottoir", "Poubelle de rue pleine depuis le week-end"],
    "illegal_dumping": ["Matelas et cartons déposés au pied de l'arbre", "Gravats abandonnés sur le parking"],
    "graffiti": ["Tags sur le mur de l'école", "Graffiti sur l'abribus"],
    "broken_streetlight": ["Lampadaire éteint depuis une semaine", "Éclairage qui clignote toute la nuit"],
    "fallen_tree": ["Branche tombée sur la piste cyclable", "Arbre couché après l'orage"],
    "overgrown_vegetation": ["Haie qui déborde sur le trottoir", "Herbes hautes qui masquent le panneau"],
    "water_leak": ["Fuite d'eau sur la chaussée", "Bouche d'égout qui déborde"],
    "damaged_sign": ["Panneau stop tordu", "Panneau de rue illisible"],
    "damaged_bench": ["Banc cassé dans le square", "Barrière arrachée le long du quai"],
}

POINTS_SQL = text("""
    -- Points inside the current communes, in proportion to their population, reproducible by seed.
    WITH c AS (
        SELECT code, geom, population::float8 / sum(population) OVER () AS share
        FROM zones WHERE kind = 'commune' AND valid_to IS NULL AND population > 0
    )
    SELECT ST_Y(d.geom) AS lat, ST_X(d.geom) AS lon
    FROM c, LATERAL ST_Dump(ST_GeneratePoints(c.geom, GREATEST(1, round(:n * c.share))::int, :seed)) AS d
    ORDER BY c.code, d.path
""")


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def load_demo_reports(*, session: Session, count: int = DEMO_COUNT, seed: int = 2026,
                      now: datetime | None = None) -> int:
    """Create demo reports until `count` exist (idempotent: a second run adds nothing); returns how many were made."""
    existing = session.scalar(select(func.count()).select_from(Report).where(Report.is_demo)) or 0
    missing = count - existing
    if missing <= 0:
        return 0
    now = now or datetime.now(UTC)
    rng = random.Random(seed + existing)
    categories = {c.code: c for c in session.scalars(select(Category).where(Category.parent_code.is_not(None)))}
    points = [tuple(p) for p in session.execute(POINTS_SQL, {"n": missing, "seed": seed + existing})]
    rng.shuffle(points)
    made = 0
    for lat, lon in points[:missing]:
        code = rng.choice(sorted(categories))
        channel = _pick(rng, CHANNEL_WEIGHTS)
        report = reports.create(session=session, channel=channel, is_demo=True, actor_kind="system",
                                data=ReportCreate(lat=lat, lon=lon, category=code,
                                                  description=rng.choice(DESCRIPTIONS.get(code, ["Signalement"]))))
        state = _pick(rng, STATE_WEIGHTS)
        # Recent reports are more numerous: a year back, denser towards today.
        created = now - timedelta(days=365 * rng.random() ** 1.6, minutes=rng.randrange(1440))
        report.created_at = created
        report.updated_at = created
        report.due_at = created + timedelta(days=round(categories[code].deadline_days * 7 / 5))
        if state in vocabulary.DONE:
            late = rng.random() < 0.25
            days = categories[code].deadline_days * (rng.uniform(1.0, 2.5) if late else rng.uniform(0.1, 1.0))
            report.resolved_at = min(created + timedelta(days=days * 7 / 5), now)
            report.outcome = "fixed"
            report.updated_at = report.resolved_at
        elif state == vocabulary.State.REJECTED:
            report.outcome = "not_our_responsibility"
        if state != "new":
            session.add(ReportEvent(report_id=report.id, action="transition", actor_kind="system", from_state="new",
                                    to_state=state, at=report.updated_at if state != "new" else created,
                                    note="demo", data={"demo": True}))
        report.state = state
        made += 1
    session.flush()
    # The "created" lines were stamped now; move them to the reports' demo dates. The history is append-only,
    # so this one rewrite of demo-only rows goes through the documented switch, inside this transaction only.
    session.execute(text("SET LOCAL ruecommune.allow_history_rewrite = 'on'"))
    session.execute(text("""
        UPDATE report_events e SET at = r.created_at FROM reports r
        WHERE e.report_id = r.id AND r.is_demo AND e.action = 'created' AND e.at > r.created_at
    """))
    session.execute(text("SET LOCAL ruecommune.allow_history_rewrite = 'off'"))
    session.flush()
    return made
