"""The built-in geocoder: the platform's own addresses in PostgreSQL (pg_trgm and unaccent beside PostGIS)."""

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.prepared import Prepared, fetch
from geo.geocoding.base import Place, PlaceKind, label_of
from geo.geocoding.normalize import ParsedQuery, fold, parse
from geo.sqlfiles import SQL_DIR

_SQL = SQL_DIR.parent / "geocoding" / "sql"
SEARCH = Prepared("ruecommune_geocode_search", (_SQL / "search.sql").read_text(), {
    "q": "text", "words": "text[]", "lat": "float8", "lon": "float8", "pool": "int", "housenumber": "int",
    "rep": "text", "threshold": "float8", "word_threshold": "float8", "rare_places": "int",
    "common_pool": "int"})
REVERSE = Prepared("ruecommune_geocode_reverse", (_SQL / "reverse.sql").read_text(),
                   {"lat": "float8", "lon": "float8", "radius": "float8"})
REVERSE_ZONE = Prepared("ruecommune_geocode_reverse_zone", (_SQL / "reverse_zone.sql").read_text(),
                        {"lat": "float8", "lon": "float8"})
# Lower than pg_trgm's 0.6 so that a word typed halfway or with two typos still finds its street.
WORD_SIMILARITY_THRESHOLD = 0.45
# A word of the query with a typo still finds its dictionary word ("mercire" and "merciere": 0.55).
WORD_TYPO_THRESHOLD = 0.4
# Of the places having every word of the query, the COMMON_POOL nearest the bias point and the COMMON_POOL most
# important are scored: "rue de la" has a thousand, and scoring one costs about 50 microseconds. A query whose
# rarest word is in more than RARE_PLACES places finds those by walking the distance and importance indexes.
COMMON_POOL = 30
RARE_PLACES = 400
# A point within this many metres of an address is at that address; within STREET_RADIUS, on its street.
ADDRESS_RADIUS_M = 40.0
STREET_RADIUS_M = 250.0
# Where Lambert-93 (EPSG:2154) is defined, a little wider than metropolitan France: PostGIS refuses to
# project a point far outside it, and no address of ours lies there.
L93_BOUNDS = (-9.86, 41.15, 10.38, 51.56)


def projectable(lat: float, lon: float) -> bool:
    """Whether a point lies where Lambert-93 distances mean something."""
    west, south, east, north = L93_BOUNDS
    return west <= lon <= east and south <= lat <= north


def _place(row: dict[str, Any]) -> Place:
    city = row["city"]
    if row["address_id"]:
        number = f"{row['number']}{' ' + row['rep'] if row['rep'] else ''}"
        postcode = row["address_postcode"] or row["postcode"]
        return Place(type="housenumber", id=row["address_id"], name=f"{number} {row['name']}",
                     label=label_of(name=row["name"], postcode=postcode, city=city, housenumber=number),
                     lat=row["lat"], lon=row["lon"], citycode=row["citycode"], city=city, postcode=postcode,
                     district=row["district"], housenumber=number, street=row["name"], score=row["score"],
                     distance=row["distance"])
    kind = row["kind"]
    label = row["name"] if kind == "municipality" else label_of(name=row["name"], postcode=row["postcode"], city=city)
    return Place(type=kind, id=row["key"], name=row["name"], label=label,
                 lat=row["place_lat"], lon=row["place_lon"], citycode=row["citycode"], city=city,
                 postcode=row["postcode"], district=row["district"],
                 street=row["name"] if kind == "street" else None, score=row["score"], distance=row["distance"])


def search_params(parsed: ParsedQuery, *, lat: float | None, lon: float | None, pool: int) -> dict[str, Any]:
    """The search statement's parameters for a parsed query (the benchmark sends the same raw)."""
    return {"q": parsed.text, "words": parsed.text.split(), "lat": lat, "lon": lon, "pool": pool,
            "housenumber": parsed.housenumber, "rep": parsed.rep, "threshold": WORD_SIMILARITY_THRESHOLD,
            "word_threshold": WORD_TYPO_THRESHOLD, "rare_places": RARE_PLACES,
            "common_pool": COMMON_POOL}


class BuiltinGeocoder:
    """Word-index candidates, trigram-scored streets, lieux-dits and communes; then house numbers on the best."""

    name = "builtin"

    def search(self, *, session: Session, query: str, lat: float | None = None, lon: float | None = None,
               limit: int = 5) -> list[Place]:
        """The best places for a query (autocomplete: a word typed halfway counts), best first."""
        parsed = parse(query)
        if len(parsed.text) < 2:
            return []
        if lat is not None and lon is not None and not projectable(lat, lon):
            lat = lon = None  # a bias point on the other side of the world biases nothing
        rows = fetch(session, SEARCH, search_params(parsed, lat=lat, lon=lon, pool=max(limit, 10)))
        return [_place(row) for row in rows[:limit]]

    def reverse(self, *, session: Session, lat: float, lon: float) -> Place | None:
        """The nearest address within 40 m, else the nearest street within 250 m, else the commune."""
        if not projectable(lat, lon):
            return None
        rows = fetch(session, REVERSE, {"lat": lat, "lon": lon, "radius": STREET_RADIUS_M})
        if rows:
            row = rows[0]
            city = row["city"]
            if row["distance"] <= ADDRESS_RADIUS_M and row["number"] is not None:
                number = f"{row['number']}{' ' + row['rep'] if row['rep'] else ''}"
                return Place(type="housenumber", id=row["id"], name=f"{number} {row['street_name']}",
                             label=label_of(name=row["street_name"], postcode=row["postcode"], city=city,
                                            housenumber=number),
                             lat=row["lat"], lon=row["lon"], citycode=row["citycode"], city=city,
                             postcode=row["postcode"], district=row["district"], housenumber=number,
                             street=row["street_name"], distance=row["distance"])
            kind: PlaceKind = "street" if row["number"] is not None else "locality"
            return Place(type=kind, id=row["street_key"], name=row["street_name"],
                         label=label_of(name=row["street_name"], postcode=row["postcode"], city=city),
                         lat=lat, lon=lon, citycode=row["citycode"], city=city, postcode=row["postcode"],
                         district=row["district"], street=row["street_name"] if kind == "street" else None,
                         distance=row["distance"])
        zones = {row["kind"]: row for row in fetch(session, REVERSE_ZONE, {"lat": lat, "lon": lon})}
        commune = zones.get("commune")
        if commune is None:
            return None
        district = zones.get("arrondissement")
        name = district["name"] if district else commune["name"]
        return Place(type="municipality", id=(district or commune)["code"], name=name, label=name, lat=lat,
                     lon=lon, citycode=(district or commune)["code"], city=commune["name"],
                     district=district["name"] if district else None)


def address_by_id(*, session: Session, address_id: str) -> Place | None:
    """The platform's own address with this BAN id, whichever back end searches."""
    row = session.execute(text(
        "SELECT id, number, rep, street_name, postcode, citycode, city, district, ST_Y(geom) AS lat, ST_X(geom) AS lon "
        "FROM addresses WHERE id = :id"), {"id": address_id}).mappings().first()
    if row is None:
        return None
    number = f"{row['number']}{' ' + row['rep'] if row['rep'] else ''}" if row["number"] is not None else None
    return Place(type="housenumber" if number else "locality", id=row["id"],
                 name=f"{number} {row['street_name']}" if number else row["street_name"],
                 label=label_of(name=row["street_name"], postcode=row["postcode"], city=row["city"],
                                housenumber=number),
                 lat=row["lat"], lon=row["lon"], citycode=row["citycode"], city=row["city"], postcode=row["postcode"],
                 district=row["district"], housenumber=number, street=row["street_name"] if number else None)


def folded_in_sql(*, session: Session, value: str) -> str:
    """rc_fold() of a value, as the database folds names (to check fold() agrees)."""
    return str(session.scalar(text("SELECT rc_fold(:v)"), {"v": value}))


__all__ = ["BuiltinGeocoder", "fold", "folded_in_sql"]
