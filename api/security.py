"""Security headers on every response: a CSP whose scripts need a per-request nonce, and no-store by default.

HTML may run only the inline scripts the platform wrote itself: each request draws a nonce, pages put it
on their own <script> elements (folium's closing script, Swagger UI's), and the few fixed scripts of
folium's templates are allowed by hashes computed once at start (maps.csp). The body is never read: a
script injected into a page carries no nonce and matches no hash, so the browser refuses it (the policy
used to hash every inline script of the body it sent, the injected one included).

Answers that set no Cache-Control of their own get `no-store`: personal data (a resident's reports, an
agent's resident card, tickets, the staff list) must never sit in a shared or browser cache, and a route
added tomorrow is covered without anyone remembering to. Public data that may be cached says so itself
(photos, tiles, categories, outlines); the static mounts keep their validators.
"""

import secrets
from collections.abc import Callable, Sequence
from functools import lru_cache
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NONCE_KEY = "csp_nonce"
CACHEABLE_PREFIXES = ("/static/",)
DATA_POLICY = b"default-src 'none'; frame-ancestors 'none'"
COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]
HTML_ONLY = [
    (b"permissions-policy", b"camera=(self), geolocation=(self), microphone=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
NO_STORE = (b"cache-control", b"no-store")


@lru_cache(maxsize=8)
def content_security_policy(tile_url: str, fixed_hashes: tuple[str, ...] = ()) -> str:
    """The HTML policy with `{nonce}` left to fill in per request (the rest only changes with the settings)."""
    tile_host = ""
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}", "a"))
        tile_host = f" {parts.scheme}://{parts.netloc}" if parts.netloc else ""
    return "; ".join([
        "default-src 'self'",
        " ".join(["script-src 'self' 'nonce-{nonce}'", *fixed_hashes]),
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


def csp_nonce(request: Request) -> str:
    """This request's nonce, for the <script> elements a page writes itself."""
    nonce: str = request.scope.get("state", {}).get(NONCE_KEY, "")
    return nonce


class SecurityHeaders:
    """ASGI middleware adding CSP, HSTS (behind TLS), framing, sniffing, referrer and default cache headers.

    It only rewrites the start of each answer: bodies pass through untouched, streamed or not."""

    def __init__(self, app: ASGIApp, tile_url: Callable[[], str], script_hashes: Sequence[str] = ()) -> None:
        self.app = app
        self.tile_url = tile_url
        self.script_hashes = tuple(script_hashes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})[NONCE_KEY] = nonce
        cacheable = scope["path"].startswith(CACHEABLE_PREFIXES)
        behind_tls = scope.get("scheme") == "https" or any(
            k == b"x-forwarded-proto" and v == b"https" for k, v in scope.get("headers", ()))

        async def wrapped_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type, has_cache_control = b"", False
                for key, value in headers:
                    lowered = key.lower()
                    if lowered == b"content-type":
                        content_type = value
                    elif lowered == b"cache-control":
                        has_cache_control = True
                if content_type.startswith(b"text/html"):
                    policy = content_security_policy(self.tile_url(), self.script_hashes).replace("{nonce}", nonce)
                    headers += [(b"content-security-policy", policy.encode()), *COMMON, *HTML_ONLY]
                else:
                    # Data gets a policy that lets nothing run if a browser is tricked into rendering it;
                    # scripts (which may be service workers) get none.
                    if b"javascript" not in content_type:
                        headers.append((b"content-security-policy", DATA_POLICY))
                    headers += COMMON
                if behind_tls:
                    headers.append(HSTS)
                if not has_cache_control and not cacheable:
                    headers.append(NO_STORE)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, wrapped_send)
