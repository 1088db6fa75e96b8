"""The officials' dashboard in headless Chromium: sign in, figures, heatmap and choropleth drawn, nothing foreign."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from core import users
from tests.maps.factory import CALUIRE, VILLEURBANNE, plant

pytestmark = pytest.mark.browser


def test_dashboard_renders_for_an_official(page, live_server_no_tiles):
    day = datetime(2015, 5, 12, 9, 0, tzinfo=UTC)
    plant(live_server_no_tiles.engine,
          *[{"point": VILLEURBANNE, "created": day, "state": "resolved", "resolved": day + timedelta(days=d),
             "due_in_days": 5} for d in (1, 2, 9)],
          {"point": CALUIRE, "created": day, "state": "new", "channel": "phone"})
    email = f"elu-{uuid.uuid4().hex[:6]}@commune.example"
    with Session(live_server_no_tiles.engine) as session:
        users.create(session=session, email=email, name="Élue", role="official", password="a long enough password")
        session.commit()

    page.goto(live_server_no_tiles("/dashboard?lang=en"))
    page.fill("#rc-email", email)
    page.fill("#rc-password", "a long enough password")
    page.click(".rc-signin button[type=submit]")
    page.wait_for_selector("#fig-reports")
    page.goto(live_server_no_tiles("/dashboard?since=2015-05-01&until=2015-05-31&lang=en"))
    assert page.inner_text("#fig-reports") == "4"
    assert page.inner_text("#fig-resolved") == "3"
    assert page.inner_text("#fig-median") == "2.0 days"
    assert page.inner_text("#fig-on-time") == "67 %"
    assert page.locator("#rc-channels tbody tr").count() == 2
    assert page.locator(".leaflet-container").count() == 2
    page.wait_for_selector("canvas.leaflet-heatmap-layer", state="attached")
    assert page.locator("path.leaflet-interactive").count() >= 58  # one shape per commune
    csv = page.request.get(live_server_no_tiles("/api/v1/dashboard/communes.csv?since=2015-05-01&until=2015-05-31"))
    assert csv.ok and "69266" in csv.text()
    own = live_server_no_tiles.url.split("//")[1]
    assert page.watch.hosts == {own}
    # the sign-in page answers 401 by design; nothing else may fail
    assert [e for e in page.watch.errors_except() if "401" not in e] == []
