"""The built-in geocoder's word index: however common the words typed, only a bounded pool of places is scored
(the trigram score costs about 50 microseconds a place), and the right street still comes first among many
of the same kind."""

import pytest
from sqlalchemy import text

from core.prepared import fetch
from geo.addresses import rebuild_places
from geo.geocoding.builtin import COMMON_POOL, SEARCH, BuiltinGeocoder, search_params
from geo.geocoding.normalize import parse

STREETS = 1500
# 1,500 streets called "Rue Bench NNNN" around Villeurbanne's centre, two numbers each.
MANY_STREETS = """
INSERT INTO addresses (id, street_key, number, rep, street_name, postcode, citycode, city, geom, geom_l93)
SELECT '69266_b' || s || '_' || n, '69266/rue bench ' || lpad(s::text, 4, '0'), n, '',
       'Rue Bench ' || lpad(s::text, 4, '0'), '69100', '69266', 'Villeurbanne', p.geom, ST_Transform(p.geom, 2154)
FROM generate_series(1, :streets) s, generate_series(1, 2) n,
     LATERAL (SELECT ST_SetSRID(ST_MakePoint(4.88 + (s % 40) * 0.0005 + n * 0.00005, 45.77 + (s / 40) * 0.0005),
                                4326) AS geom) p
"""


def scored_places(session, query: str, lat: float | None = None, lon: float | None = None) -> int:  # type: ignore[no-untyped-def]
    """How many places the search statement scored (rows out of its `candidates` step), from EXPLAIN ANALYZE."""
    fetch(session, SEARCH, search_params(parse(query), lat=lat, lon=lon, pool=10))  # prepared on this connection
    cursor = session.connection().connection.cursor()
    cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + SEARCH.execute,
                   search_params(parse(query), lat=lat, lon=lon, pool=10))
    plan = cursor.fetchone()[0][0]["Plan"]
    found = []

    def walk(node: dict) -> None:  # type: ignore[type-arg]
        if node.get("Subplan Name") == "CTE candidates":
            found.append(node["Actual Rows"])
        for child in node.get("Plans", ()):
            walk(child)

    walk(plan)
    assert len(found) == 1, "the search statement has no candidates step"
    return int(found[0])


@pytest.fixture
def many_streets(session):  # type: ignore[no-untyped-def]
    session.execute(text(MANY_STREETS), {"streets": STREETS})
    rebuild_places(session=session)
    return session


def test_the_dictionary_counts_the_places_of_each_word(many_streets):
    row = many_streets.execute(text("SELECT places FROM address_words WHERE word = 'bench'")).one()
    assert row.places == STREETS
    assert many_streets.scalar(text("SELECT places FROM address_words WHERE word = '0042'")) == 1
    missing = many_streets.scalar(text(
        "SELECT count(*) FROM (SELECT DISTINCT unnest(words) FROM address_places) w(word) "
        "WHERE NOT EXISTS (SELECT 1 FROM address_words d WHERE d.word = w.word)"))
    assert missing == 0


@pytest.mark.parametrize(("query", "biased"), [
    ("rue", True), ("rue", False), ("rue bench", True), ("rue bench", False), ("12 rue ben", True),
    ("rue bench villeurbanne", False), ("bench", True),
])
def test_common_words_score_a_bounded_pool_of_places(many_streets, query, biased):
    lat, lon = (45.775, 4.89) if biased else (None, None)
    assert many_streets.scalar(text("SELECT count(*) FROM address_places WHERE 'bench' = ANY(words)")) == STREETS
    assert scored_places(many_streets, query, lat, lon) <= 2 * COMMON_POOL


def test_a_rare_word_finds_its_street_among_many_alike(many_streets):
    geocoder = BuiltinGeocoder()
    first = geocoder.search(session=many_streets, query="2 rue bench 0042 villeurbanne")[0]
    assert (first.type, first.name, first.housenumber) == ("housenumber", "2 Rue Bench 0042", "2")
    assert scored_places(many_streets, "2 rue bench 0042 villeurbanne") <= 2 * COMMON_POOL
    typo = geocoder.search(session=many_streets, query="rue bnch 1234")[0]
    assert typo.name == "Rue Bench 1234"


def test_a_common_word_biased_gives_the_nearest_streets(many_streets):
    lat, lon = many_streets.execute(text(
        "SELECT ST_Y(geom), ST_X(geom) FROM address_places WHERE name = 'Rue Bench 0777'")).one()
    found = BuiltinGeocoder().search(session=many_streets, query="rue bench", lat=lat, lon=lon)
    assert found[0].name == "Rue Bench 0777"
