"""Address search and reverse over HTTP, answering in GeoCodeJSON as the BAN's search API does."""


def test_search_answers_geocodejson_like_the_ban(client):
    answer = client.get("/api/v1/addresses/search", params={"q": "12 rue mercire lyon", "limit": 3})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/geo+json")
    body = answer.json()
    assert (body["type"], body["version"], body["query"], body["limit"]) == (
        "FeatureCollection", "draft", "12 rue mercire lyon", 3)
    first = body["features"][0]
    assert first["geometry"]["type"] == "Point"
    props = first["properties"]
    assert props["label"] == "12 Rue Mercière 69002 Lyon"
    assert (props["type"], props["housenumber"], props["street"], props["postcode"], props["citycode"],
            props["city"], props["district"], props["context"]) == (
        "housenumber", "12", "Rue Mercière", "69002", "69382", "Lyon", "Lyon 2e Arrondissement",
        "69, Rhône, Auvergne-Rhône-Alpes")
    assert 0 < props["score"] <= 1.5


def test_search_biased_to_a_point_and_limited(client):
    body = client.get("/api/v1/addresses/search",
                      params={"q": "avenue jean jaures", "lat": 45.696, "lon": 4.890, "limit": 2}).json()
    assert len(body["features"]) == 2
    assert body["features"][0]["properties"]["city"] == "Vénissieux"
    assert body["center"] == [4.890, 45.696]


def test_reverse_gives_the_address_at_a_point(client, session):
    from sqlalchemy import text

    lat, lon, number, street = session.execute(text(
        "SELECT ST_Y(geom), ST_X(geom), number, street_name FROM addresses WHERE citycode = '69266' "
        "AND rep = '' AND number IS NOT NULL ORDER BY id LIMIT 1")).one()
    props = client.get("/api/v1/addresses/reverse", params={"lat": lat, "lon": lon}).json()["features"][0][
        "properties"]
    assert (props["type"], props["housenumber"], props["street"], props["city"]) == (
        "housenumber", str(number), street, "Villeurbanne")
    assert props["distance"] == 0
    outside = client.get("/api/v1/addresses/reverse", params={"lat": 48.8566, "lon": 2.3522}).json()
    assert outside["features"] == []


def test_bad_parameters_are_problems(client):
    answer = client.get("/api/v1/addresses/reverse", params={"lat": 123, "lon": 4.8})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/addresses/search", params={"q": ""}).status_code == 422


def test_a_report_keeps_the_address_of_its_point_and_crews_see_it_on_their_cards(staff_client, session):
    from sqlalchemy import text

    from tests.factories import make_ticket

    lat, lon = session.execute(text("SELECT ST_Y(geom), ST_X(geom) FROM addresses WHERE id = '69382_0001_00012'")).one()
    ticket = make_ticket(session, lat=lat, lon=lon, state="triaged")
    assert (ticket.address, ticket.address_id) == ("12 Rue Mercière 69002 Lyon", "69382_0001_00012")
    crew = staff_client("crew", service_code="voirie")
    cards = crew.get("/api/v1/crews/me/tickets/nearby", params={"lat": lat, "lon": lon, "radius": 50}).json()
    assert [c["address"] for c in cards if c["id"] == ticket.id] == ["12 Rue Mercière 69002 Lyon"]
