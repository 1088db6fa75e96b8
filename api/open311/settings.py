"""Settings of the Open311 endpoint, read from RUECOMMUNE_OPEN311_* environment variables."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Open311Settings(BaseSettings):
    """The jurisdiction this endpoint serves and what discovery tells clients."""

    model_config = SettingsConfigDict(env_prefix="RUECOMMUNE_OPEN311_", env_file=".env", extra="ignore")

    jurisdiction_id: str = Field("grandlyon.com", description="jurisdiction served (the spec suggests its web "
                                                             "domain); used when a client sends none")
    jurisdiction_aliases: str = Field("lyon.fr,metropole-de-lyon",
                                      description="other jurisdiction ids clients may use, comma separated")
    contact: str = Field("Rue Commune, Métropole de Lyon: open311@ruecommune.example",
                         description="contact that discovery gives clients")
    key_service: str = Field("Ask the relations centre of the Métropole for a partner API key: "
                             "open311@ruecommune.example", description="how clients get an API key (discovery)")
    changeset: str = Field("2026-11-28T00:00:00+01:00", description="date of the last change discovery announces")
    endpoint_type: str = Field("production", description="the endpoint type discovery announces (production | test)")

    def jurisdictions(self) -> set[str]:
        aliases = (a.strip().lower() for a in self.jurisdiction_aliases.split(",") if a.strip())
        return {self.jurisdiction_id.lower(), *aliases}


@lru_cache
def get_open311_settings() -> Open311Settings:
    return Open311Settings()
