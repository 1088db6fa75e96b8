"""Address search and reverse geocoding over HTTP, in the BAN search API's protocol (GeoCodeJSON answers)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from api.deps import ReadSessionDep
from geo.geocoding import Geocoder, geocodejson
from geo.service import check_coordinates

router = APIRouter(prefix="/api/v1/addresses", tags=["addresses"])
GEOCODEJSON = "application/geo+json"
# Suggestions change only when addresses are loaded again: let browsers reuse them for a minute.
CACHE = {"Cache-Control": "public, max-age=60"}

Lat = Annotated[float | None, Query(ge=-90, le=90, description="bias the results towards this latitude")]
Lon = Annotated[float | None, Query(ge=-180, le=180, description="bias the results towards this longitude")]


def _geocoder(request: Request) -> Geocoder:
    geocoder: Geocoder = request.app.state.geocoder
    return geocoder


@router.get("/search", response_class=JSONResponse, responses={200: {"content": {GEOCODEJSON: {}}}})
def search(request: Request, session: ReadSessionDep,
           q: Annotated[str, Query(min_length=1, max_length=200, description="what the person typed so far")],
           lat: Lat = None, lon: Lon = None, limit: Annotated[int, Query(ge=1, le=20)] = 5,
           autocomplete: Annotated[int, Query(ge=0, le=1, description="accepted for BAN clients")] = 1,
           ) -> JSONResponse:
    """Addresses, streets, lieux-dits, communes and arrondissements of the territory matching q, best first:
    as /search/ of api-adresse.data.gouv.fr (typos, missing accents and abbreviations such as av, bd, st)."""
    if (lat is None) != (lon is None):
        lat = lon = None
    places = _geocoder(request).search(session=session, query=q, lat=lat, lon=lon, limit=limit)
    center = (lat, lon) if lat is not None and lon is not None else None
    return JSONResponse(geocodejson.collection(places, query=q, limit=limit, center=center),
                        media_type=GEOCODEJSON, headers=CACHE)


@router.get("/reverse", response_class=JSONResponse, responses={200: {"content": {GEOCODEJSON: {}}}})
def reverse(request: Request, session: ReadSessionDep,
            lat: Annotated[float, Query(ge=-90, le=90)], lon: Annotated[float, Query(ge=-180, le=180)],
            ) -> JSONResponse:
    """The address at a point (house number and street), else its street, else its commune or arrondissement:
    as /reverse/ of api-adresse.data.gouv.fr. No feature outside the territory."""
    check_coordinates(lat=lat, lon=lon)
    place = _geocoder(request).reverse(session=session, lat=lat, lon=lon)
    return JSONResponse(geocodejson.collection([place] if place else [], center=(lat, lon)),
                        media_type=GEOCODEJSON, headers=CACHE)
