"""A client of the BAN search API protocol (api-adresse.data.gouv.fr, or a city's own addok)."""

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.errors import GeocoderUnavailable
from geo.geocoding import geocodejson
from geo.geocoding.base import Place

# Answers are filtered to the territory's communes, so ask for more than the caller wants.
OVERFETCH = 3


class BanGeocoder:
    """Search and reverse through `/search/?q=&lat=&lon=&limit=` and `/reverse/?lat=&lon=` (GeoCodeJSON)."""

    name = "ban"

    def __init__(self, base_url: str, *, timeout_s: float = 3.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s

    def _get(self, path: str, params: dict[str, Any]) -> list[Place]:
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        url = f"{self.base_url}{path}?{query}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout_s) as answer:  # noqa: S310 (operator's URL)
                body = json.load(answer)
        except (OSError, ValueError, urllib.error.URLError) as exc:
            raise GeocoderUnavailable(
                f"The address search service at {self.base_url} did not answer ({exc.__class__.__name__}).",
                f"Le service de recherche d'adresse {self.base_url} n'a pas répondu ({exc.__class__.__name__}).",
            ) from exc
        return [geocodejson.place(item) for item in body.get("features", [])]

    @staticmethod
    def _in_territory(session: Session, places: list[Place]) -> list[Place]:
        """Only places of the territory's current communes and arrondissements (all when no zone is loaded)."""
        codes = set(session.scalars(text(
            "SELECT code FROM zones WHERE kind IN ('commune', 'arrondissement') AND valid_to IS NULL")))
        return [p for p in places if not codes or p.citycode in codes]

    def search(self, *, session: Session, query: str, lat: float | None = None, lon: float | None = None,
               limit: int = 5) -> list[Place]:
        """The server's best places for a query, within the territory, best first."""
        places = self._get("/search/", {"q": query, "lat": lat, "lon": lon, "limit": limit * OVERFETCH,
                                        "autocomplete": 1})
        return self._in_territory(session, places)[:limit]

    def reverse(self, *, session: Session, lat: float, lon: float) -> Place | None:
        """The server's nearest address to a point, within the territory."""
        places = self._in_territory(session, self._get("/reverse/", {"lat": lat, "lon": lon}))
        return places[0] if places else None
