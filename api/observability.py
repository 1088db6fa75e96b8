"""Request ids, access logs and Prometheus metrics for every request."""

import logging
import re
import time
import uuid

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.logging import request_id_var

log = logging.getLogger("ruecommune.access")
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

REGISTRY = CollectorRegistry()
REQUESTS = Counter("ruecommune_http_requests_total", "HTTP requests", ["method", "route", "status"],
                   registry=REGISTRY)
LATENCY = Histogram("ruecommune_http_request_duration_seconds", "HTTP request duration", ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5), registry=REGISTRY)
OUTBOX_PENDING = Gauge("ruecommune_outbox_pending", "Messages waiting in the outbox", registry=REGISTRY)
OVERDUE_TICKETS = Gauge("ruecommune_overdue_tickets", "Open tickets past their due date", registry=REGISTRY)


class RequestContext:
    """ASGI middleware: a request id (taken from X-Request-ID when sane), an access log line, metrics."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if VALID_REQUEST_ID.match(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def wrapped_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"x-request-id", request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, wrapped_send)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(scope["method"], route).observe(elapsed)
            log.info("%s %s %s", scope["method"], route, status,
                     extra={"status": status, "duration_ms": round(elapsed * 1000, 2), "method": scope["method"],
                            "route": route})
            request_id_var.reset(token)
