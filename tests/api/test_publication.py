"""Issue 14, finding 6: every public surface serves exactly the reports the public map shows (dispatch.publication):
reports being handled, resolved or closed ones for 30 days after their resolution, never rejected or merged ones;
and no public route opens a report by its sequential id."""

import csv
import io
import re

import mapbox_vector_tile
import pytest
from sqlalchemy.orm import Session

from dispatch import duplicates, publication
from dispatch.models import Report
from dispatch.vocabulary import State
from tests.factories import actor
from tests.maps.factory import BELLECOUR, make_report

REF = re.compile(r"RC-[0-9A-Z]{4}-[0-9A-Z]{4}")
# A box around Bellecour holding every planted report, inside tile 14/8411/5844.
BOX = (4.825, 45.752, 4.84, 45.762)
BBOX = ",".join(str(v) for v in BOX)


def plant(session: Session) -> dict[str, Report]:
    """One report per case the rule distinguishes, a few metres apart around Bellecour."""
    specs = {
        "new": {"state": State.NEW}, "triaged": {"state": State.TRIAGED}, "assigned": {"state": State.ASSIGNED},
        "scheduled": {"state": State.SCHEDULED}, "in_progress": {"state": State.IN_PROGRESS},
        "waiting": {"state": State.WAITING_RESIDENT}, "reopened": {"state": State.REOPENED},
        "resolved 5 days ago": {"state": State.RESOLVED, "days_ago": 10, "resolved_after_days": 5},
        "closed 20 days ago": {"state": State.CLOSED, "days_ago": 25, "resolved_after_days": 5},
        "resolved 40 days ago": {"state": State.RESOLVED, "days_ago": 45, "resolved_after_days": 5},
        "closed a year ago": {"state": State.CLOSED, "days_ago": 400, "resolved_after_days": 35},
        "rejected": {"state": State.REJECTED},
        "rejected long ago": {"state": State.REJECTED, "days_ago": 400},
        "merged": {"state": State.NEW},
        "merged target": {"state": State.TRIAGED},
    }
    made = {}
    for i, (name, spec) in enumerate(specs.items()):
        point = (BELLECOUR[0] + 0.0002 * (i % 5), BELLECOUR[1] + 0.0002 * (i // 5))
        made[name] = make_report(session, point, description=f"publication case {name}", **spec)
    duplicates.merge(session=session, source=made["merged"], into=made["merged target"], actor=actor("agent"))
    session.flush()
    return made


def refs_in(text: str, mine: set[str]) -> set[str]:
    return set(REF.findall(text)) & mine


def geojson(client, path: str, mine: set[str]) -> set[str]:
    found: set[str] = set()
    while path:
        page = client.get(path)
        assert page.status_code == 200, page.text
        body = page.json()
        found |= {f["id"] for f in body["features"]} & mine
        path = next((link["href"] for link in body.get("links", []) if link["rel"] == "next"), None)
    return found


def one_by_one(client, template: str, mine: set[str], **options) -> set[str]:
    """The references a per-report URL serves (200); anything else must be a plain 404."""
    served = set()
    for ref in mine:
        answer = client.get(template.format(ref=ref), **options)
        assert answer.status_code in (200, 404, 307), (template, ref, answer.status_code)
        if answer.status_code == 200:
            served.add(ref)
    return served


def test_every_public_surface_serves_the_maps_set_and_nothing_else(client, session):
    made = plant(session)
    mine = {r.ref for r in made.values()}
    expected = {made[n].ref for n in ("new", "triaged", "assigned", "scheduled", "in_progress", "waiting", "reopened",
                                      "resolved 5 days ago", "closed 20 days ago", "merged target")}
    the_map = geojson(client, f"/api/v1/map/reports?bbox={BBOX}&limit=5000", mine)
    assert the_map == expected  # the rule itself, as the public map applies it

    tile = mapbox_vector_tile.decode(client.get("/tiles/reports/14/8411/5844.pbf").content)
    list_page = client.get(f"/map/list?bbox={BBOX}")
    ogc_csv = client.get(f"/ogc/collections/reports/items?f=csv&bbox={BBOX}&limit=10000")
    surfaces = {
        "map list page": refs_in(list_page.text, mine),
        "map CSV": {row["ref"] for row in csv.DictReader(io.StringIO(
            client.get(f"/api/v1/map/reports.csv?bbox={BBOX}").text))} & mine,
        "vector tile": {f["properties"]["ref"] for f in tile["reports"]["features"]} & mine,
        "Open311 list": {r["service_request_id"] for r in client.get(
            "/open311/v2/requests.json", params={"page_size": 1000}).json()} & mine,
        "Open311 list by id": {r["service_request_id"] for r in client.get(
            "/open311/v2/requests.json", params={"service_request_id": ",".join(sorted(mine))}).json()},
        "Open311 closed": {r["service_request_id"] for r in client.get(
            "/open311/v2/requests.json", params={"status": "closed"}).json()} & mine,
        "Open311 request": one_by_one(client, "/open311/v2/requests/{ref}.json", mine),
        "Open311 token": one_by_one(client, "/open311/v2/tokens/{ref}.json", mine),
        "OGC items": geojson(client, f"/ogc/collections/reports/items?bbox={BBOX}&limit=10000", mine),
        "OGC CSV": {row["ref"] for row in csv.DictReader(io.StringIO(ogc_csv.text))} & mine,
        "OGC item": one_by_one(client, "/ogc/collections/reports/items/{ref}", mine),
        "API report": one_by_one(client, "/api/v1/reports/{ref}", mine),
        "API report by ref": one_by_one(client, "/api/v1/reports/by-ref/{ref}", mine),
        "API tracking": one_by_one(client, "/api/v1/tracking/{ref}", mine),
        "tracking page": one_by_one(client, "/reports/{ref}", mine, follow_redirects=False),
    }
    assert list_page.status_code == ogc_csv.status_code == 200
    closed_ones = {made["resolved 5 days ago"].ref, made["closed 20 days ago"].ref}
    assert surfaces.pop("Open311 closed") == closed_ones
    wrong = {name: {"extra": sorted(found - the_map), "missing": sorted(the_map - found)}
             for name, found in surfaces.items() if found != the_map}
    assert wrong == {}


def test_a_merged_reference_leads_to_the_report_it_joined_and_a_rejected_one_to_nothing(client, session):
    made = plant(session)
    merged, target = made["merged"], made["merged target"]
    page = client.get(f"/reports/{merged.ref}", follow_redirects=False)
    assert page.status_code == 307 and page.headers["location"] == f"/reports/{target.ref}"
    assert merged.ref not in client.get(f"/reports/{merged.ref}").text  # what is served is the target's page
    hidden = client.get(f"/reports/{made['rejected'].ref}")
    unknown = client.get("/reports/RC-0000-0000")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json()["detail_en"].replace(made["rejected"].ref, "X") == \
        unknown.json()["detail_en"].replace("RC-0000-0000", "X")  # a hidden report looks like no report
    follow = client.post(f"/api/v1/reports/by-ref/{made['rejected'].ref}/follow",
                         json={"contact": {"email": "voisin@example.org"}})
    assert follow.status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/reports/{id}", "/open311/v2/requests/{id}.json",
                                  "/open311/v2/tokens/{id}.json", "/reports/{id}", "/api/v1/tracking/{id}",
                                  "/ogc/collections/reports/items/{id}"])
def test_no_public_route_opens_a_report_by_its_sequential_id(client, session, path):
    report = make_report(session, BELLECOUR, state=State.NEW)
    assert client.get(path.format(id=report.ref)).status_code == 200
    assert client.get(path.format(id=report.id)).status_code == 404
    listed = client.get("/open311/v2/requests.json", params={"service_request_id": str(report.id)})
    assert listed.status_code == 200 and listed.json() == []


def test_the_rule_hides_rejected_reports_only_by_state():
    # Every state but a rejection is shown while handled or for a while after resolution.
    shown = publication.SHOWN_WHILE_HANDLED | publication.SHOWN_AFTER_RESOLUTION
    assert set(State) - shown == {State.REJECTED}
