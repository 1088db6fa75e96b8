"""The geocoder the settings choose: the built-in one, or a BAN-protocol server at geocoder_url."""

from core.settings import Settings, get_settings
from geo.geocoding.ban import BanGeocoder
from geo.geocoding.base import Geocoder
from geo.geocoding.builtin import BuiltinGeocoder


def get_geocoder(settings: Settings | None = None) -> Geocoder:
    """RUECOMMUNE_GEOCODER=builtin (default) or ban (RUECOMMUNE_GEOCODER_URL, e.g. https://api-adresse.data.gouv.fr)."""
    settings = settings or get_settings()
    if settings.geocoder == "ban":
        return BanGeocoder(settings.geocoder_url, timeout_s=settings.geocoder_timeout_s)
    return BuiltinGeocoder()
