"""Real Open311 client libraries from PyPI drive the live server: list, definition, post, read back, filters.

A description (accents, guillemets, markup characters, a CR LF, doubled spaces) and a media_url posted by
civicbot come back identical through all three, in JSON and (georeport) XML.

- georeport (0.3.1): a GeoReport v2 wrapper on requests + xmltodict; JSON and XML; it cannot post.
- civicbot (0.4.0): its Open311Client; lists, definitions, form POST with attributes, tokens, filters.
- boston311 (0.1.1): parses every answer into strict pydantic models (address and group must be strings).
The once-popular `open311` (1.1) and `three` (0.8) packages are Python 2 only and do not import on 3.11.
"""

from datetime import UTC, datetime, timedelta

import boston311.api
import pytest
from boston311.datamodels import ServiceRequest
from civicbot.http import HttpTransport, RateLimiter
from civicbot.open311 import Open311Client
from civicbot.registry import Endpoint
from georeport import GeoReport

from tests.conftest import BELLECOUR, VILLEURBANNE_TOWN_HALL, LiveServer
from tests.open311.test_behaviour import PERSONAL


@pytest.fixture
def endpoint(live_server: LiveServer) -> str:
    return live_server("/open311/v2")


@pytest.fixture
def civic(endpoint: str) -> Open311Client:
    # No politeness delay between calls to our own loopback server.
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0.0))
    return Open311Client(Endpoint(id="ruecommune", name="Rue Commune", base_url=endpoint, write=True),
                         transport=transport, jurisdiction_id="grandlyon.com")


def civic_post(civic: Open311Client, key: str, code: str, where: tuple[float, float], **extra: object) -> str:
    sent = civic.create_request(code, dry_run=False, confirm="SEND", api_key=key, validate_remote=True,
                                lat=where[0], lng=where[1], **extra)  # type: ignore[arg-type]
    (answer,) = sent.response
    assert isinstance(answer["service_request_id"], str)
    return str(answer["service_request_id"])


def test_civicbot_full_cycle(civic: Open311Client, live_open311_key: str) -> None:
    services = civic.list_services()
    assert {"pothole", "fallen_tree", "illegal_dumping"} <= {s["service_code"] for s in services}
    definition = civic.get_service_definition("fallen_tree")
    assert definition["attributes"][0]["code"] == "blocking" and definition["attributes"][0]["required"]
    ref = civic_post(civic, live_open311_key, "fallen_tree", BELLECOUR, description="Platane couché sur la chaussée",
                     attributes={"blocking": "yes"}, **PERSONAL)
    dumping = civic_post(civic, live_open311_key, "illegal_dumping", VILLEURBANNE_TOWN_HALL,
                         attributes={"volume": "small", "kinds": ["green", "other"]})
    read = civic.get_request(ref)
    assert read is not None and read["status"] == "open" and read["service_code"] == "fallen_tree"
    # the answer is an attribute, never folded into the description
    assert read["description"] == "Platane couché sur la chaussée" and read["attributes"] == {"blocking": "yes"}
    assert civic.get_request(dumping)["attributes"] == {"volume": "small", "kinds": ["green", "other"]}
    assert all(value not in str(read) for value in PERSONAL.values())
    assert civic.get_token(ref) == [{"service_request_id": ref, "token": ref}]
    assert [r["service_request_id"] for r in civic.list_requests(service_request_ids=[ref, dumping])] == [
        dumping, ref]
    only_dumping = civic.list_requests(service_code="illegal_dumping", status="open", page_size=50)
    assert dumping in {r["service_request_id"] for r in only_dumping}
    assert ref not in {r["service_request_id"] for r in only_dumping}
    assert ref not in {r["service_request_id"] for r in civic.list_requests(status="closed")}


# What a resident types, as typed: every character a careless server would trim, escape or normalise.
AS_TYPED = "Nid-de-poule « énorme »  rue de la Ré\r\n<b>2 m</b> & 30 cm — près du n°12\tattention"
MEDIA_URL = "https://photos.example.org/Signalement%20n%C2%B012/IMG_0042.JPG?size=Large&v=2#fragment"


def test_georeport_json_and_xml(endpoint: str, civic: Open311Client, live_open311_key: str) -> None:
    ref = civic_post(civic, live_open311_key, "pothole", BELLECOUR, description=AS_TYPED, media_url=MEDIA_URL)
    assert civic.get_request(ref)["description"] == AS_TYPED
    assert civic.get_request(ref)["media_url"] == MEDIA_URL
    for fmt in ("json", "xml"):
        client = GeoReport(endpoint, jurisdiction="grandlyon.com", output_format=fmt)
        read = client.get_service_request(ref)
        assert (read["description"], read["media_url"]) == (AS_TYPED, MEDIA_URL), fmt
        services = client.get_service_list()
        assert "pothole" in {s["service_code"] for s in services}, fmt
        definition = client.get_service_definition("illegal_dumping")
        attributes = definition["attributes"]
        if fmt == "xml":  # xmltodict keeps the XML nesting: attributes > attribute
            attributes = attributes["attribute"]
        assert [a["code"] for a in attributes] == ["volume", "kinds"], fmt
        one = client.get_service_request(ref)
        assert one["service_request_id"] == ref and one["status"] == "open", fmt
        since = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        many = client.get_service_requests(service_code="pothole", start_date=since, status="open")
        many = many if isinstance(many, list) else [many]
        assert ref in {r["service_request_id"] for r in many}, fmt
        by_id = client.get_service_requests(service_request_id=ref)
        by_id = by_id if isinstance(by_id, list) else [by_id]
        assert [r["service_request_id"] for r in by_id] == [ref], fmt


def test_boston311_strict_models(endpoint: str, civic: Open311Client, live_open311_key: str,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    ref = civic_post(civic, live_open311_key, "graffiti", VILLEURBANNE_TOWN_HALL, description=AS_TYPED,
                     media_url=MEDIA_URL)
    # The library is written for Boston's endpoint: point its one constant at ours.
    monkeypatch.setattr(boston311.api, "BOSTON_API_ENDPOINT", endpoint + "/")
    services = boston311.api.get_services()
    assert services.get_service_name("graffiti") == "Graffiti / tag"
    request = boston311.api.get_service_request(ref)
    assert isinstance(request, ServiceRequest) and request.service_request_id == ref
    assert request.description == AS_TYPED and str(request.media_url) == MEDIA_URL
    assert request.requested_datetime.tzinfo is not None and request.address
    recent = boston311.api.get_service_requests(service_code="graffiti",
                                                start_date=datetime.now(UTC) - timedelta(days=1))
    assert ref in {r.service_request_id for r in recent.service_requests}
