"""Every GeoReport v2 endpoint answers in the shape of the spec's own examples, in JSON and in XML."""

from typing import Any
from urllib.parse import parse_qsl
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree as SafeET
from fastapi.testclient import TestClient

from tests.conftest import BELLECOUR
from tests.open311.conftest import EXAMPLES, example_json, example_xml

V2 = "/open311/v2"
# Fields a service request carries beyond the spec's example: the answers to the service's attributes, posted
# as attribute[code] (the spec defines no field to read them back; clients ignore what they do not know).
EXTENSIONS = {"attributes"}


def assert_json_shape(ours: Any, example: Any, where: str = "$") -> None:
    """Same keys at every level, same JSON types (null allowed either side: 'null when unknown')."""
    if example is None or ours is None:
        return
    if isinstance(example, dict):
        assert isinstance(ours, dict), where
        extra = set(ours) - set(example)
        assert set(example) <= set(ours) and extra <= EXTENSIONS, f"{where}: keys {sorted(ours)} != {sorted(example)}"
        for key in example:
            assert_json_shape(ours[key], example[key], f"{where}.{key}")
    elif isinstance(example, list):
        assert isinstance(ours, list), where
        assert ours, f"{where}: empty list where the spec shows items"
        for item in ours:
            assert_json_shape(item, example[0], f"{where}[]")
    elif isinstance(example, bool):
        assert isinstance(ours, bool), f"{where}: {ours!r} is not a boolean"
    elif isinstance(example, int | float):
        assert isinstance(ours, int | float) and not isinstance(ours, bool), f"{where}: {ours!r} is not a number"
        assert isinstance(ours, int) == isinstance(example, int), f"{where}: {ours!r} vs {example!r}"
    else:
        assert isinstance(ours, str), f"{where}: {ours!r} is not a string"


def assert_xml_shape(ours: Element, example: Element, where: str = "") -> None:
    """Same element names at every level; an item holds the same children as the spec's first item."""
    where = f"{where}/{example.tag}"
    assert ours.tag == example.tag, where
    example_children = list(example)
    if not example_children:
        assert not list(ours), f"{where} should hold text, not elements"
        return
    tags = {child.tag for child in example_children}
    if len(tags) == 1 and len(example_children) > 1 or example.tag in ("attributes", "values", "formats"):
        (tag,) = tags
        assert list(ours), f"{where}: empty list where the spec shows items"
        for child in ours:
            assert_xml_shape(child, example_children[0], where)
        return
    ours_tags = {c.tag for c in ours}
    assert tags <= ours_tags and ours_tags - tags <= EXTENSIONS, f"{where}: {sorted(ours_tags)} != {sorted(tags)}"
    for child in (c for c in ours if c.tag in tags):
        assert_xml_shape(child, example.find(child.tag), where)  # type: ignore[arg-type]


def get_both(client: TestClient, path: str, **params: str) -> tuple[Any, Element]:
    json_answer = client.get(f"{V2}/{path}.json", params=params)
    xml_answer = client.get(f"{V2}/{path}.xml", params=params)
    assert json_answer.status_code == 200, json_answer.text
    assert xml_answer.status_code == 200, xml_answer.text
    assert json_answer.headers["content-type"] == "application/json; charset=utf-8"
    assert xml_answer.headers["content-type"] == "text/xml; charset=utf-8"
    assert xml_answer.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return json_answer.json(), SafeET.fromstring(xml_answer.content)


def post_example(client: TestClient, key: str, fmt: str) -> Any:
    """The spec's own POST body, with our key, jurisdiction, a service and a place we have."""
    fields = dict(parse_qsl((EXAMPLES / "post_request.form").read_text().strip()))
    fields.update(api_key=key, jurisdiction_id="grandlyon.com", service_code="pothole",
                  lat=str(BELLECOUR[0]), long=str(BELLECOUR[1]))
    answer = client.post(f"{V2}/requests.{fmt}", data=fields)
    assert answer.status_code == 200, answer.text
    return answer


def test_discovery(client: TestClient) -> None:
    ours_json, ours_xml = get_both(client, "discovery")
    assert_json_shape(ours_json, example_json("discovery"))
    assert_xml_shape(ours_xml, example_xml("discovery"))
    assert ours_json["endpoints"][0]["url"] == "http://testserver/open311/v2"
    assert "application/json" in ours_json["endpoints"][0]["formats"]


def test_service_list(client: TestClient) -> None:
    ours_json, ours_xml = get_both(client, "services")
    assert_json_shape(ours_json, example_json("services"))
    assert_xml_shape(ours_xml, example_xml("services"))
    pothole = next(s for s in ours_json if s["service_code"] == "pothole")
    assert pothole["service_name"] == "Nid-de-poule" and pothole["group"] == "Voirie"
    assert pothole["type"] == "realtime"
    assert len(ours_xml.findall("service")) == len(ours_json)


def test_service_definition(client: TestClient) -> None:
    ours_json, ours_xml = get_both(client, "services/illegal_dumping")
    assert_json_shape(ours_json, example_json("service_definition"))
    assert_xml_shape(ours_xml, example_xml("service_definition"))
    assert [a["code"] for a in ours_json["attributes"]] == ["volume", "kinds"]
    assert ours_xml.findtext("attributes/attribute/values/value/key") == "small"


def test_post_request(client: TestClient, open311_key: str) -> None:
    ours_json = post_example(client, open311_key, "json").json()
    ours_xml = SafeET.fromstring(post_example(client, open311_key, "xml").content)
    assert_json_shape(ours_json, example_json("post_request"))
    assert_xml_shape(ours_xml, example_xml("post_request"))
    assert ours_json[0]["service_request_id"].startswith("RC-")
    assert ours_xml.find("request/account_id") is not None


def test_token(client: TestClient, open311_key: str) -> None:
    ref = post_example(client, open311_key, "json").json()[0]["service_request_id"]
    ours_json, ours_xml = get_both(client, f"tokens/{ref}")
    assert_json_shape(ours_json, example_json("token"))
    assert_xml_shape(ours_xml, example_xml("token"))
    assert ours_json == [{"service_request_id": ref, "token": ref}]


def test_service_requests(client: TestClient, open311_key: str) -> None:
    post_example(client, open311_key, "json")
    post_example(client, open311_key, "json")
    ours_json, ours_xml = get_both(client, "requests")
    assert_json_shape(ours_json, example_json("requests"))
    assert_xml_shape(ours_xml, example_xml("requests"))
    assert len(ours_json) >= 2


def test_service_request(client: TestClient, open311_key: str) -> None:
    ref = post_example(client, open311_key, "json").json()[0]["service_request_id"]
    ours_json, ours_xml = get_both(client, f"requests/{ref}")
    assert_json_shape(ours_json, example_json("request"))
    assert_xml_shape(ours_xml, example_xml("request"))
    assert ours_json[0]["service_request_id"] == ref
    assert ours_xml.findtext("request/service_request_id") == ref


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors(client: TestClient, fmt: str) -> None:
    answer = client.post(f"{V2}/requests.{fmt}", data={"api_key": "xyz", "service_code": "pothole",
                                                      "lat": "45.75", "long": "4.83"})
    assert answer.status_code == 403
    if fmt == "json":
        assert_json_shape(answer.json(), example_json("errors"))
        assert answer.json()[0]["code"] == 403
    else:
        ours = SafeET.fromstring(answer.content)
        assert_xml_shape(ours, example_xml("errors"))
        assert ours.findtext("error/code") == "403"
