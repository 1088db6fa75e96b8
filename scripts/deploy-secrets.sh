#!/usr/bin/env bash
# Random secrets for docker-compose.yml and the Swarm stack, once: deploy/secrets/{db_password,
# replication_password,secret_key}. An existing file is kept (rotating one is deliberate: delete it).
set -euo pipefail
dir=${1:-"$(dirname "$0")/../deploy/secrets"}
mkdir -p "$dir" && chmod 700 "$dir"
for name in db_password replication_password secret_key; do
  [ -s "$dir/$name" ] && continue
  # 0444: the containers' unprivileged users read the bind-mounted file; the folder (0700) keeps others out.
  python3 -c 'import secrets; print(secrets.token_urlsafe(32))' > "$dir/$name"
  chmod 444 "$dir/$name"
  echo "deploy-secrets: wrote $dir/$name"
done
