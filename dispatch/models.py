"""Tables of a ticket's life: the report and its append-only history."""

from datetime import date, datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    Text,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core import users as _users  # noqa: F401  (registers staff_users, which reports reference)
from core.base import Base


class Report(Base):
    """A problem reported in public space, with the routing snapshot taken at intake."""

    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ref: Mapped[str] = mapped_column(Text, unique=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    description: Mapped[str] = mapped_column(Text, default="")
    address_text: Mapped[str | None] = mapped_column(Text)
    # Reverse-geocoded at intake (dispatch.places): "12 Rue Mercière 69002 Lyon", and the BAN id when a number.
    address: Mapped[str | None] = mapped_column(Text)
    address_id: Mapped[str | None] = mapped_column(Text)
    geom = mapped_column(Geometry("POINT", 4326, spatial_index=False))
    geom_l93 = mapped_column(Geometry("POINT", 2154, spatial_index=False), Computed("ST_Transform(geom, 2154)"))
    location_source: Mapped[str] = mapped_column(Text, default="device")
    commune_code: Mapped[str] = mapped_column(Text)
    commune_name: Mapped[str] = mapped_column(Text)
    zone_code: Mapped[str | None] = mapped_column(Text)
    service_code: Mapped[str | None] = mapped_column(Text)
    sector_code: Mapped[str | None] = mapped_column(Text)
    team: Mapped[str | None] = mapped_column(Text)
    routing_rule_id: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(Text, default="new")
    outcome: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(Text, default="app")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    entered_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())
    # The workflow's columns (dispatch.workflow): how it ended, deadline pause, escalation, who holds it.
    outcome_detail: Mapped[str | None] = mapped_column(Text)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    paused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    scheduled_for: Mapped[date | None] = mapped_column(Date)
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    satisfaction_comment: Mapped[str | None] = mapped_column(Text)
    # Staff hid the description from the public (dispatch.moderation); staff still read it.
    description_hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Open311: answers to the service's attributes ({code: [values]}) and the media_url, both as the client sent.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    media_url: Mapped[str | None] = mapped_column(Text)


class ReportEvent(Base):
    """One line of a report's history: who did what, from which state to which. Never edited."""

    __tablename__ = "report_events"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    action: Mapped[str] = mapped_column(Text)
    actor_kind: Mapped[str] = mapped_column(Text, default="system")
    actor_id: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(Text)
    from_state: Mapped[str | None] = mapped_column(Text)
    to_state: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    # Whether the note may reach a resident (tracking API, emails); internal unless its author says so.
    note_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)

    @property
    def resident_note(self) -> str | None:
        """What a resident may read of the note (tracking, emails): only a note its author made public."""
        return self.note if self.public and self.note_public else None


class Resident(Base):
    """A person who reports, found again by a verified email or phone whatever the channel."""

    __tablename__ = "residents"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    phone: Mapped[str | None] = mapped_column(Text)
    phone_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    language: Mapped[str] = mapped_column(Text, default="fr")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())


class ResidentConsent(Base):
    """One consent choice: which piece of data, for which purpose, granted or not, when and through whom."""

    __tablename__ = "resident_consents"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    data_kind: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text)
    granted: Mapped[bool] = mapped_column(Boolean)
    channel: Mapped[str | None] = mapped_column(Text)
    recorded_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ReportReporter(Base):
    """A resident attached to a report: who filed it, who follows it, whose report was merged into it."""

    __tablename__ = "report_reporters"
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), primary_key=True)
    role: Mapped[str] = mapped_column(Text)
    contact_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Photo(Base):
    """A stored photo, named by the sha256 of its display copy; every copy is metadata-free JPEG."""

    __tablename__ = "photos"
    hash: Mapped[str] = mapped_column(Text, primary_key=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    source_type: Mapped[str] = mapped_column(Text)
    source_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ReportPhoto(Base):
    """A photo of a report: 'before' from the resident, 'after' from the crew that fixed it."""

    __tablename__ = "report_photos"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    photo_hash: Mapped[str] = mapped_column(ForeignKey("photos.hash"))
    kind: Mapped[str] = mapped_column(Text, default="before")
    position: Mapped[int] = mapped_column(Integer, default=0)
    added_by: Mapped[str | None] = mapped_column(Text)
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # hidden from the public
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class IdempotencyKey(Base):
    """A submission's Idempotency-Key, its request fingerprint and the answer given, for replays."""

    __tablename__ = "idempotency_keys"
    scope: Mapped[str] = mapped_column(Text, primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(Text)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DeadlineRule(Base):
    """Working days to fix a category, for one commune or (commune NULL) everywhere; else the category's own."""

    __tablename__ = "deadline_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    commune_code: Mapped[str | None] = mapped_column(Text)
    working_days: Mapped[int] = mapped_column(Integer)
