"""Typed settings read from RUECOMMUNE_* environment variables (and a local .env file)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER_SECRET = "change-me-in-production"


class Settings(BaseSettings):
    """Everything an operator can set; defaults suit a laptop running `make run`."""

    model_config = SettingsConfigDict(env_prefix="RUECOMMUNE_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    # When empty, the platform starts and uses its own PostGIS cluster under data_dir.
    database_url: str = ""
    # Optional streaming replica for read-only map and dashboard queries; empty means the primary.
    read_database_url: str = ""
    data_dir: Path = PROJECT_ROOT / ".data"
    managed_pg_port: int = 54329
    secret_key: str = PLACEHOLDER_SECRET
    public_base_url: str = "http://127.0.0.1:8000"
    territory_name: str = "Métropole de Lyon"
    # Basemap tiles: OpenStreetMap by default; empty string turns tiles off (pages still work).
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tile_attribution: str = "© OpenStreetMap contributors"
    # Markers the public map loads at most; past that it loads the reports of the visible area, page by view.
    map_max_markers: int = 20000
    photo_dir: Path = PROJECT_ROOT / ".data" / "photos"
    # Photos: limits checked before any pixel is decoded, then the sizes kept (long side, in pixels).
    photo_max_bytes: int = 20 * 1024 * 1024
    # 52 MP: the largest photo a phone takes in its standard modes (48 MP iPhone 8064 x 6048, 50 MP Android
    # sensors up to 8192 x 6144); 108/200 MP modes are opt-in and refused, as is anything larger.
    photo_max_pixels: int = 52_000_000
    # Photos decoded at the same time in one process (each may take ~200 MB for a moment), and how long
    # an upload waits for a turn before a 503 with Retry-After.
    photo_decode_slots: int = 2
    photo_decode_wait_s: float = 10.0
    photo_max_count: int = 5
    photo_display_px: int = 1600
    photo_thumb_px: int = 320
    # Where photo files live: "local" (photo_dir) or "s3" (any S3-compatible store; needs boto3).
    photo_storage: Literal["local", "s3"] = "local"
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_region: str = ""
    s3_access_key: str = ""
    s3_secret_key: str = ""
    # Anonymous intake: at most this many submissions per client address in the window.
    intake_rate_limit: int = 20
    intake_rate_window_s: int = 600
    # Duplicate suggestions look at open reports created within this many days.
    duplicate_window_days: int = 90
    # Residents' magic links: one-time, valid this long; at most this many per address per window, and
    # their own per-client bucket (not the intake one). Opening one gives a session of this lifetime.
    magic_link_ttl_s: int = 3600
    magic_link_per_address: int = 3
    magic_link_per_address_window_s: int = 3600
    magic_link_rate_limit: int = 10
    magic_link_rate_window_s: int = 600
    resident_session_ttl_s: int = 30 * 24 * 3600
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    mail_from: str = "Rue Commune <no-reply@ruecommune.example>"
    smtp_timeout_seconds: float = 10.0
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    # Staff browser sessions: signed cookie lifetime.
    session_max_age_seconds: int = 12 * 3600
    # Outbox worker: retries with exponential backoff (base * 2**attempt, capped), then the row is kept as dead.
    outbox_max_attempts: int = 12
    outbox_backoff_base_seconds: float = 5.0
    outbox_backoff_max_seconds: float = 3600.0
    # A resident may reopen a resolved report during this many days; after that it can be closed.
    reopen_delay_days: int = 14
    # Retention: reporters with nothing open and no activity for this long are anonymised...
    retention_anonymise_after_days: int = 3 * 365
    # ...and rejected reports are deleted after this long.
    retention_delete_rejected_after_days: int = 365
    timezone: str = "Europe/Paris"

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> "Settings":
        if self.environment == "production" and self.secret_key == PLACEHOLDER_SECRET:
            raise ValueError("RUECOMMUNE_SECRET_KEY must be set to a real secret in production")
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
