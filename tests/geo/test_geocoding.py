"""The built-in geocoder on the synthetic demo addresses: the query set of tests/geo/address_queries.csv, reverse
geocoding of 200 addresses, the fallbacks to street and commune, and folding that matches the database's."""

import csv
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text

from geo.geocoding.builtin import BuiltinGeocoder, folded_in_sql
from geo.geocoding.normalize import fold, parse

QUERIES = Path(__file__).with_name("address_queries.csv")


def query_set() -> list[dict[str, str]]:
    """The query set: query, optional bias point, and the expected first (type, name, INSEE code)."""
    with QUERIES.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def run_query_set(geocoder, session) -> tuple[list[tuple[str, ...]], int, int]:  # type: ignore[no-untyped-def]
    """Each query's first result as (type, name, citycode), how many were right first and in the first five."""
    firsts, first, top5 = [], 0, 0
    for row in query_set():
        lat = float(row["lat"]) if row["lat"] else None
        lon = float(row["lon"]) if row["lon"] else None
        found = [(p.type, p.name, p.citycode) for p in
                 geocoder.search(session=session, query=row["query"], lat=lat, lon=lon, limit=5)]
        want = (row["type"], row["name"], row["citycode"])
        firsts.append(found[0] if found else ("", "", ""))
        first += bool(found) and found[0] == want
        top5 += want in found
    return firsts, first, top5


def test_query_set_covers_what_people_type():
    rows = query_set()
    kinds = Counter(row["kind_of_query"].split(",")[0] for row in rows)
    assert len(rows) >= 60
    for kind in ("exact", "typo", "no accents", "abbreviation", "missing house number", "two communes",
                 "arrondissement", "lieu-dit", "autocomplete", "commune"):
        assert kinds[kind] >= 2, kind
    assert any(row["query"] == "Lyon 3e" for row in rows)


def test_the_right_place_is_first_for_90_percent_and_in_the_first_five_for_98(session):
    _, first, top5 = run_query_set(BuiltinGeocoder(), session)
    total = len(query_set())
    assert first / total >= 0.90, f"first {first}/{total}"
    assert top5 / total >= 0.98, f"top-5 {top5}/{total}"


def test_bias_point_picks_the_nearer_of_two_same_named_streets(session):
    geocoder = BuiltinGeocoder()
    near = {}
    for code in ("69266", "69382"):
        lat, lon = session.execute(text(
            "SELECT ST_Y(geom), ST_X(geom) FROM address_places WHERE kind = 'street' AND citycode = :c "
            "AND name = 'Rue de la République'"), {"c": code}).one()
        near[code] = geocoder.search(session=session, query="rue de la republique", lat=lat, lon=lon)[0].citycode
    assert near == {"69266": "69266", "69382": "69382"}


def test_a_missing_house_number_gives_the_street(session):
    found = BuiltinGeocoder().search(session=session, query="250 rue mercière lyon")
    assert (found[0].type, found[0].name, found[0].housenumber) == ("street", "Rue Mercière", None)


def test_reverse_of_200_addresses_gives_each_its_own_address_back(session):
    points = session.execute(text(
        "SELECT id, number, rep, street_name, ST_Y(geom) AS lat, ST_X(geom) AS lon FROM addresses "
        "WHERE number IS NOT NULL ORDER BY md5(id) LIMIT 200")).mappings().all()
    assert len(points) == 200
    geocoder = BuiltinGeocoder()
    wrong = []
    for point in points:
        place = geocoder.reverse(session=session, lat=point["lat"], lon=point["lon"])
        if place is None or (place.type, place.id) != ("housenumber", point["id"]):
            wrong.append((point["id"], place))
    assert wrong == []
    sample = points[0]
    place = geocoder.reverse(session=session, lat=sample["lat"], lon=sample["lon"])
    assert place is not None and place.street == sample["street_name"]
    assert place.label.startswith(f"{sample['number']}{' ' + sample['rep'] if sample['rep'] else ''} ")


def test_reverse_falls_back_to_the_street_then_the_arrondissement_then_nothing(session):
    geocoder = BuiltinGeocoder()
    # 100 m from a street's last address, away from any other: the street, not a house number.
    row = session.execute(text("""
        SELECT a.street_name, ST_Y(p.g) AS lat, ST_X(p.g) AS lon
        FROM addresses a, LATERAL (SELECT ST_Transform(ST_Translate(a.geom_l93, dx, 0), 4326) AS g
                                   FROM (VALUES (100.0), (-100.0)) v(dx)) p
        WHERE a.citycode = '69383'
          AND (SELECT min(ST_Distance(b.geom_l93, ST_Transform(p.g, 2154))) FROM addresses b
               WHERE ST_DWithin(b.geom_l93, ST_Transform(p.g, 2154), 300)) BETWEEN 60 AND 200
          AND (SELECT b.street_key FROM addresses b ORDER BY b.geom_l93 <-> ST_Transform(p.g, 2154) LIMIT 1)
              = a.street_key
        LIMIT 1""")).mappings().one()
    place = geocoder.reverse(session=session, lat=row["lat"], lon=row["lon"])
    assert place is not None and (place.type, place.name) == ("street", row["street_name"])
    # With Lyon 3e's addresses gone (this transaction only), a point there names the arrondissement.
    lat, lon = session.execute(text("SELECT ST_Y(geom), ST_X(geom) FROM addresses WHERE citycode = '69383' "
                                    "ORDER BY id LIMIT 1")).one()
    session.execute(text("DELETE FROM addresses WHERE ST_DWithin(geom_l93, "
                         "ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 2154), 2000)"),
                    {"lat": lat, "lon": lon})
    place = geocoder.reverse(session=session, lat=lat, lon=lon)
    assert place is not None
    assert (place.type, place.name, place.city, place.citycode) == (
        "municipality", "Lyon 3e Arrondissement", "Lyon", "69383")
    assert geocoder.reverse(session=session, lat=48.8566, lon=2.3522) is None  # Paris: outside the territory


def test_python_folding_matches_the_database_on_every_name(session):
    names = session.scalars(text("SELECT DISTINCT street_name FROM addresses UNION SELECT DISTINCT city "
                                 "FROM addresses UNION SELECT 'Œuvre Ærée L’Île ß' ")).all()
    joined = "\n".join(names)
    assert fold(joined).split(" ") == folded_in_sql(session=session, value=joined).split(" ")


@pytest.mark.parametrize(("query", "number", "rep", "rest"), [
    ("12 bis av. Jean-Jaurès", 12, "bis", "avenue jean jaures"),
    ("7b r St Jean", 7, "bis", "rue saint jean"),
    ("Boulevard du 11 Novembre 1918", None, "", "boulevard du 11 novembre 1918"),
    ("69003 Lyon", None, "", "69003 lyon"),
    ("lyon 3eme", None, "", "lyon 3e arrondissement"),
    ("Lyon 1er", None, "", "lyon 1er arrondissement"),
])
def test_parse_splits_the_house_number_and_expands_abbreviations(query, number, rep, rest):
    parsed = parse(query)
    assert (parsed.housenumber, parsed.rep, parsed.text) == (number, rep, rest)


@pytest.mark.parametrize(("query", "name"), [
    ("12 bd de la croix rousse", "12 Boulevard de la Croix-Rousse"),
    ("pl de la croix rousse", "Place de la Croix-Rousse"),
    ("gde rue de la croix rousse", "Grande Rue de la Croix-Rousse"),
    ("r st jean lyon", "Rue Saint-Jean"),
    ("pl st jean", "Place Saint-Jean"),
])
def test_an_abbreviation_decides_between_streets_of_the_same_name(session, query, name):
    assert BuiltinGeocoder().search(session=session, query=query)[0].name == name
