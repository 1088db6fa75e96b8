"""Our records in GeoReport v2 shapes: categories as services, reports as service requests (no personal data)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.open311 import attributes
from api.open311.params import w3
from dispatch import publication, vocabulary
from dispatch.models import Report
from geo.models import Category, Service

# The public columns of a report, read as plain rows: loading whole Report objects (two geometries parsed
# per row) cost half the CPU of a 1,000-request page.
# The description is the public one (NULL once staff hid it): the column itself is never read here.
REQUEST_COLUMNS = (Report.id, Report.ref, Report.state, Report.outcome, Report.category_code,
                   publication.public_description(), Report.attributes, Report.media_url,
                   Report.service_code, Report.created_at, Report.updated_at, Report.due_at, Report.address_text,
                   Report.address, Report.address_id, Report.commune_name,
                   func.ST_Y(Report.geom).label("lat"), func.ST_X(Report.geom).label("lon"))


class PublicRequest(Protocol):
    """What a service request is made of: a row of REQUEST_COLUMNS."""

    id: int
    ref: str
    state: str
    outcome: str | None
    category_code: str
    description: str | None
    attributes: dict[str, list[str]]
    media_url: str | None
    service_code: str | None
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None
    address_text: str | None
    address: str | None
    address_id: str | None
    commune_name: str
    lat: float
    lon: float


status_of = vocabulary.open311_status


def status_notes(report: PublicRequest, french: bool, public_note: str | None = None) -> str:
    """The latest note staff made public in the history, else the finer state, readable, then its code in
    brackets for machines: 'Intervention en cours [in_progress]'."""
    if public_note:
        return public_note
    note = f"{vocabulary.description(report.state, 'fr' if french else 'en')} [{report.state}]"
    if report.outcome:
        note += f" ({report.outcome})"
    return note


@dataclass
class Catalogue:
    """Categories and services of the territory, read once per request (small tables)."""

    categories: dict[str, Category]
    services: dict[str, Service]

    @classmethod
    def load(cls, session: Session) -> "Catalogue":
        categories = {c.code: c for c in session.scalars(select(Category).order_by(Category.code))}
        services = {s.code: s for s in session.scalars(select(Service))}
        return cls(categories, services)

    def name(self, code: str, french: bool) -> str:
        category = self.categories.get(code)
        if category is None:
            return code
        return category.name_fr if french else category.name_en

    def service(self, category: Category, french: bool) -> dict[str, Any]:
        """A category as a GeoReport service; its parent is its group."""
        parent = self.categories.get(category.parent_code) if category.parent_code else None
        group = parent or category
        handled_by = self.services.get(category.service_code or "")
        keywords = [category.name_en if french else category.name_fr, category.code]
        if parent:
            keywords += [parent.name_fr, parent.name_en]
        description = None
        if handled_by:
            description = (f"Traité par : {handled_by.name_fr}" if french else f"Handled by: {handled_by.name_en}")
        return {
            "service_code": category.code,
            "service_name": category.name_fr if french else category.name_en,
            "description": description,
            "metadata": bool(attributes.for_category(category.code, category.parent_code)),
            "type": "realtime",
            "keywords": ", ".join(dict.fromkeys(keywords)),
            # boston311 (PyPI) requires a string group: a top category is its own group rather than null.
            "group": group.name_fr if french else group.name_en,
        }

    def agency(self, service_code: str | None, french: bool) -> str | None:
        service = self.services.get(service_code or "")
        if service is None:
            return None
        return service.name_fr if french else service.name_en


def service_request(report: PublicRequest, catalogue: Catalogue, *, french: bool, base_url: str,
                    media_path: str | None = None, media_hidden: bool = False,
                    public_note: str | None = None) -> dict[str, Any]:
    """A report as a GeoReport service request: every field present (null when unknown), ids as strings.

    Only public facts: never the resident's name, email, phone, device or account.
    """
    return {
        "service_request_id": report.ref,
        "status": status_of(report.state),
        "status_notes": status_notes(report, french, public_note),
        "service_name": catalogue.name(report.category_code, french),
        "service_code": report.category_code,
        "description": report.description or None,  # exactly as posted; None once staff hid it
        "agency_responsible": catalogue.agency(report.service_code, french),
        "service_notice": None,
        "requested_datetime": w3(report.created_at),
        "updated_datetime": w3(report.updated_at),
        "expected_datetime": w3(report.due_at),
        # boston311 (PyPI) requires a string address: without a street address, the commune is the
        # truest one we have, rather than null.
        "address": report.address or report.address_text or report.commune_name,
        "address_id": report.address_id,
        "zipcode": None,
        "lat": round(report.lat, 7),
        "long": round(report.lon, 7),
        "media_url": _media_url(report, base_url, media_path, media_hidden),
        # Answers to the service's attributes as posted (the spec posts them; returning them is ours).
        "attributes": attributes.returned(attributes.for_category(
            report.category_code, _parent(catalogue, report.category_code)), report.attributes or {}),
    }


def _parent(catalogue: Catalogue, code: str) -> str | None:
    category = catalogue.categories.get(code)
    return category.parent_code if category else None


def _media_url(report: PublicRequest, base_url: str, media_path: str | None, media_hidden: bool) -> str | None:
    """The client's media_url exactly as given (unless staff hid the photo fetched from it), else our first
    public photo."""
    if report.media_url and not media_hidden:
        return report.media_url
    return f"{base_url.rstrip('/')}{media_path}" if media_path else None
