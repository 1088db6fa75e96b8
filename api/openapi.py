"""The OpenAPI document, telling the truth about errors: every operation may answer RFC 9457 problem+json."""

from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from api import auth
from dispatch.schemas import AgentReportIntake, ReportIntake

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `title`/`detail` follow Accept-Language, both languages are given.",
    "type": "object",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "instance": {"type": "string"}, "code": {"type": "string"},
        "title_fr": {"type": "string"}, "title_en": {"type": "string"},
        "detail_fr": {"type": "string"}, "detail_en": {"type": "string"},
    },
    "additionalProperties": True,
}
PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
# Open311 GeoReport v2 has its own error shape, in the format the path asks for (.json or .xml).
OPEN311_ERRORS = {
    "application/json": {"schema": {"type": "array", "items": {
        "type": "object", "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}}}},
    "text/xml": {"schema": {"type": "string"}},
}


# How a caller proves who they are: a staff session (cookie, plus the CSRF header on unsafe methods) or a
# partner's API key. Declared so that /docs can really send a POST, and clients know what to send.
SECURITY_SCHEMES: dict[str, Any] = {
    "staffSession": {"type": "apiKey", "in": "cookie", "name": auth.SESSION_COOKIE,
                     "description": "Set by POST /api/v1/auth/login (HttpOnly)."},
    "csrfToken": {"type": "apiKey", "in": "header", "name": auth.CSRF_HEADER,
                  "description": "The csrf_token answered by POST /api/v1/auth/login (also in the readable "
                                 f"{auth.CSRF_COOKIE} cookie); required with the session on POST, PUT, PATCH, DELETE."},
    "apiKey": {"type": "apiKey", "in": "header", "name": auth.API_KEY_HEADER,
               "description": "A partner's key, made by an admin at POST /api/v1/staff/api-keys."},
}
UNSAFE = {"post", "put", "patch", "delete"}
# Request bodies read by hand (JSON or multipart) and referenced from openapi_extra.
HAND_READ_BODIES = (ReportIntake, AgentReportIntake)


def _calls(dependant: Dependant) -> set[Any]:
    """Every dependency callable under an operation, however deep."""
    found = {dependant.call}
    for sub in dependant.dependencies:
        found |= _calls(sub)
    return found


def _security(route: Any, method: str) -> list[dict[str, list[str]]] | None:
    """The operation's security requirements, read from its auth dependencies (None: public)."""
    calls = _calls(route.dependant)
    if auth.optional_principal not in calls:
        return None
    session: dict[str, list[str]] = ({"staffSession": [], "csrfToken": []} if method in UNSAFE
                                     else {"staffSession": []})
    requirements: list[dict[str, list[str]]] = [session, {"apiKey": []}]
    if auth.current_principal not in calls:
        requirements.append({})  # signing in is optional here: anonymous callers get the public answer
    return requirements


def _add_schemas(schemas: dict[str, Any]) -> None:
    for model in HAND_READ_BODIES:
        body = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in body.pop("$defs", {}).items():
            schemas.setdefault(name, definition)
        schemas.setdefault(model.__name__, body)


def install(app: FastAPI) -> None:
    """Generate the document once, with problem+json on every operation's 422 and as its default answer."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        _add_schemas(components["schemas"])
        components["securitySchemes"] = SECURITY_SCHEMES
        for route in iter_route_contexts(app.routes):  # through included routers, with their prefixes
            if isinstance(route.original_route, APIRoute) and route.include_in_schema:
                for method in route.methods or ():
                    operation = schema.get("paths", {}).get(route.path_format, {}).get(method.lower())
                    security = _security(route, method.lower())
                    if operation is not None and security is not None:
                        operation["security"] = security
        for path, operations in schema.get("paths", {}).items():
            errors = OPEN311_ERRORS if path.startswith("/open311/") else PROBLEM_CONTENT
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if "422" in responses:
                    responses["422"] = {"description": "Invalid request", "content": errors}
                responses.setdefault("default", {"description": "Error", "content": errors})
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
