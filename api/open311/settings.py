"""Settings of the Open311 endpoint, read from RUECOMMUNE_OPEN311_* environment variables."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Open311Settings(BaseSettings):
    """The jurisdiction this endpoint serves and what discovery tells clients."""

    model_config = SettingsConfigDict(env_prefix="RUECOMMUNE_OPEN311_", env_file=".env", extra="ignore")

    # The spec suggests the jurisdiction's web domain; used when a client sends none or an empty one.
    jurisdiction_id: str = "grandlyon.com"
    # Other ids clients may use for the same jurisdiction (comma separated).
    jurisdiction_aliases: str = "lyon.fr,metropole-de-lyon"
    contact: str = "Rue Commune, Métropole de Lyon: open311@ruecommune.example"
    key_service: str = "Ask the relations centre of the Métropole for a partner API key: open311@ruecommune.example"
    changeset: str = "2026-11-28T00:00:00+01:00"
    endpoint_type: str = "production"

    def jurisdictions(self) -> set[str]:
        aliases = (a.strip().lower() for a in self.jurisdiction_aliases.split(",") if a.strip())
        return {self.jurisdiction_id.lower(), *aliases}


@lru_cache
def get_open311_settings() -> Open311Settings:
    return Open311Settings()
