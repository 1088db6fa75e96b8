"""Typed settings read from RUECOMMUNE_* environment variables (and a local .env file)."""

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER_SECRET = "change-me-in-production"


class Settings(BaseSettings):
    """Everything an operator can set; defaults suit a laptop running `make run`.

    Each field's description is its line in .env.example (`make env-example` writes it).
    """

    model_config = SettingsConfigDict(env_prefix="RUECOMMUNE_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        "development", description="production refuses the placeholder secret key")
    database_url: str = Field("", description="PostgreSQL + PostGIS URL; empty starts a managed cluster under "
                                              "RUECOMMUNE_DATA_DIR on RUECOMMUNE_MANAGED_PG_PORT")
    read_database_url: str = Field("", description="streaming replica for read-only map and dashboard queries; "
                                                   "empty means the primary")
    data_dir: Path = Field(PROJECT_ROOT / ".data", description="the managed cluster's files and the default photo "
                                                               "folder (default: .data in the checkout)")
    managed_pg_port: int = Field(54329, description="port of the managed cluster (never the system server's 5432)")
    secret_key: str = Field(PLACEHOLDER_SECRET, description="signs sessions and links; production refuses the "
                                                            "placeholder")
    public_base_url: str = Field("http://127.0.0.1:8000", description="the address residents and staff reach, "
                                                                      "used in emails and links")
    territory_name: str = Field("Métropole de Lyon", description="name of the territory shown on pages")
    tile_url: str = Field("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                          description="basemap tiles; empty turns them off (pages still work). IGN plan: "
                          "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                          "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&FORMAT=image/png"
                          "&TILEMATRIXSET=PM&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}")
    tile_attribution: str = Field("© OpenStreetMap contributors", description="credit shown under the basemap tiles")
    map_max_markers: int = Field(20000, description="markers the public map loads at most; past that it loads the "
                                                    "reports of the visible area after each move")
    photo_dir: Path = Field(PROJECT_ROOT / ".data" / "photos",
                            description="where local photo files live (default: .data/photos in the checkout)")
    # Photos: limits checked before any pixel is decoded, then the sizes kept (long side, in pixels).
    photo_max_bytes: int = Field(20 * 1024 * 1024, description="largest photo file accepted, in bytes")
    # 52 MP: the largest photo a phone takes in its standard modes (48 MP iPhone 8064 x 6048, 50 MP Android
    # sensors up to 8192 x 6144); 108/200 MP modes are opt-in and refused, as is anything larger.
    photo_max_pixels: int = Field(52_000_000, description="largest photo accepted, in pixels (decompression bombs)")
    # Each decode may take ~200 MB for a moment.
    photo_decode_slots: int = Field(2, description="photos decoded at the same time in one process")
    photo_decode_wait_s: float = Field(10.0, description="how long an upload waits for a decoding turn before a "
                                                         "503 with Retry-After, in seconds")
    photo_max_count: int = Field(5, description="photos per report at most")
    photo_display_px: int = Field(1600, description="long side of the display copy kept of each photo, in pixels")
    photo_thumb_px: int = Field(320, description="long side of the thumbnail kept of each photo, in pixels")
    photo_storage: Literal["local", "s3"] = Field(
        "local", description="where photo files live: local (RUECOMMUNE_PHOTO_DIR) or s3 (S3-compatible store)")
    s3_endpoint_url: str = Field("", description="S3 storage: endpoint URL; empty means AWS")
    s3_bucket: str = Field("", description="S3 storage: bucket holding the photos")
    s3_region: str = Field("", description="S3 storage: region; empty lets the client choose")
    s3_access_key: str = Field("", description="S3 storage: access key id")
    s3_secret_key: str = Field("", description="S3 storage: secret access key")
    intake_rate_limit: int = Field(20, description="anonymous intake: submissions per client address per window")
    intake_rate_window_s: int = Field(600, description="anonymous intake: the rate limit's window, in seconds")
    duplicate_window_days: int = Field(90, description="duplicate suggestions look at open reports created within "
                                                       "this many days")
    # Residents' magic links: one-time, with their own per-client bucket (not the intake one).
    magic_link_ttl_s: int = Field(3600, description="residents' sign-in links stay valid this many seconds")
    magic_link_per_address: int = Field(3, description="sign-in links sent to one address per window at most")
    magic_link_per_address_window_s: int = Field(3600, description="that per-address window, in seconds")
    magic_link_rate_limit: int = Field(10, description="sign-in link requests per client address per window")
    magic_link_rate_window_s: int = Field(600, description="that per-client window, in seconds")
    resident_session_ttl_s: int = Field(30 * 24 * 3600, description="a resident's session, opened by a sign-in "
                                                                    "link, lasts this many seconds")
    smtp_host: str = Field("127.0.0.1", description="SMTP server the worker sends mail through")
    smtp_port: int = Field(8025, description="port of that SMTP server")
    mail_from: str = Field("Rue Commune <no-reply@ruecommune.example>", description="sender of every email")
    smtp_timeout_seconds: float = Field(10.0, description="SMTP connection and command timeout, in seconds")
    smtp_starttls: bool = Field(False, description="upgrade the SMTP connection with STARTTLS")
    smtp_username: str = Field("", description="SMTP login; empty sends without authentication")
    smtp_password: str = Field("", description="SMTP password")
    session_max_age_seconds: int = Field(12 * 3600, description="staff browser sessions (signed cookie) last this "
                                                                "many seconds")
    # Staff sign-in throttle, in PostgreSQL so every replica shares it: free failures, then a doubling lockout.
    login_free_failures_account: int = Field(5, description="wrong passwords per staff account before a sign-in "
                                                            "lockout")
    login_free_failures_address: int = Field(20, description="wrong passwords per client address before a sign-in "
                                                             "lockout")
    login_backoff_base_seconds: float = Field(2.0, description="first sign-in lockout, in seconds; it doubles at "
                                                               "each further failure")
    login_backoff_max_seconds: float = Field(900.0, description="longest sign-in lockout, in seconds")
    # Argon2 takes 64 MiB per hash.
    password_hash_concurrency: int = Field(4, description="password hashes (64 MiB each) run at once per process")
    password_hash_wait_seconds: float = Field(2.0, description="how long a sign-in waits for a hashing turn before "
                                                               "a 503 with Retry-After, in seconds")
    # Outbox worker: retries with exponential backoff (base * 2**attempt, capped), then the row is kept as dead.
    outbox_max_attempts: int = Field(12, description="outbox worker: attempts before a message is kept as dead")
    outbox_backoff_base_seconds: float = Field(5.0, description="outbox worker: backoff base, in seconds "
                                                                "(base * 2**attempt)")
    outbox_backoff_max_seconds: float = Field(3600.0, description="outbox worker: longest backoff, in seconds")
    reopen_delay_days: int = Field(14, description="days during which a resident may reopen a resolved report; "
                                                   "after that it can be closed")
    retention_anonymise_after_days: int = Field(3 * 365, description="reporters with nothing open and no activity "
                                                                     "for this many days are anonymised")
    retention_delete_rejected_after_days: int = Field(365, description="rejected reports are deleted after this "
                                                                       "many days")
    timezone: str = Field("Europe/Paris", description="time zone of business days, deadlines and pages")
    geocoder: Literal["builtin", "ban"] = Field(
        "builtin", description="address search and reverse geocoding: builtin (the platform's own BAN addresses, "
                               "`ruecommune addresses load`) or ban (a BAN search API server)")
    geocoder_url: str = Field("", description="with RUECOMMUNE_GEOCODER=ban: https://api-adresse.data.gouv.fr or "
                                              "the city's own addok")
    geocoder_timeout_s: float = Field(3.0, description="with RUECOMMUNE_GEOCODER=ban: seconds to wait for an answer")
    export_anonymous_max_rows: int = Field(10_000, description="rows a CSV export gives a caller who is not "
                                                               "signed in (a 400 names the cap past it)")
    export_max_rows: int = Field(1_000_000, description="rows a CSV export gives staff and API keys at most")
    open311_media_fetch: bool = Field(False, description="the worker fetches the photo an Open311 client names by "
                                                         "media_url (public addresses only, photo size and type "
                                                         "checked); the URL itself is always kept as given")
    webhook_allowed_networks: str = Field("", description="webhooks go to public addresses only, except these "
                                                          "networks (CIDRs, comma-separated): a partner's private "
                                                          "network, e.g. 10.20.0.0/16,fd12:3456::/48")
    worker_webhook_threads: int = Field(4, description="threads delivering webhooks beside the email one: a slow "
                                                       "partner delays neither email nor other partners")
    metrics_token: str = Field("", description="with a token, /metrics answers only Authorization: Bearer <token>; "
                                               "empty, only a loopback client that came through no proxy")
    # Behind a reverse proxy the peer is the proxy: only these addresses may say who the client is.
    trusted_proxies: str = Field("127.0.0.1", description="addresses or CIDRs (comma-separated) whose "
                                                         "X-Forwarded-For/-Proto are believed: the reverse "
                                                         "proxy's, never a whole public range")
    read_replica_max_lag_s: float = Field(30.0, description="with a replica: /ready answers 503 while it replays "
                                                            "more than this many seconds behind the primary")
    # Secrets from files (Docker and Swarm secrets): the file's content wins over the plain setting.
    secret_key_file: Path | None = Field(None, description="file holding RUECOMMUNE_SECRET_KEY (Docker secrets)")
    database_password_file: Path | None = Field(None, description="file holding the database password, put into "
                                                                  "RUECOMMUNE_DATABASE_URL and READ_DATABASE_URL")
    smtp_password_file: Path | None = Field(None, description="file holding RUECOMMUNE_SMTP_PASSWORD")
    s3_secret_key_file: Path | None = Field(None, description="file holding RUECOMMUNE_S3_SECRET_KEY")
    metrics_token_file: Path | None = Field(None, description="file holding RUECOMMUNE_METRICS_TOKEN")

    @property
    def upload_max_bytes(self) -> int:
        """The largest multipart body accepted: every photo at its largest, plus 1 MiB of form fields (the
        reverse proxy's body limit, deploy/nginx/nginx.conf, is this in MiB)."""
        return self.photo_max_count * self.photo_max_bytes + 1024 * 1024

    @model_validator(mode="after")
    def _read_secret_files(self) -> "Settings":
        for name in ("secret_key", "smtp_password", "s3_secret_key", "metrics_token"):
            path = getattr(self, f"{name}_file")
            if path is not None:
                setattr(self, name, _read_secret(path))
        if self.database_password_file is not None:
            password = _read_secret(self.database_password_file)
            self.database_url = _with_password(self.database_url, password)
            self.read_database_url = _with_password(self.read_database_url, password)
        return self

    @model_validator(mode="after")
    def _check_webhook_networks(self) -> "Settings":
        for part in filter(None, (p.strip() for p in self.webhook_allowed_networks.split(","))):
            ipaddress.ip_network(part, strict=False)  # a typo here must stop the start, not open a hole
        return self

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> "Settings":
        if self.environment == "production" and self.secret_key == PLACEHOLDER_SECRET:
            raise ValueError("RUECOMMUNE_SECRET_KEY must be set to a real secret in production")
        if self.geocoder == "ban" and not self.geocoder_url:
            raise ValueError("RUECOMMUNE_GEOCODER=ban needs RUECOMMUNE_GEOCODER_URL")
        return self


def _read_secret(path: Path) -> str:
    """A secret file's content without its trailing newline; a missing or empty file stops the start."""
    value = path.read_text().rstrip("\n")
    if not value:
        raise ValueError(f"secret file {path} is empty")
    return value


def _with_password(url: str, password: str) -> str:
    """The database URL with this password (an empty URL stays empty: the managed cluster)."""
    if not url:
        return url
    from sqlalchemy.engine import make_url

    return make_url(url).set(password=password).render_as_string(hide_password=False)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
