"""Where a report is, in words: the address at its point (reverse geocoding), or its point from an address."""

import logging

from sqlalchemy.orm import Session

from core.errors import AddressNotFound, GeocoderUnavailable
from geo.geocoding import Place, get_geocoder
from geo.geocoding.builtin import address_by_id

log = logging.getLogger(__name__)
# A place this vague does not say where to send a crew: a report needs a street at least.
PRECISE = ("housenumber", "street", "locality")
# Below this score the best match shares only common words ("12 rue des zzzz" -> "Rue des Farges"): a report
# placed from words must not land on a street the sender never named.
MIN_SCORE = 0.5


def address_at(*, session: Session, lat: float, lon: float) -> Place | None:
    """The address at a point, or None (outside the address data, or the geocoder is down: intake goes on)."""
    try:
        return get_geocoder().reverse(session=session, lat=lat, lon=lon)
    except GeocoderUnavailable as exc:
        log.warning("reverse geocoding unavailable: %s", exc.detail_en)
        return None


def point_of(*, session: Session, address_text: str | None, address_id: str | None) -> Place:
    """The place an address names (a BAN id, else the words), precise enough to send a crew to; else an error."""
    if address_id:
        place = address_by_id(session=session, address_id=address_id)
        if place is None:
            raise AddressNotFound(f"No address with id {address_id!r} in {_territory()}'s address data.",
                                  f"Aucune adresse d'identifiant {address_id!r} dans les adresses de {_territory()}.",
                                  address_id=address_id)
        return place
    text = (address_text or "").strip()
    found = get_geocoder().search(session=session, query=text, limit=1) if text else []
    if not found or found[0].type not in PRECISE or found[0].score < MIN_SCORE:
        raise AddressNotFound(
            f"The address {text!r} was not found in {_territory()}: give a street (and number), or lat and long.",
            f"L'adresse {text!r} est introuvable dans {_territory()} : indiquez une rue (et un numéro), "
            "ou lat et long.",
            address=text)
    return found[0]


def _territory() -> str:
    from core.settings import get_settings

    return get_settings().territory_name


def choices(*, session: Session, address_text: str, limit: int = 6) -> list[Place]:
    """The addresses an agent may pick for what the caller said, precise enough to send a crew to, best first."""
    text = address_text.strip()
    if not text:
        return []
    found = get_geocoder().search(session=session, query=text, limit=limit)
    return [p for p in found if p.type in PRECISE and p.score >= MIN_SCORE]
