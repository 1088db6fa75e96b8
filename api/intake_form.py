"""Reading an intake request: a JSON body or a multipart form with photos, into one shape."""

import json
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile

from core.errors import PhotoTooLarge, TooDeeplyNested
from core.settings import get_settings
from dispatch.photos import Upload

Model = TypeVar("Model", bound=BaseModel)
CONTACT_FIELDS = {"contact_name": "name", "contact_email": "email", "contact_phone": "phone",
                  "language": "language", "consent_updates": "consent_updates",
                  "consent_remember": "consent_remember"}
PHOTO_FIELDS = ("photos", "photo", "media")


def intake_openapi(model: str) -> dict[str, Any]:
    """The request body of an intake route, JSON (the named schema) or multipart with photos."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}},
                "multipart/form-data": {"schema": {
                    "type": "object",
                    "required": ["category"],
                    "properties": {
                        "lat": {"type": "number"}, "lon": {"type": "number"},
                        "category": {"type": "string"}, "description": {"type": "string"},
                        "address_text": {"type": "string"},
                        "photos": {"type": "array", "items": {"type": "string", "format": "binary"},
                                   "description": "1 to 5 photos: JPEG, PNG, WebP or HEIC"},
                        "contact": {"type": "string", "description": "ContactDetails as JSON, or the flat fields"},
                        "contact_name": {"type": "string"}, "contact_email": {"type": "string"},
                        "contact_phone": {"type": "string"}, "language": {"type": "string", "enum": ["fr", "en"]},
                        "consent_updates": {"type": "boolean"}, "consent_remember": {"type": "boolean"},
                    },
                }},
            },
        },
    }


INTAKE_OPENAPI = intake_openapi("ReportIntake")
AGENT_INTAKE_OPENAPI = intake_openapi("AgentReportIntake")


def _validate(model: type[Model], raw: dict[str, Any]) -> Model:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{"loc": ("body", *e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]) from exc


async def upload_of(value: UploadFile) -> Upload:
    """One photo's bytes, refused past the size limit; its type and pixels are checked by intake (photos)."""
    settings = get_settings()
    # Read at most one byte past the limit: enough to refuse, never the whole of a huge file.
    data = await value.read(settings.photo_max_bytes + 1)
    size = value.size if value.size is not None else len(data)
    if size > settings.photo_max_bytes:
        raise PhotoTooLarge(
            f"{value.filename or 'photo'} is {size / 2**20:.1f} MB; the limit is "
            f"{settings.photo_max_bytes / 2**20:.0f} MB per photo.",
            f"{value.filename or 'photo'} fait {size / 2**20:.1f} Mo ; la limite est de "
            f"{settings.photo_max_bytes / 2**20:.0f} Mo par photo.", limit_bytes=settings.photo_max_bytes)
    return Upload(data=data, filename=value.filename, content_type=value.content_type)


def check_declared_size(request: Request) -> None:
    """Refuse an absurd body before reading it; each photo's own limit is checked later, file by file."""
    settings = get_settings()
    declared = int(request.headers.get("content-length") or 0)
    ceiling = settings.photo_max_count * settings.photo_max_bytes + 1024 * 1024
    if declared > ceiling:
        raise PhotoTooLarge(
            f"The request is {declared / 2**20:.0f} MB; at most {settings.photo_max_count} photos of "
            f"{settings.photo_max_bytes / 2**20:.0f} MB each are accepted.",
            f"La requête fait {declared / 2**20:.0f} Mo ; au plus {settings.photo_max_count} photos de "
            f"{settings.photo_max_bytes / 2**20:.0f} Mo chacune sont acceptées.", limit_bytes=settings.photo_max_bytes)


async def read(request: Request, model: type[Model]) -> tuple[Model, list[Upload]]:
    """The submission and its photo uploads (bytes in memory, types still unchecked)."""
    settings = get_settings()
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        try:
            document = await request.json()
        except ValueError as exc:
            raise RequestValidationError([{"loc": ("body",), "msg": "body is not valid JSON",
                                           "type": "json_invalid"}]) from exc
        except RecursionError as exc:  # `[[[[...` a thousand deep: past what the parser recurses into
            raise TooDeeplyNested("The JSON body is nested too deeply.",
                                  "Le corps JSON est trop profondément imbriqué.") from exc
        return _validate(model, document if isinstance(document, dict) else {"_": document}), []
    check_declared_size(request)
    form = await request.form(max_files=settings.photo_max_count * 2, max_fields=100)
    raw: dict[str, Any] = {}
    contact: dict[str, Any] = {}
    uploads: list[Upload] = []
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            if name in PHOTO_FIELDS and (value.filename or value.size):
                uploads.append(await upload_of(value))
            continue
        if value == "":
            continue
        if name == "contact":
            try:
                parsed = json.loads(value)
            except (ValueError, RecursionError) as exc:
                raise RequestValidationError([{"loc": ("body", "contact"), "msg": "contact is not valid JSON",
                                               "type": "json_invalid"}]) from exc
            if not isinstance(parsed, dict):  # found by the schemathesis fuzz: `contact=false` crashed here
                raise RequestValidationError([{"loc": ("body", "contact"), "msg": "contact must be a JSON object",
                                               "type": "dict_type"}])
            contact.update(parsed)
        elif name in CONTACT_FIELDS:
            contact[CONTACT_FIELDS[name]] = value
        else:
            raw[name] = value
    if contact:
        raw["contact"] = contact
    return _validate(model, raw), uploads
