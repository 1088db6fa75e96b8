"""docker-compose.yml, the Dockerfiles and nginx.conf, read as files (no engine needed; make test-deploy runs them)."""

import re
import shutil
import subprocess
from pathlib import Path

import yaml

from core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILES = [ROOT / "Dockerfile", *sorted((ROOT / "deploy").glob("*/Dockerfile"))]


def services() -> dict[str, dict]:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_compose_config_is_accepted_by_docker_compose_where_installed():
    tool = shutil.which("docker-compose")
    if tool is None:  # the YAML checks below still run
        return
    env = {"PATH": "/usr/bin:/bin", "RUECOMMUNE_SMTP_HOST": "relay.example"}
    result = subprocess.run([tool, "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True, env=env,
                            check=False)
    assert result.returncode == 0, result.stderr
    missing = subprocess.run([tool, "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True,
                             env={"PATH": "/usr/bin:/bin"}, check=False)
    assert missing.returncode != 0 and "RUECOMMUNE_SMTP_HOST" in missing.stderr  # no relay, no start


def test_every_long_running_service_restarts_and_has_a_healthcheck():
    for name, spec in services().items():
        if name == "migrate":
            assert spec["restart"] == "on-failure"
            continue
        assert spec["restart"] == "unless-stopped", name
        assert spec["healthcheck"]["test"], name


def test_start_order_waits_for_health_not_for_mere_start():
    spec = services()
    assert spec["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert spec["db-replica"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert spec["api"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert spec["api"]["depends_on"]["db-replica"]["condition"] == "service_healthy"
    assert spec["proxy"]["depends_on"]["api"]["condition"] == "service_healthy"


def test_secrets_come_from_files_and_no_password_has_a_default():
    text = COMPOSE.read_text()
    assert not re.search(r"PASSWORD[^\n]*:-", text) and "SECRET_KEY:" not in text.replace("SECRET_KEY_FILE:", "")
    env = services()["api"]["environment"]
    assert env["RUECOMMUNE_DATABASE_PASSWORD_FILE"].startswith("/run/secrets/")
    assert env["RUECOMMUNE_SECRET_KEY_FILE"].startswith("/run/secrets/")
    user_part = env["RUECOMMUNE_DATABASE_URL"].split("//")[1].split("@")[0]
    assert user_part == "ruecommune"  # no password in the URL: it comes from the file


def test_demo_reports_load_only_when_asked():
    command = " ".join(services()["migrate"]["command"])
    assert "demo load" in command and 'RUECOMMUNE_LOAD_DEMO" = 1' in command
    assert services()["migrate"]["environment"]["RUECOMMUNE_LOAD_DEMO"] == "${RUECOMMUNE_LOAD_DEMO:-0}"


def test_images_build_from_a_pinned_base_given_as_an_argument():
    for dockerfile in DOCKERFILES:
        text = dockerfile.read_text()
        base = re.search(r"^ARG BASE=(\S+)$", text, re.M)
        assert base and re.fullmatch(r"debian:bookworm-\d{8}-slim", base.group(1)), dockerfile
        assert "FROM ${BASE}" in text and "HEALTHCHECK" in text and re.search(r"^USER ", text, re.M), dockerfile


def test_the_api_image_installs_a_hashed_lock_before_the_code_and_runs_unprivileged():
    text = (ROOT / "Dockerfile").read_text()
    assert text.index("--require-hashes -r /tmp/requirements.lock") < text.index("COPY core core")
    assert "USER 10001:10001" in text
    lock = (ROOT / "requirements.lock").read_text()
    assert "email-validator==" in lock and "--hash=sha256:" in lock


def test_nginx_body_limit_is_the_apps_multipart_limit():
    conf = (ROOT / "deploy" / "nginx" / "nginx.conf").read_text()
    settings = Settings(_env_file=None)
    assert f"client_max_body_size {settings.upload_max_bytes // (1024 * 1024)}m;" in conf
    assert "location = /metrics { return 404; }" in conf
    assert "$http_x_forwarded_proto" in conf and "$http_x_request_id" in conf
    assert re.search(r"gzip_types[^;]*application/geo\+json", conf)
