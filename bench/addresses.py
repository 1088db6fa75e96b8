"""Address benchmark on about 500,000 synthetic BAN addresses: loading time, then autocomplete and reverse
through HTTP beside the raw SQL and the HTTP floor.

1. `ruecommune addresses load FILE` in its own process, on a fresh database: first load, then the same file again
   (a refresh that changes nothing). Goal: 500,000 addresses in under two minutes.
2. Autocomplete: 1,000 queries built from the data as people type them (a prefix of "12 rue mercière lyon", an
   abbreviation, a typo, no accents), biased to a point. The raw SQL the endpoint runs (psycopg2, unprepared, the
   query already folded), the HTTP floor (the same endpoint with a one-letter query: no SQL), and
   GET /api/v1/addresses/search. Goal: p95 under 30 ms and within 1.5 x (raw p95 + floor p95).
3. Reverse: the same three for GET /api/v1/addresses/reverse.
`python -m bench addresses` (BENCH_ADDRESS_SCALE, BENCH_POINTS to change the size).
"""

import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg2
from sqlalchemy import create_engine, text

from bench.crews import line, timed
from bench.generate import database_url, dsn
from bench.setup import bench_database, start_server
from core.prepared import Prepared
from core.settings import PROJECT_ROOT
from geo.demo_addresses import cached_csv
from geo.geocoding.builtin import REVERSE, SEARCH, search_params
from geo.geocoding.normalize import parse

SCALE = int(os.environ.get("BENCH_ADDRESS_SCALE", "24"))
POINTS = int(os.environ.get("BENCH_POINTS", "1000"))
DB = "ruecommune_bench_addresses"


def _raw(statement: Prepared) -> str:
    """A prepared statement's SQL with psycopg2's %(name)s parameters, to send unprepared."""
    body = statement.prepare.split(" AS ", 1)[1].replace("%", "%%")  # pg_trgm's % operator is not a placeholder
    for i, (name, kind) in reversed(list(enumerate(statement.types.items(), start=1))):  # $10 before $1
        body = body.replace(f"${i}", f"CAST(%({name})s AS {kind})")
    return body


def _typed(rng: random.Random, label: str) -> str:
    """What someone has typed so far towards a label: a prefix, sometimes with a typo or an abbreviation."""
    words = label.split()
    text_ = " ".join(words[: rng.randint(2, len(words))])
    roll = rng.random()
    if roll < 0.2:
        text_ = text_.replace("Avenue", "av").replace("Boulevard", "bd").replace("Place", "pl")
    elif roll < 0.35 and len(text_) > 8:
        i = rng.randrange(4, len(text_) - 1)
        text_ = text_[:i] + text_[i + 1:]
    elif roll < 0.5:
        text_ = text_.lower().replace("é", "e").replace("è", "e")
    return text_


def main() -> None:
    path = cached_csv(PROJECT_ROOT / ".data" / "addresses", scale=SCALE)
    reuse = os.environ.get("BENCH_REUSE") == "1"  # keep the loaded database: latencies only
    url = database_url(DB) if reuse else bench_database(DB)
    command = shutil.which("ruecommune", path=str(Path(sys.executable).parent)) or "ruecommune"
    env = {**os.environ, "RUECOMMUNE_DATABASE_URL": url}
    for what in () if reuse else ("first load", "same file again"):
        began = time.perf_counter()
        done = subprocess.run([command, "addresses", "load", str(path)], env=env, capture_output=True, text=True,
                              check=True)
        print(f"ruecommune addresses load ({what}): {time.perf_counter() - began:6.1f} s   "
              f"{done.stderr.strip().splitlines()[-1]}")
    engine = create_engine(url)
    with engine.begin() as db:
        count = db.scalar(text("SELECT count(*) FROM addresses"))
        rng = random.Random(17)
        sample = db.execute(text(
            "SELECT number, rep, street_name, city, ST_Y(geom) AS lat, ST_X(geom) AS lon FROM addresses "
            "WHERE number IS NOT NULL ORDER BY md5(id) LIMIT :n"), {"n": POINTS}).mappings().all()
    engine.dispose()
    print(f"{count:,} addresses")
    queries = []
    for row in sample:
        label = f"{row['number']}{' ' + row['rep'] if row['rep'] else ''} {row['street_name']} {row['city']}"
        lat, lon = row["lat"] + rng.uniform(-0.02, 0.02), row["lon"] + rng.uniform(-0.02, 0.02)
        queries.append({"q": _typed(rng, label), "lat": lat, "lon": lon})
    points = [{"lat": r["lat"] + rng.uniform(-0.0002, 0.0002), "lon": r["lon"] + rng.uniform(-0.0002, 0.0002)}
              for r in sample]
    server = start_server(url, timeout_s=120)  # a loaded machine starts it slowly
    try:
        conn = psycopg2.connect(dsn(url))
        conn.autocommit = False
        cur = conn.cursor()
        search_sql, reverse_sql = _raw(SEARCH), _raw(REVERSE)

        def raw_search(p: dict[str, object]) -> object:
            parsed = parse(str(p["q"]))
            cur.execute(search_sql, search_params(parsed, lat=p["lat"], lon=p["lon"], pool=10))  # type: ignore[arg-type]
            rows = cur.fetchall()
            conn.rollback()
            return rows

        def raw_reverse(p: dict[str, object]) -> object:
            cur.execute(reverse_sql, {**p, "radius": 250.0})
            rows = cur.fetchall()
            conn.rollback()
            return rows

        client = httpx.Client(base_url=server.url, timeout=10)

        def floor(p: dict[str, object]) -> object:
            return client.get("/api/v1/addresses/search", params={"q": "x"}).status_code  # no SQL: too short

        def search(p: dict[str, object]) -> object:
            answer = client.get("/api/v1/addresses/search", params={**p, "limit": 5})
            assert answer.status_code == 200, answer.text
            return answer

        def reverse(p: dict[str, object]) -> object:
            answer = client.get("/api/v1/addresses/reverse", params=p)
            assert answer.status_code == 200, answer.text
            return answer

        hits = sum(bool(search(q).json()["features"]) for q in queries[:200])  # type: ignore[attr-defined]
        print(f"{hits} of 200 typed queries found something")
        _, raw95 = line("raw SQL, search (word index, trigram score)", timed(raw_search, queries))
        _, floor95 = line("HTTP floor (search endpoint, no SQL)", timed(floor, queries))
        _, end95 = line("GET /api/v1/addresses/search", timed(search, queries))
        budget = 1.5 * (raw95 + floor95)
        print(f"search p95 {end95:.2f} ms vs 1.5 x (raw p95 + floor p95) = {budget:.2f} ms: "
              f"{'within' if end95 <= budget else 'OVER'}; goal 30 ms: {'met' if end95 <= 30 else 'MISSED'}")
        _, rraw95 = line("raw SQL, reverse (KNN on Lambert-93 GiST)", timed(raw_reverse, points))
        _, rend95 = line("GET /api/v1/addresses/reverse", timed(reverse, points))
        print(f"reverse p95 {rend95:.2f} ms vs 1.5 x (raw p95 + floor p95) = {1.5 * (rraw95 + floor95):.2f} ms")
        client.close()
        conn.close()
    finally:
        server.stop()
