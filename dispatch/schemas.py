"""Pydantic shapes of reports: what comes in, what staff read, what the public reads."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CHANNELS = ("app", "web", "phone", "counter", "email", "letter", "commune_office", "open311")


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
    location_source: str = "device"
    address: str | None = Field(default=None, description="The address at the point, reverse-geocoded at intake")
    photos: list["PhotoLinks"] = Field(default_factory=list)


class ContactDetails(BaseModel):
    """How to reach a resident, with their consent choices: nothing here is required."""

    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    language: Literal["fr", "en"] = "fr"
    consent_updates: bool = Field(default=False, description="May we email or call about this report's progress?")
    consent_remember: bool = Field(default=False, description="May we keep these details to recognise you "
                                   "next time (tell us once)?")


class ReportIntake(BaseModel):
    """A new report from any channel: location optional when a photo carries EXIF GPS."""

    lat: float | None = Field(default=None, ge=-90, le=90, description="Latitude, WGS84 degrees")
    lon: float | None = Field(default=None, ge=-180, le=180, description="Longitude, WGS84 degrees")
    category: str = Field(min_length=1, max_length=64)
    description: str = Field(default="", max_length=5000)
    address_text: str | None = Field(default=None, max_length=500, description=(
        "Where, in words; when lat and lon are missing (and no photo has GPS), it is geocoded to place the report"))
    address_id: str | None = Field(default=None, max_length=64, description="A BAN address id, to place the report")
    contact: ContactDetails | None = None
    attributes: dict[str, list[str]] = Field(default_factory=dict, description=(
        "Answers to the category's extra questions (Open311 service attributes), code -> values, kept as sent"))
    media_url: str | None = Field(default=None, max_length=2000, description=(
        "A photo's URL given by an Open311 client, kept and returned as given"))


class AgentReportIntake(ReportIntake):
    """A report an agent enters on a resident's behalf (phone, counter, email, commune office)."""

    channel: Literal["phone", "counter", "email", "letter", "commune_office", "web"] = "phone"
    resident_id: int | None = Field(default=None, description="A resident the agent found (within their scope) "
                                    "and confirmed with the caller")
    email_verified: bool = Field(default=False, description="Refused when true: only the resident confirms an "
                                 "email, by opening the link we send them")
    phone_verified: bool = Field(default=False, description="The relations centre checked this number (caller ID, "
                                 "call back); refused for commune staff")


class PhotoLinks(BaseModel):
    kind: str
    display: str
    thumb: str


class DuplicateCandidate(BaseModel):
    """An open report nearby that may be the same problem; public fields only."""

    ref: str
    category: str
    state: str
    description: str
    commune_name: str
    lat: float
    lon: float
    distance_m: float
    created_at: datetime


class ResidentRead(BaseModel):
    """A resident as staff and the resident themself see them."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str | None
    email: str | None
    email_verified: bool
    phone: str | None
    phone_verified: bool
    language: str
    consents: dict[str, bool]


class ResidentUpdate(BaseModel):
    """What a resident changes about themself, once, for every channel."""

    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    language: Literal["fr", "en"] | None = None
    consent_updates: bool | None = None
    consent_remember: bool | None = None


class ConsentRequest(BaseModel):
    """A resident's consent choices as an agent received them; the agent and the channel are recorded."""

    channel: Literal["phone", "counter", "email", "letter", "commune_office"]
    consent_updates: bool | None = None
    consent_remember: bool | None = None


class MagicLinkRequest(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    language: Literal["fr", "en"] = "fr"


class FollowRequest(BaseModel):
    contact: ContactDetails


class MergeRequest(BaseModel):
    into_ref: str = Field(min_length=3, max_length=32)
    note: str | None = Field(default=None, max_length=2000)
ReportPublic.model_rebuild()
