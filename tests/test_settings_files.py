"""Secrets from files (*_FILE settings, as Docker and Swarm secrets mount them)."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from core.settings import Settings


def test_secret_files_win_over_plain_settings_and_fill_the_database_urls(tmp_path: Path):
    (tmp_path / "key").write_text("a-real-secret-from-a-file\n")
    (tmp_path / "db").write_text("p@ss:w/rd\n")
    settings = Settings(_env_file=None, environment="production", secret_key_file=tmp_path / "key",
                        database_password_file=tmp_path / "db",
                        database_url="postgresql+psycopg2://ruecommune@db:5432/ruecommune",
                        read_database_url="postgresql+psycopg2://ruecommune@db-replica:5432/ruecommune")
    assert settings.secret_key == "a-real-secret-from-a-file"
    assert settings.database_url == "postgresql+psycopg2://ruecommune:p%40ss%3Aw%2Frd@db:5432/ruecommune"
    assert settings.read_database_url.startswith("postgresql+psycopg2://ruecommune:p%40ss%3Aw%2Frd@db-replica:")


def test_an_empty_or_missing_secret_file_stops_the_start(tmp_path: Path):
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(ValidationError, match="is empty"):
        Settings(_env_file=None, secret_key_file=tmp_path / "empty")
    with pytest.raises(FileNotFoundError):
        Settings(_env_file=None, smtp_password_file=tmp_path / "nowhere")


def test_production_without_a_secret_file_or_key_is_refused():
    with pytest.raises(ValidationError, match="RUECOMMUNE_SECRET_KEY"):
        Settings(_env_file=None, environment="production")
