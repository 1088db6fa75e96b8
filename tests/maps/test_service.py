"""The read-only queries of maps: filters, public visibility, paging, grid, per-commune figures, tiles."""

from datetime import date, timedelta

from maps import service
from maps.filters import ReportFilter
from tests.maps.factory import BELLECOUR, CALUIRE, VENISSIEUX, VILLEURBANNE, make_report


def _refs(page):
    return [r["ref"] for r in page.rows]


def test_public_list_shows_open_and_recently_resolved_but_never_rejected(session):
    open_ = make_report(session, state="in_progress")
    fresh = make_report(session, state="resolved", days_ago=5, resolved_after_days=2)
    old = make_report(session, state="closed", days_ago=200, resolved_after_days=10)
    rejected = make_report(session, state="rejected")
    refs = _refs(service.list_page(session=session, filters=ReportFilter()))
    assert open_.ref in refs and fresh.ref in refs
    assert old.ref not in refs and rejected.ref not in refs


def test_filters_by_category_parent_state_commune_period_and_bbox(session):
    lyon = make_report(session, BELLECOUR, category="pothole", state="new", days_ago=3)
    villeurbanne = make_report(session, VILLEURBANNE, category="graffiti", state="assigned", days_ago=40)
    venissieux = make_report(session, VENISSIEUX, category="missed_pickup", state="new", days_ago=3)

    def refs(**kw):
        return set(_refs(service.list_page(session=session, filters=ReportFilter(**kw))))

    mine = {lyon.ref, villeurbanne.ref, venissieux.ref}
    assert refs(category="voirie") & mine == {lyon.ref}
    assert refs(category="proprete") & mine == {villeurbanne.ref, venissieux.ref}
    assert refs(states=("new",)) & mine == {lyon.ref, venissieux.ref}
    assert refs(commune="69266") & mine == {villeurbanne.ref}
    assert refs(commune=lyon.zone_code) & mine == {lyon.ref}
    assert refs(since=date.today() - timedelta(days=10)) & mine == {lyon.ref, venissieux.ref}
    assert refs(until=date.today() - timedelta(days=10)) & mine == {villeurbanne.ref}
    assert refs(bbox=(4.87, 45.76, 4.89, 45.77)) & mine == {villeurbanne.ref}


def test_pages_follow_each_other_without_overlap(session):
    made = {make_report(session, CALUIRE, category="graffiti").ref for _ in range(5)}
    seen: list[str] = []
    after = None
    filters = ReportFilter(commune="69034")
    while True:
        page = service.list_page(session=session, filters=filters, limit=2, after=after)
        seen += _refs(page)
        if page.after is None:
            break
        after = page.after
    assert len(seen) == len(set(seen)) and set(seen) >= made


def test_geojson_page_is_a_feature_list_with_next_cursor(session):
    import json

    for _ in range(3):
        make_report(session, CALUIRE, category="graffiti")
    page = service.geojson_page(session=session, filters=ReportFilter(commune="69034"), limit=2)
    features = json.loads(page.features_json)
    assert len(features) == 2 and page.after is not None
    assert features[0]["geometry"]["type"] == "Point"
    assert set(features[0]["properties"]) >= {"ref", "state", "category", "due", "url"}


def test_heatmap_counts_reports_on_a_250_m_grid(session):
    for _ in range(3):
        make_report(session, BELLECOUR)
    make_report(session, VENISSIEUX)
    cells = service.heatmap(session=session, filters=ReportFilter(category="voirie"))
    assert cells[0]["reports"] >= 3
    assert abs(cells[0]["lat"] - BELLECOUR[0]) < 0.003 and abs(cells[0]["lon"] - BELLECOUR[1]) < 0.004
    assert sum(c["reports"] for c in cells) >= 4


def test_commune_figures_per_1000_inhabitants(session):
    for _ in range(4):
        make_report(session, VILLEURBANNE)
    rows = {r["code"]: r for r in service.communes(session=session, filters=ReportFilter())}
    assert len(rows) == 58
    vil = rows["69266"]
    assert vil["reports"] >= 4 and vil["population"] > 100_000
    assert abs(vil["per_1000"] - round(1000 * vil["reports"] / vil["population"], 2)) < 1e-9


def test_summary_median_and_share_on_time(session):
    f = ReportFilter(commune="69034")
    make_report(session, CALUIRE, state="resolved", days_ago=20, resolved_after_days=2, due_in_days=5)
    make_report(session, CALUIRE, state="resolved", days_ago=20, resolved_after_days=4, due_in_days=5)
    make_report(session, CALUIRE, state="closed", days_ago=20, resolved_after_days=9, due_in_days=5)
    make_report(session, CALUIRE, state="new", days_ago=20, due_in_days=5, channel="phone")
    s = service.summary(session=session, filters=f)
    assert (s["reports"], s["resolved"], s["open"], s["overdue"]) == (4, 3, 1, 1)
    assert abs(s["median_days"] - 4) < 1e-6
    assert abs(s["on_time_share"] - 2 / 3) < 1e-9
    assert {r["channel"]: r["reports"] for r in service.channels(session=session, filters=f)} == {"app": 3, "phone": 1}
    months = service.timeseries(session=session, filters=f)
    assert sum(m["created"] for m in months) == 4 and sum(m["resolved"] for m in months) == 3


def test_tile_holds_the_public_reports_of_its_area(session):
    import mapbox_vector_tile

    mine = make_report(session, BELLECOUR)
    rejected = make_report(session, BELLECOUR, state="rejected")
    # the z14 tile that holds Bellecour
    decoded = mapbox_vector_tile.decode(service.tile(session=session, z=14, x=8411, y=5844, filters=ReportFilter()))
    refs = {f["properties"]["ref"] for f in decoded["reports"]["features"]}
    assert mine.ref in refs and rejected.ref not in refs
    assert service.tile(session=session, z=14, x=8411, y=5845, filters=ReportFilter(states=("new",))) == b""
