"""OGC API - Features (read-only) under /ogc: public reports and the territory's zones as GeoJSON, reports as CSV."""

from api.ogc.router import router

__all__ = ["router"]
