"""Crews: nearby tickets in metres, twenty crews claiming ten tickets at once, the visit order."""

import random
import threading
import time

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import sessionmaker

from core.errors import Conflict
from core.users import StaffUser, principal_of
from dispatch import crews, route
from dispatch.models import IdempotencyKey, Report, ReportEvent
from dispatch.outbox import OutboxMessage
from tests.factories import BELLECOUR, actor, make_ticket


def offset(session, point, metres, azimuth=90.0):
    """A point `metres` away on the ground (geography), as (lat, lon)."""
    lat, lon = point
    row = session.execute(text(
        "SELECT ST_Y(p::geometry), ST_X(p::geometry) FROM ST_Project(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"
        "::geography, :m, radians(:az)) p"), {"lat": lat, "lon": lon, "m": metres, "az": azimuth}).one()
    return row[0], row[1]


def test_nearby_is_my_service_nearest_first_in_true_metres(session):
    here = offset(session, BELLECOUR, 0)
    west = 270.0  # stay in sector voirie-W
    near = make_ticket(session, *offset(session, here, 120, west), state="triaged")
    far = make_ticket(session, *offset(session, here, 900, west), state="in_progress")
    beyond = make_ticket(session, *offset(session, here, 2500, west), state="triaged")
    done = make_ticket(session, *offset(session, here, 50, west), state="resolved")
    other_service = make_ticket(session, *offset(session, here, 60, west), category="overflowing_bin",
                                state="triaged")
    crew = actor("crew", near)
    found = crews.nearby(session=session, crew=crew, lat=here[0], lon=here[1], radius_m=2000, limit=50)
    ids = [t.id for t in found]
    assert ids.index(near.id) < ids.index(far.id)
    assert beyond.id not in ids and done.id not in ids and other_service.id not in ids
    distances = [t.distance_m for t in found]
    assert distances == sorted(distances)
    by_id = {t.id: t for t in found}
    # Lambert-93 metres agree with the geodesic distance to a few centimetres per hundred metres here.
    assert abs(by_id[near.id].distance_m - 120) < 0.5 and abs(by_id[far.id].distance_m - 900) < 2
    sector_crew = actor("crew", near, sector_codes=("voirie-E",))
    assert near.id not in [t.id for t in crews.nearby(session=session, crew=sector_crew, lat=here[0], lon=here[1],
                                                       radius_m=2000)]
    page = crews.nearby(session=session, crew=crew, lat=here[0], lon=here[1], radius_m=2000, limit=1, offset=1)
    assert [t.id for t in page] == ids[1:2]


def test_nearby_uses_the_partial_gist_index(session):
    # A test database is tiny, so forbid the sequential scan: the point is that the index can serve the query.
    session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(session.execute(text(
        "EXPLAIN SELECT id FROM reports r WHERE r.state IN ('triaged', 'assigned', 'scheduled', 'in_progress', "
        "'reopened') AND r.service_code = 'voirie' ORDER BY r.geom_l93 <-> "
        "ST_Transform(ST_SetSRID(ST_MakePoint(4.83, 45.75), 4326), 2154) LIMIT 20")).scalars())
    assert "ix_reports_crew_open_l93" in plan


def test_twenty_crews_claiming_ten_tickets_at_once_each_ticket_has_one_crew(engine):
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory() as s:
        tickets = [make_ticket(s, *offset(s, BELLECOUR, 30 * i, 270), state="triaged") for i in range(10)]
        members = [StaffUser(email=f"claim-{i}-{time.time_ns()}@staff.example", name=f"Crew {i}", role="crew",
                             service_code="voirie", password_hash="x", sector_codes=[]) for i in range(20)]
        s.add_all(members)
        s.commit()
        ticket_ids = [t.id for t in tickets]
        principals = [principal_of(m) for m in members]
    won: list[tuple[int, int]] = []
    refused: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(20)

    def work(principal):
        order = ticket_ids[:]
        random.Random(principal.id).shuffle(order)
        barrier.wait()
        for ticket_id in order:
            with factory() as s:
                try:
                    crews.claim(session=s, crew=principal, report_id=ticket_id, version=None)
                    s.commit()
                    with lock:
                        won.append((ticket_id, principal.id))
                except Conflict as exc:
                    s.rollback()
                    with lock:
                        refused.append(exc.code)

    threads = [threading.Thread(target=work, args=(p,)) for p in principals]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(t for t, _ in won) == sorted(ticket_ids)  # every ticket claimed exactly once
        assert len(refused) == 20 * 10 - 10 and set(refused) <= {"ticket.taken", "ticket.stale_version"}
        with factory() as s:
            holders = dict(s.execute(select(Report.id, Report.assignee_id).where(Report.id.in_(ticket_ids))).all())
            assert holders == dict(won)
            claims = s.execute(select(ReportEvent.report_id, func.count()).where(
                ReportEvent.report_id.in_(ticket_ids), ReportEvent.to_state == "assigned")
                .group_by(ReportEvent.report_id)).all()
            assert sorted(claims) == sorted((t, 1) for t in ticket_ids)
    finally:
        with factory() as s:
            s.execute(text("SET LOCAL ruecommune.allow_history_rewrite = 'on'"))
            s.execute(delete(OutboxMessage).where(OutboxMessage.report_id.in_(ticket_ids)))
            s.execute(delete(IdempotencyKey).where(IdempotencyKey.report_id.in_(ticket_ids)))
            s.execute(delete(ReportEvent).where(ReportEvent.report_id.in_(ticket_ids)))
            s.execute(delete(Report).where(Report.id.in_(ticket_ids)))
            s.execute(delete(StaffUser).where(StaffUser.id.in_([p.id for p in principals])))
            s.commit()


def test_a_route_for_thirty_tickets_is_never_longer_than_nearest_neighbour_and_quick():
    rng = random.Random(42)
    for _ in range(20):
        start = (842_000.0, 6_519_000.0)
        points = [(start[0] + rng.uniform(-4000, 4000), start[1] + rng.uniform(-4000, 4000)) for _ in range(30)]
        began = time.perf_counter()
        order, total, nn_total = route.plan(start, points)
        elapsed = time.perf_counter() - began
        assert sorted(order) == list(range(30))
        assert total <= nn_total + 1e-6
        assert abs(route.length(start, points, order) - total) < 1e-6
        assert elapsed < 1.0
