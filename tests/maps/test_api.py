"""Map data over HTTP: GeoJSON pages, CSV, tiles, the list page, the dashboard's data and who may read it."""

import csv
import io
import re

import mapbox_vector_tile

from tests.maps.factory import BELLECOUR, CALUIRE, VENISSIEUX, VILLEURBANNE, make_report

EXTERNAL = re.compile(r"""(?:src|href)=["'](https?:)?//""")


def _all_features(client, query: str) -> list[dict]:
    features, url = [], f"/api/v1/map/reports?{query}"
    while url:
        body = client.get(url).json()
        features += body["features"]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    return features


def test_geojson_pages_follow_next_links_to_every_matching_report(client, session):
    made = {make_report(session, CALUIRE, category="graffiti").ref for _ in range(7)}
    answer = client.get("/api/v1/map/reports?commune=69034&limit=3")
    assert answer.headers["content-type"].startswith("application/geo+json")
    assert answer.json()["type"] == "FeatureCollection" and len(answer.json()["features"]) == 3
    refs = [f["properties"]["ref"] for f in _all_features(client, "commune=69034&limit=3")]
    assert len(refs) == len(set(refs)) and set(refs) >= made


def test_geojson_filters_match_the_list_page_and_the_csv(client, session):
    for state in ("new", "new", "assigned", "resolved", "rejected"):
        make_report(session, VENISSIEUX, category="overflowing_bin", state=state)
    query = "commune=69259&category=proprete&state=new&state=resolved"
    geo = {f["properties"]["ref"] for f in _all_features(client, query)}
    assert len(geo) >= 3
    listed = set(re.findall(r'<a href="/reports/(RC-[0-9A-Z-]+)">', client.get(f"/map/list?{query}").text))
    exported = {row["ref"] for row in csv.DictReader(io.StringIO(client.get(f"/api/v1/map/reports.csv?{query}").text))}
    assert geo == listed == exported


def test_bad_filters_are_refused_with_problem_json(client):
    assert client.get("/map/list?since=&until=&category=&commune=").status_code == 200
    for query in ("since=yesterday", "bbox=1,2,3", "state=lost", "bbox=5,45,4,46"):
        answer = client.get(f"/api/v1/map/reports?{query}")
        assert answer.status_code == 422, query
        assert answer.headers["content-type"].startswith("application/problem+json")


def test_vector_tile_decodes_and_refuses_tiles_that_do_not_exist(client, session):
    mine = make_report(session, BELLECOUR)
    answer = client.get("/tiles/reports/14/8411/5844.pbf")
    assert answer.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    layer = mapbox_vector_tile.decode(answer.content)["reports"]
    ours = [f for f in layer["features"] if f["properties"]["ref"] == mine.ref]
    assert ours and set(ours[0]["properties"]) == {"ref", "category", "state", "commune"}
    closed_only = mapbox_vector_tile.decode(client.get("/tiles/reports/14/8411/5844.pbf?state=closed").content)
    assert mine.ref not in str(closed_only)
    assert client.get("/tiles/reports/2/4/0.pbf").status_code == 422


def test_pages_speak_french_or_english_and_remember_the_switch(client):
    assert '<html lang="fr"' in client.get("/map/list").text
    english = client.get("/map/list", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en"' in english.text and "List of reports" in english.text
    switched = client.get("/map?lang=en")
    assert '<html lang="en"' in switched.text and switched.cookies.get("rc_lang") == "en"
    assert "Map of reports" in client.get("/map", headers={"Accept-Language": "fr"}).text  # the cookie wins
    assert '<html lang="fr"' in client.get("/map?lang=fr").text


def test_map_and_list_pages_load_every_asset_from_the_platform(client):
    for path in ("/map", "/map/list"):
        page = client.get(path)
        assert page.status_code == 200
        assert not EXTERNAL.search(page.text.replace("https://tile.openstreetmap.org", ""))
        for asset in re.findall(r"""(?:<script[^>]+src|<link[^>]+href)=["'](/[^"']+)""", page.text):
            assert client.get(asset).status_code == 200, asset


def test_dashboard_is_for_staff_and_its_figures_come_from_sql(client, session, staff_client):
    # (a refused request rolls the test's savepoint back: ask before making data)
    assert client.get("/api/v1/dashboard/summary").status_code == 401
    signin = client.get("/dashboard")
    assert signin.status_code == 401 and 'action="/dashboard/login"' in signin.text
    make_report(session, VILLEURBANNE, state="resolved", days_ago=10, resolved_after_days=2, due_in_days=5)
    make_report(session, VILLEURBANNE, state="new", channel="phone")
    official = staff_client("official")
    figures = official.get("/api/v1/dashboard/summary?commune=69266").json()
    assert figures["summary"]["reports"] >= 2 and figures["summary"]["resolved"] >= 1
    assert {c["channel"] for c in figures["channels"]} >= {"app", "phone"}
    communes = {c["code"]: c for c in official.get("/api/v1/dashboard/communes").json()}
    assert communes["69266"]["reports"] >= 2 and communes["69266"]["per_1000"] > 0
    cells = official.get("/api/v1/dashboard/heatmap?commune=69266").json()
    assert cells["cell_m"] == 250 and sum(c["reports"] for c in cells["cells"]) >= 2
    choropleth = official.get("/api/v1/dashboard/communes.geojson").json()
    assert len(choropleth["features"]) == 58
    assert choropleth["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    rows = list(csv.DictReader(io.StringIO(official.get("/api/v1/dashboard/communes.csv").text)))
    assert {r["code"]: int(r["reports"]) for r in rows}["69266"] == communes["69266"]["reports"]
    page = official.get("/dashboard?lang=en")
    assert page.status_code == 200 and "Officials' dashboard" in page.text and 'id="fig-median"' in page.text
    assert page.text.count('class="folium-map"') == 2


def test_dashboard_sign_in_form_sets_the_staff_session(client, session):
    from core import users

    users.create(session=session, email="elu@commune.example", name="Élue", role="official",
                 password="a long enough password")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/dashboard").text).group(1)
    wrong = client.post("/dashboard/login", data={"email": "elu@commune.example", "password": "nope", "lang": "fr",
                                                  "csrf_token": token})
    assert wrong.status_code == 401 and "incorrect" in wrong.text
    ok = client.post("/dashboard/login", data={"email": "elu@commune.example", "password": "a long enough password",
                                               "lang": "en", "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/dashboard?lang=en"
    assert client.get("/dashboard?lang=en").status_code == 200
