"""The load mix of a city's day: resident intake, map reads, crew nearby queries, Open311 reads.

Each kind counts as a success only with the status a real client expects, so "nothing lost" can be
checked against the database afterwards.
"""

import os
import random
import uuid

from locust import FastHttpUser, between, task

# Lyon's dense centre, where most reports and most reads are.
LAT = (45.72, 45.79)
LON = (4.80, 4.90)
CATEGORIES = ("pothole", "overflowing_bin", "illegal_dumping", "graffiti", "broken_streetlight", "damaged_sign")
MAP_PATH = os.environ.get("BENCH_MAP_PATH", "/api/v1/map/reports?bbox={west},{south},{east},{north}&limit=200")
CREW_COOKIE = os.environ.get("BENCH_CREW_COOKIE", "")
CREW_NEARBY_PATH = os.environ.get("BENCH_CREW_NEARBY_PATH", "")
# Every reference answered with 201 is written here, so the run can be checked against the database.
REFS_FILE = open(os.environ.get("BENCH_REFS_FILE", os.devnull), "a", buffering=1)  # noqa: SIM115


def _point() -> tuple[float, float]:
    return random.uniform(*LAT), random.uniform(*LON)


class CityDay(FastHttpUser):
    """One client of the platform; the weights are a plausible mix of a working day."""

    wait_time = between(0.2, 0.6)
    refs: list[str] = []

    @task(2)
    def intake(self) -> None:
        lat, lon = _point()
        with self.client.post("/api/v1/reports", name="intake", catch_response=True,
                              headers={"Idempotency-Key": uuid.uuid4().hex}, json={
                                  "lat": lat, "lon": lon, "category": random.choice(CATEGORIES),
                                  "description": "load test"}) as answer:
            if answer.status_code == 201:
                ref = answer.json()["ref"]
                CityDay.refs.append(ref)
                REFS_FILE.write(ref + "\n")
                answer.success()
            else:
                answer.failure(f"{answer.status_code}")

    @task(5)
    def map_read(self) -> None:
        if "{ref}" in MAP_PATH:
            if not CityDay.refs:
                return
            path = MAP_PATH.format(ref=random.choice(CityDay.refs[-500:]))
        else:
            lat, lon = _point()
            path = MAP_PATH.format(lat=lat, lon=lon, west=lon - 0.01, south=lat - 0.01, east=lon + 0.01,
                                   north=lat + 0.01)
        self.client.get(path, name="map read")

    @task(2)
    def crew_nearby(self) -> None:
        if not CREW_NEARBY_PATH:
            return
        lat, lon = _point()
        self.client.get(CREW_NEARBY_PATH.format(lat=lat, lon=lon), name="crew nearby",
                        headers={"Cookie": CREW_COOKIE})

    @task(2)
    def open311_read(self) -> None:
        self.client.get("/open311/v2/requests.json", name="open311 read",
                        params={"service_code": random.choice(CATEGORIES), "status": "open", "page_size": 50})
