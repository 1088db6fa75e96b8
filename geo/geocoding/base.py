"""What every geocoder answers (Place, in the BAN's GeoCodeJSON vocabulary) and the interface they share."""

from dataclasses import dataclass
from typing import Literal, Protocol

from sqlalchemy.orm import Session

PlaceKind = Literal["housenumber", "street", "locality", "municipality"]

# The BAN's "context": département number, name and region (only the territory's département is spelt out).
CONTEXTS = {"69": "69, Rhône, Auvergne-Rhône-Alpes"}


@dataclass(frozen=True)
class Place:
    """One answer: a house number, a street, a lieu-dit, or a commune or arrondissement."""

    type: PlaceKind
    id: str
    name: str
    label: str
    lat: float
    lon: float
    citycode: str
    city: str
    postcode: str | None = None
    district: str | None = None
    housenumber: str | None = None
    street: str | None = None
    score: float = 1.0
    distance: float | None = None

    @property
    def context(self) -> str:
        """Département, its name and region, as the BAN says it."""
        department = self.citycode[:3] if self.citycode.startswith("97") else self.citycode[:2]
        return CONTEXTS.get(department, department)


def label_of(*, name: str, postcode: str | None, city: str, housenumber: str | None = None) -> str:
    """The one-line label the BAN gives: '12 bis Rue Mercière 69002 Lyon'; a commune is its name alone."""
    return " ".join(part for part in (housenumber, name, postcode, city) if part)


class Geocoder(Protocol):
    """Search and reverse over some address data; session is for back ends that read the platform's database."""

    name: str

    def search(self, *, session: Session, query: str, lat: float | None = None, lon: float | None = None,
               limit: int = 5) -> list[Place]:
        """The best places for a query, best first, biased towards (lat, lon) when given."""
        ...

    def reverse(self, *, session: Session, lat: float, lon: float) -> Place | None:
        """The address at a point, else its street, else its commune or arrondissement; None outside."""
        ...
