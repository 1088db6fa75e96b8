"""Geocoding: an address or place from words (search) and from a point (reverse), with two back ends."""

from geo.geocoding import geocodejson
from geo.geocoding.base import Geocoder, Place
from geo.geocoding.factory import get_geocoder

__all__ = ["Geocoder", "Place", "geocodejson", "get_geocoder"]
