"""docker-compose.yml: accepted by `docker compose config` where the plugin exists, and well formed always."""

import os
import shutil
import subprocess
from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parent.parent / "docker-compose.yml"


def test_compose_file_is_accepted_and_wires_db_migrate_api():
    docker = shutil.which("docker")
    has_compose = docker is not None and subprocess.run(
        [docker, "compose", "version"], capture_output=True, check=False).returncode == 0
    if has_compose:
        env = {**os.environ, "RUECOMMUNE_SECRET_KEY": "test-secret"}
        result = subprocess.run([docker, "compose", "-f", str(COMPOSE), "config", "-q"], capture_output=True,
                                text=True, env=env, check=False)
        assert result.returncode == 0, result.stderr
    spec = yaml.safe_load(COMPOSE.read_text())
    services = spec["services"]
    assert set(services) >= {"db", "migrate", "api"}
    image = services["db"]["image"]
    assert image.startswith("postgis/postgis:") and image.split(":")[1] not in ("", "latest")
    assert "healthcheck" in services["db"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["api"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
