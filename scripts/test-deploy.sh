#!/usr/bin/env bash
# `make test-deploy`: the production path on a real Docker engine. Builds the images from a local
# Debian-built base, starts the stack with the README's exact command, runs tests/deploy/ against it
# through the proxy, prints the image's size and the time of a rebuild after a one-line change, and
# tears everything down (volumes too). Bounded: each wait below has its limit.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTEST=${PYTEST:-.venv/bin/pytest}
export COMPOSE_PROJECT_NAME=${COMPOSE_PROJECT_NAME:-rcdeploy}
export RUECOMMUNE_HTTP_PORT=${RUECOMMUNE_HTTP_PORT:-8630}
export RUECOMMUNE_PUBLIC_BASE_URL="http://127.0.0.1:$RUECOMMUNE_HTTP_PORT"
# The trial profile's SMTP sink stands in for the organisation's relay.
export COMPOSE_PROFILES=trial RUECOMMUNE_SMTP_HOST=mail-sink RUECOMMUNE_SMTP_PORT=2525
export RUECOMMUNE_BASE_IMAGE=${RUECOMMUNE_BASE_IMAGE:-local/debian:bookworm}
# Builds behind a TLS-inspecting egress proxy need its CA (the locally added ones of this machine).
if [ -z "${RUECOMMUNE_BUILD_CA_CERT:-}" ] && compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  RUECOMMUNE_BUILD_CA_CERT=$(cat /usr/local/share/ca-certificates/*.crt)
fi
export RUECOMMUNE_BUILD_CA_CERT=${RUECOMMUNE_BUILD_CA_CERT:-}
started=$(date +%s)
say() { printf 'test-deploy [%4ss] %s\n' "$(( $(date +%s) - started ))" "$*"; }

scripts/deploy-docker.sh
scripts/deploy-bases.sh
scripts/deploy-secrets.sh >/dev/null

build() {  # name context: one image FROM the local base, layers cached
  local t0=$(date +%s)
  docker build -q --build-arg BASE="$RUECOMMUNE_BASE_IMAGE" --build-arg BUILD_CA_CERT="$RUECOMMUNE_BUILD_CA_CERT" \
    -t "ruecommune/$1:latest" "$2" >/dev/null 2>/tmp/test-deploy-build-$1.log \
    || { cat /tmp/test-deploy-build-$1.log; exit 1; }
  say "image ruecommune/$1 built in $(( $(date +%s) - t0 )) s"
}
build app . ; build postgres deploy/postgres ; build proxy deploy/nginx ; build mail-sink deploy/mail

# Figures: the API image's size and user, and a rebuild after a one-line code change (a copy of the
# context, so the checkout is left as it is).
probe=$(mktemp -d)
tar -c Dockerfile .dockerignore requirements.lock requirements-build.lock pyproject.toml README.md LICENSE \
  core geo dispatch maps api cli mobile_pwa | tar -C "$probe" -x
echo "# rebuild probe $(date +%s)" >> "$probe/api/app.py"
t0=$(date +%s.%N)
docker build -q --build-arg BASE="$RUECOMMUNE_BASE_IMAGE" --build-arg BUILD_CA_CERT="$RUECOMMUNE_BUILD_CA_CERT" \
  -t ruecommune/app:rebuild-probe "$probe" >/dev/null 2>&1
rebuild=$(python3 -c "import time; print(f'{time.time() - $t0:.1f}')")
rm -rf "$probe"; docker rmi -f ruecommune/app:rebuild-probe >/dev/null
size=$(docker image inspect -f '{{.Size}}' ruecommune/app:latest)
user=$(docker image inspect -f '{{.Config.User}}' ruecommune/app:latest)
say "FIGURES image ruecommune/app: $(( size / 1000000 )) MB, user $user; rebuild after a one-line change: ${rebuild} s"

down() {
  if [ -n "${KEEP_STACK:-}" ]; then say "KEEP_STACK set: stack left running"; return; fi
  docker-compose down -v --remove-orphans >/dev/null 2>&1 || true
  say "stack torn down"
}
trap down EXIT
docker-compose down -v --remove-orphans >/dev/null 2>&1 || true   # a stack a killed run left behind
# The README's command, exactly.
t0=$(date +%s)
docker-compose up -d --scale api=3 --scale worker=2
for _ in $(seq 180); do
  code=$(python3 -c "import urllib.request,sys
try: print(urllib.request.urlopen('http://127.0.0.1:$RUECOMMUNE_HTTP_PORT/ready', timeout=3).status)
except Exception as e: print(getattr(e, 'code', 0))")
  [ "$code" = 200 ] && break
  sleep 2
done
[ "$code" = 200 ] || { docker-compose ps; docker-compose logs --tail=40; say "stack not ready"; exit 1; }
say "FIGURES stack ready through the proxy $(( $(date +%s) - t0 )) s after \`up\`"
docker-compose ps
timeout 900 "$PYTEST" -m deploy tests/deploy -p no:cacheprovider -q -rA "$@" || {
  docker-compose logs --tail=60 > /tmp/test-deploy-logs.txt 2>&1; say "failed: logs in /tmp/test-deploy-logs.txt"; exit 1; }
say "done"
