"""The read-only queries of maps: filters, public visibility, paging, grid, per-commune figures, tiles."""

from datetime import UTC, date, datetime, timedelta

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
    figures = service.figures(session=session, filters=f)
    s = figures.summary
    assert (s["reports"], s["resolved"], s["open"], s["overdue"]) == (4, 3, 1, 1)
    assert abs(s["median_days"] - 4) < 1e-6
    assert abs(s["on_time_share"] - 2 / 3) < 1e-9
    assert {r["channel"]: r["reports"] for r in figures.channels} == {"app": 3, "phone": 1}
    assert sum(m["created"] for m in figures.months) == 4 and sum(m["resolved"] for m in figures.months) == 3


def test_figures_of_an_empty_selection_are_zero_not_missing(session):
    figures = service.figures(session=session, filters=ReportFilter(category="no_such_category"))
    assert figures.summary == {"reports": 0, "open": 0, "resolved": 0, "overdue": 0, "median_days": None,
                               "on_time_share": None}
    assert figures.channels == [] and figures.months == []
    assert len(figures.communes) == 58 and all(c["reports"] == 0 for c in figures.communes)


def test_months_are_paris_months(session):
    # 23:30 UTC on 31 January is already February in Paris (UTC+1 in winter).
    filed = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    make_report(session, CALUIRE, state="resolved", created=filed, resolved=datetime(2026, 3, 31, 22, 30, tzinfo=UTC))
    figures = service.figures(session=session, filters=ReportFilter(commune="69034", since=date(2026, 1, 1),
                                                                    until=date(2026, 2, 28)))
    # 22:30 UTC on 31 March is 00:30 on 1 April in Paris (UTC+2 in summer).
    assert figures.months == [{"month": "2026-02", "created": 1, "resolved": 0},
                              {"month": "2026-04", "created": 0, "resolved": 1}]


def test_dashboard_commune_figures_match_the_per_commune_query(session):
    for point, state in ((VILLEURBANNE, "new"), (VILLEURBANNE, "resolved"), (CALUIRE, "closed"), (BELLECOUR, "new")):
        make_report(session, point, state=state)
    f = ReportFilter(since=date.today() - timedelta(days=30))
    keys = ("code", "name", "population", "reports", "open", "resolved", "per_1000")
    one_pass = {c["code"]: tuple(c[k] for k in keys) for c in service.figures(session=session, filters=f).communes}
    alone = {c["code"]: tuple(c[k] for k in keys) for c in service.communes(session=session, filters=f)}
    assert one_pass == alone


def test_tile_holds_the_public_reports_of_its_area(session):
    import mapbox_vector_tile

    mine = make_report(session, BELLECOUR)
    rejected = make_report(session, BELLECOUR, state="rejected")
    # the z14 tile that holds Bellecour
    decoded = mapbox_vector_tile.decode(service.tile(session=session, z=14, x=8411, y=5844, filters=ReportFilter()))
    refs = {f["properties"]["ref"] for f in decoded["reports"]["features"]}
    assert mine.ref in refs and rejected.ref not in refs
    assert service.tile(session=session, z=14, x=8411, y=5845, filters=ReportFilter(states=("new",))) == b""
