"""Pydantic shapes of reports: what comes in, what staff read, what the public reads."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

CHANNELS = ("app", "web", "phone", "counter", "email", "commune_office", "open311")


class ReportCreate(BaseModel):
    """A new report, as a resident's app or an agent sends it."""

    lat: float = Field(ge=-90, le=90, description="Latitude, WGS84 degrees")
    lon: float = Field(ge=-180, le=180, description="Longitude, WGS84 degrees")
    category: str = Field(min_length=1, max_length=64)
    description: str = Field(default="", max_length=5000)
    address_text: str | None = Field(default=None, max_length=500)


class ReportPublic(BaseModel):
    """A report as anyone may see it: no personal data."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    ref: str
    category: str
    description: str
    lat: float
    lon: float
    commune_code: str
    commune_name: str
    zone_code: str | None
    service_code: str | None
    sector_code: str | None
    state: str
    outcome: str | None
    channel: str
    due_at: datetime | None
    created_at: datetime
    updated_at: datetime
