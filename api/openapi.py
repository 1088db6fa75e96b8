"""The OpenAPI document, telling the truth about errors: every operation may answer RFC 9457 problem+json."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

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


def install(app: FastAPI) -> None:
    """Generate the document once, with problem+json on every operation's 422 and as its default answer."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
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
