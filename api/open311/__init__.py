"""Open311 GeoReport v2 server under /open311/v2: discovery, services, requests and tokens in JSON and XML."""

from api.open311.router import install, router

__all__ = ["install", "router"]
