"""The OpenAPI document is valid, has no dangling reference, and is enough to sign in and POST."""

from typing import Any

from fastapi.testclient import TestClient
from openapi_spec_validator import validate
from sqlalchemy.orm import Session

from core import users
from tests.conftest import STAFF_PASSWORD, _staff_password_hash


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_the_document_validates_and_every_reference_resolves(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    validate(document)
    dangling = sorted({ref for ref in _refs(document) if not _safe_resolve(document, ref)})
    assert dangling == []


def _safe_resolve(document: dict[str, Any], ref: str) -> bool:
    try:
        _resolve(document, ref)
    except (KeyError, TypeError):
        return False
    return True


def test_security_schemes_are_declared_on_the_operations_that_need_them(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert {s["name"] for s in schemes.values()} == {"rc_session", "X-CSRF-Token", "X-API-Key"}
    transition = document["paths"]["/api/v1/tickets/{report_id}/transition"]["post"]
    assert {"staffSession": [], "csrfToken": []} in transition["security"]
    assert "security" not in document["paths"]["/api/v1/reports"]["post"]  # residents need no account
    mine = document["paths"]["/api/v1/auth/me"]["get"]
    assert {"staffSession": []} in mine["security"]


def test_a_post_made_from_the_document_alone_succeeds(client: TestClient, session: Session) -> None:
    """Sign in and enter a phone request sending only what the document declares: no knowledge of the code."""
    user = users.StaffUser(email="doc-reader@staff.example", name="Doc Reader", role="agent", language="fr",
                           password_hash=_staff_password_hash(), active=True, sector_codes=[])
    session.add(user)
    session.commit()
    document = client.get("/openapi.json").json()
    login = document["paths"]["/api/v1/auth/login"]["post"]
    login_fields = _resolve(document, login["requestBody"]["content"]["application/json"]["schema"]["$ref"])
    assert {"email", "password"} <= set(login_fields["properties"])
    signed_in = client.post("/api/v1/auth/login", json={"email": user.email, "password": STAFF_PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    result = _resolve(document, login["responses"]["200"]["content"]["application/json"]["schema"]["$ref"])
    assert "csrf_token" in result["properties"]
    csrf = signed_in.json()["csrf_token"]

    enter = document["paths"]["/api/v1/agent/reports"]["post"]
    schemes = document["components"]["securitySchemes"]
    requirement = next(r for r in enter["security"] if "csrfToken" in r)
    headers = {schemes[name]["name"]: csrf for name in requirement if schemes[name]["in"] == "header"}
    cookies = {schemes[name]["name"]: client.cookies[schemes[name]["name"]] for name in requirement
               if schemes[name]["in"] == "cookie"}
    body_schema = _resolve(document, enter["requestBody"]["content"]["application/json"]["schema"]["$ref"])
    assert {"lat", "lon", "category", "channel"} <= set(body_schema["properties"])
    fresh = TestClient(client.app)  # a new client: nothing but what the document said to send
    answer = fresh.post("/api/v1/agent/reports", headers=headers, cookies=cookies,
                        json={"lat": 45.7578, "lon": 4.8320, "category": "pothole", "channel": "phone",
                              "description": "Trou signalé par téléphone"})
    assert answer.status_code == 201, answer.text
    without_csrf = TestClient(client.app).post("/api/v1/agent/reports", cookies=cookies, json={
        "lat": 45.7578, "lon": 4.8320, "category": "pothole", "channel": "phone"})
    assert without_csrf.status_code == 403
