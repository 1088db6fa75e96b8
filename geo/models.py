"""Tables of the territory: zones (communes, arrondissements, sectors), services, categories, routing rules."""

from datetime import date

from geoalchemy2 import Geometry
from sqlalchemy import Boolean, Date, ForeignKey, Integer, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from core.base import Base


class Service(Base):
    """A technical service that fixes things: roads, waste, lighting, green spaces..."""

    __tablename__ = "services"
    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name_fr: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    supervisor_email: Mapped[str | None] = mapped_column(Text)


class Zone(Base):
    """A versioned polygon: a commune, an arrondissement, or a service sector."""

    __tablename__ = "zones"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    code: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    parent_code: Mapped[str | None] = mapped_column(Text)
    service_code: Mapped[str | None] = mapped_column(ForeignKey("services.code"))
    population: Mapped[int | None] = mapped_column(Integer)
    postcodes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(Text)
    successor_code: Mapped[str | None] = mapped_column(Text)
    geom = mapped_column(Geometry("MULTIPOLYGON", 4326, spatial_index=False))


class Category(Base):
    """What a resident reports (pothole, overflowing bin...), in a small hierarchy, handled by a service."""

    __tablename__ = "categories"
    code: Mapped[str] = mapped_column(Text, primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))
    name_fr: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    service_code: Mapped[str | None] = mapped_column(ForeignKey("services.code"))
    icon: Mapped[str] = mapped_column(Text, default="circle-exclamation")
    duplicate_radius_m: Mapped[int] = mapped_column(Integer, default=50)
    deadline_days: Mapped[int] = mapped_column(Integer, default=10)
    # What the apps show under the name, to help a resident choose; agent-only ones are not offered to residents.
    help_fr: Mapped[str | None] = mapped_column(Text)
    help_en: Mapped[str | None] = mapped_column(Text)
    agent_only: Mapped[bool] = mapped_column(Boolean, default=False)


class RoutingRule(Base):
    """category x zone -> service, team; NULL category means any, NULL zone means the whole territory."""

    __tablename__ = "routing_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_code: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))
    zone_kind: Mapped[str | None] = mapped_column(Text)
    zone_code: Mapped[str | None] = mapped_column(Text)
    service_code: Mapped[str] = mapped_column(ForeignKey("services.code"))
    team: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)
