"""Request body limits: photos may be large, everything else is small; nothing is read past its limit."""

from collections.abc import Callable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem
from core.errors import BodyTooLarge

JSON_LIMIT = 1024 * 1024


def _too_large(limit: int) -> BodyTooLarge:
    return BodyTooLarge(f"The request body is larger than {limit // 1024} KB.",
                        f"Le corps de la requête dépasse {limit // 1024} Ko.", limit_bytes=limit)


class BodySizeLimit:
    """ASGI middleware: refuse a body whose declared or streamed size passes the limit for its type."""

    def __init__(self, app: ASGIApp, multipart_limit: Callable[[], int], other_limit: int = JSON_LIMIT) -> None:
        self.app = app
        self.multipart_limit = multipart_limit
        self.other_limit = other_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        multipart = headers.get(b"content-type", b"").startswith(b"multipart/form-data")
        limit = self.multipart_limit() if multipart else self.other_limit
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            # Refused before a single byte of the body is read.
            error = _too_large(limit)
            response = problem(error.status, error.code, error.title_en, error.title_fr, error.detail_en,
                               error.detail_fr, Request(scope), limit_bytes=limit)
            response.headers["Connection"] = "close"
            await response(scope, receive, send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _too_large(limit)
            return message

        await self.app(scope, counting_receive, send)
