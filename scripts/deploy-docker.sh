#!/usr/bin/env bash
# A Docker engine for `make test-deploy`: Debian's docker.io and docker-compose 1.29, dockerd started with
# its defaults (log: /var/log/dockerd.log) unless one already answers. Idempotent; needs root.
set -euo pipefail
if ! command -v dockerd >/dev/null || ! command -v docker-compose >/dev/null || ! command -v debootstrap >/dev/null; then
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io docker-compose debootstrap >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  nohup dockerd >>/var/log/dockerd.log 2>&1 &
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
fi
docker info --format 'deploy-docker: engine {{.ServerVersion}} ({{.Driver}})'
