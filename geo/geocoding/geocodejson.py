"""GeoCodeJSON, the answer format of the BAN's search API: places to features and back."""

from typing import Any

from geo.geocoding.base import Place

ATTRIBUTION = "BAN"
LICENCE = "ETALAB-2.0"


def feature(place: Place) -> dict[str, Any]:
    """One place as a GeoCodeJSON feature, with the properties api-adresse.data.gouv.fr gives."""
    properties: dict[str, Any] = {
        "label": place.label, "score": round(place.score, 4), "id": place.id, "type": place.type,
        "name": place.name, "postcode": place.postcode, "citycode": place.citycode, "city": place.city,
        "context": place.context,
    }
    for key in ("housenumber", "street", "district"):
        if getattr(place, key):
            properties[key] = getattr(place, key)
    if place.distance is not None:
        properties["distance"] = round(place.distance)
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [place.lon, place.lat]},
            "properties": properties}


def collection(places: list[Place], *, query: str | None = None, limit: int | None = None,
               center: tuple[float, float] | None = None) -> dict[str, Any]:
    """A GeoCodeJSON FeatureCollection of places, saying what was asked."""
    answer: dict[str, Any] = {"type": "FeatureCollection", "version": "draft",
                              "features": [feature(p) for p in places], "attribution": ATTRIBUTION,
                              "licence": LICENCE}
    if query is not None:
        answer["query"] = query
    if limit is not None:
        answer["limit"] = limit
    if center is not None:
        answer["center"] = [center[1], center[0]]
    return answer


def place(item: dict[str, Any]) -> Place:
    """A GeoCodeJSON feature (ours or another BAN-protocol server's) as a place."""
    props = item.get("properties") or {}
    lon, lat = item["geometry"]["coordinates"][:2]
    kind = props.get("type", "street")
    if kind not in ("housenumber", "street", "locality", "municipality"):
        kind = "locality"
    return Place(type=kind, id=str(props.get("id", "")), name=str(props.get("name", "")),
                 label=str(props.get("label", props.get("name", ""))), lat=float(lat), lon=float(lon),
                 citycode=str(props.get("citycode", "")), city=str(props.get("city", "")),
                 postcode=props.get("postcode"), district=props.get("district"),
                 housenumber=props.get("housenumber"), street=props.get("street"),
                 score=float(props.get("score", 0.0)),
                 distance=float(props["distance"]) if props.get("distance") is not None else None)
