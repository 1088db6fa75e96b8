"""Security headers on every response, with a Content-Security-Policy that allows no inline script.

Pages that need inline scripts (folium maps, Swagger UI) get each script's SHA-256 hash added to the
policy, computed from the body actually sent, so `'unsafe-inline'` is never needed for scripts.
"""

import base64
import hashlib
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def script_hashes(body: bytes) -> list[str]:
    """CSP source expressions for every inline <script> of an HTML body."""
    return [f"'sha256-{base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode()}'"
            for m in INLINE_SCRIPT.finditer(body)]


def content_security_policy(script_sources: list[str], tile_url: str) -> str:
    tile_host = ""
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}", "a"))
        tile_host = f" {parts.scheme}://{parts.netloc}" if parts.netloc else ""
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' {' '.join(script_sources)}".rstrip(),
        # folium and Leaflet set inline style attributes, which hashes cannot cover.
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: blob:{tile_host}",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


class SecurityHeaders:
    """ASGI middleware adding CSP, HSTS (behind TLS), framing, sniffing and referrer headers."""

    def __init__(self, app: ASGIApp, tile_url: Callable[[], str]) -> None:
        self.app = app
        self.tile_url = tile_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers_in = {k.lower(): v for k, v in scope.get("headers", [])}
        behind_tls = scope.get("scheme") == "https" or headers_in.get(b"x-forwarded-proto") == b"https"
        start: Message | None = None
        chunks: list[bytes] = []

        def secured(message: Message, body: bytes) -> Message:
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-length"]
            headers += [
                (b"content-security-policy",
                 content_security_policy(script_hashes(body), self.tile_url()).encode()),
                (b"x-content-type-options", b"nosniff"),
                (b"x-frame-options", b"DENY"),
                (b"referrer-policy", b"strict-origin-when-cross-origin"),
                (b"permissions-policy", b"camera=(self), geolocation=(self), microphone=()"),
                (b"cross-origin-opener-policy", b"same-origin"),
            ]
            if behind_tls:
                headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
            if body or message.get("status") not in (204, 304):
                headers.append((b"content-length", str(len(body)).encode()))
            return {**message, "headers": headers}

        async def wrapped_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                if content_type.startswith(b"text/html"):
                    start = message  # hold it: the CSP depends on the scripts in the body
                    return
                await send(_with_plain_headers(message, behind_tls, content_type))
                return
            if start is not None and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(chunks)
                await send(secured(start, body))
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, wrapped_send)


def _with_plain_headers(message: Message, behind_tls: bool, content_type: bytes) -> Message:
    """Non-HTML responses: the same protective headers; data (not scripts, which may be workers) gets a
    CSP that lets nothing run if a browser is tricked into rendering it."""
    headers = list(message.get("headers", []))
    if b"javascript" not in content_type:
        headers.append((b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"))
    headers += [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
    ]
    if behind_tls:
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return {**message, "headers": headers}
