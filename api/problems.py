"""RFC 9457 problem+json for every error, in French and English; nothing leaks a stack trace."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import DomainError, InvalidCharacters

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"


def problem(status: int, code: str, title_en: str, title_fr: str, detail_en: str, detail_fr: str,
            request: Request, **extra: Any) -> JSONResponse:
    """A problem document; `title`/`detail` follow Accept-Language, both languages are always present."""
    french = request.headers.get("accept-language", "").lower().startswith("fr")
    body = {
        "type": f"https://ruecommune.example/problems/{code}",
        "title": title_fr if french else title_en,
        "status": status,
        "detail": detail_fr if french else detail_en,
        "instance": request.url.path,
        "code": code,
        "title_fr": title_fr, "title_en": title_en,
        "detail_fr": detail_fr, "detail_en": detail_en,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def install(app: FastAPI) -> None:
    """Map domain errors, validation errors, HTTP errors and crashes to problem+json."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        extra = dict(exc.extra)
        headers = extra.pop("headers", None) or {}  # e.g. Retry-After on 429
        response = problem(exc.status, exc.code, exc.title_en, exc.title_fr, exc.detail_en, exc.detail_fr,
                           request, **extra)
        for key, value in headers.items():
            response.headers[key] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        where = ", ".join(".".join(str(p) for p in e["loc"]) for e in errors)
        return problem(422, "request.invalid", "Invalid request", "Requête invalide",
                       f"Some fields are missing or invalid: {where}",
                       f"Des champs manquent ou sont invalides : {where}", request, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = str(exc.detail)
        response = problem(exc.status_code, f"http.{exc.status_code}", detail, detail, detail, detail, request)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(OperationalError)
    async def _database_unavailable(request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable on %s: %s", request.url.path, exc.orig)
        return _unavailable(request)

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        if exc.connection_invalidated:
            return _unavailable(request)
        log.exception("database error on %s", request.url.path)
        return problem(500, "server.error", "Internal error", "Erreur interne",
                       "Something went wrong on our side; nothing you sent was lost.",
                       "Une erreur est survenue de notre côté ; rien de ce que vous avez envoyé n'est perdu.",
                       request)

    @app.exception_handler(ValueError)
    async def _value_error(request: Request, exc: ValueError) -> JSONResponse:
        if is_nul_refusal(exc):
            return await _domain(request, NUL_REFUSED)
        return await _crash(request, exc)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return problem(500, "server.error", "Internal error", "Erreur interne",
                       "Something went wrong on our side; nothing you sent was lost.",
                       "Une erreur est survenue de notre côté ; rien de ce que vous avez envoyé n'est perdu.",
                       request)


RETRY_AFTER_SECONDS = 5
NUL_REFUSED = InvalidCharacters("Text may not contain NUL (0x00) characters.",
                                "Le texte ne peut pas contenir de caractère NUL (0x00).")


def is_nul_refusal(exc: BaseException) -> bool:
    """psycopg2 refuses to send a string holding NUL (PostgreSQL text cannot store it), from whatever input
    it came: a JSON string, a query parameter, a form field. That is the client's mistake, never a 500."""
    return isinstance(exc, ValueError) and "NUL (0x00)" in str(exc)


def _unavailable(request: Request) -> JSONResponse:
    """503 with Retry-After: the database is restarting or unreachable; the client should try again."""
    response = problem(503, "server.unavailable", "Service temporarily unavailable",
                       "Service momentanément indisponible",
                       f"The database is not answering; nothing was recorded. Try again in {RETRY_AFTER_SECONDS} s.",
                       f"La base de données ne répond pas ; rien n'a été enregistré. Réessayez dans "
                       f"{RETRY_AFTER_SECONDS} s.", request)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
