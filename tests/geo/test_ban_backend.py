"""The BAN-protocol back end against a real addok loaded with the same addresses: the same firsts as ours."""

from geo.geocoding.ban import BanGeocoder
from geo.geocoding.builtin import BuiltinGeocoder
from geo.geocoding.normalize import fold
from tests.geo.test_geocoding import query_set, run_query_set


def _key(first: tuple[str, ...]) -> tuple[str, ...]:
    kind, name, citycode = first
    return kind, fold(name), citycode  # addok capitalises "7 Bis"; the place is the same


def test_addok_gives_the_same_firsts_as_the_builtin_geocoder_for_90_percent(session, addok_url):
    ours, _, _ = run_query_set(BuiltinGeocoder(), session)
    theirs, first, _ = run_query_set(BanGeocoder(addok_url), session)
    same = sum(_key(a) == _key(b) for a, b in zip(ours, theirs, strict=True))
    total = len(query_set())
    assert same / total >= 0.90, f"same firsts {same}/{total}"
    assert first / total >= 0.85, f"addok right first {first}/{total}"


def test_addok_reverse_agrees_on_addresses(session, addok_url):
    from sqlalchemy import text

    points = session.execute(text("SELECT id, ST_Y(geom), ST_X(geom) FROM addresses WHERE number IS NOT NULL "
                                  "ORDER BY md5(id) LIMIT 20")).all()
    ban = BanGeocoder(addok_url)
    found = [ban.reverse(session=session, lat=lat, lon=lon) for _, lat, lon in points]
    assert [p.id if p else None for p in found] == [row[0] for row in points]


def test_the_api_answers_through_addok_when_set_to_the_ban_back_end(engine, session, addok_url):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from core.settings import Settings

    app = create_app(engine, settings=Settings(geocoder="ban", geocoder_url=addok_url))
    with TestClient(app) as client:
        body = client.get("/api/v1/addresses/search", params={"q": "12 rue mercière lyon"}).json()
    props = body["features"][0]["properties"]
    assert (props["type"], props["id"], props["city"]) == ("housenumber", "69382_0001_00012", "Lyon")


def test_an_unreachable_ban_server_is_a_503_problem(engine):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from core.pgcluster import free_port
    from core.settings import Settings

    app = create_app(engine, settings=Settings(geocoder="ban", geocoder_url=f"http://127.0.0.1:{free_port()}"))
    with TestClient(app) as client:
        answer = client.get("/api/v1/addresses/search", params={"q": "rue mercière"})
    assert answer.status_code == 503
    assert answer.json()["code"] == "geocoder.unavailable"
