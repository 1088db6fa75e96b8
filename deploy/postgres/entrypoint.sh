#!/bin/sh
# Starts the primary (initialised once: role, database, PostGIS, a replication role and slot) or a
# streaming replica (cloned once with a fast checkpoint, on its slot, with hot-standby feedback).
# Passwords come from files (POSTGRES_PASSWORD_FILE, REPLICATION_PASSWORD_FILE): none has a default.
set -eu
: "${POSTGRES_USER:=ruecommune}" "${POSTGRES_DB:=ruecommune}" "${PRIMARY_HOST:=db}" "${REPLICATION_SLOT:=replica1}"
secret() { # the content of the file named by $1, or a loud stop
  eval "file=\${$1:-}"
  [ -n "$file" ] && [ -r "$file" ] || { echo "rc-postgres: $1 must name a readable file" >&2; exit 64; }
  tr -d '\n' < "$file"
}
settings="-c listen_addresses=* -c max_parallel_workers_per_gather=0 -c random_page_cost=1.1
  -c wal_level=replica -c max_wal_senders=10 -c max_replication_slots=10 -c hot_standby=on
  -c hot_standby_feedback=on -c shared_buffers=${PG_SHARED_BUFFERS:-256MB}"

case "${1:-primary}" in
healthcheck)
  # Ready means accepting connections; a replica also has to be in recovery (following the primary).
  pg_isready -q -U "$POSTGRES_USER" -d "$POSTGRES_DB" || exit 1
  if [ -f "$PGDATA/standby.signal" ]; then
    [ "$(psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -Atc 'select pg_is_in_recovery()')" = t ]
  fi
  ;;
primary)
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    password=$(secret POSTGRES_PASSWORD_FILE); replication=$(secret REPLICATION_PASSWORD_FILE)
    pwfile=$(mktemp); printf '%s' "$password" > "$pwfile"
    initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
    echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    psql -v ON_ERROR_STOP=1 -q -d postgres -U "$POSTGRES_USER" \
      -v db="$POSTGRES_DB" -v rpw="$replication" -v slot="$REPLICATION_SLOT" <<'SQL'
CREATE DATABASE :"db";
\c :"db"
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'rpw';
SELECT pg_create_physical_replication_slot(:'slot');
SQL
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    echo "rc-postgres: primary initialised"
  fi
  # shellcheck disable=SC2086
  exec postgres -D "$PGDATA" $settings
  ;;
replica)
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    replication=$(secret REPLICATION_PASSWORD_FILE)
    until pg_isready -q -h "$PRIMARY_HOST" -U replicator; do sleep 1; done
    rm -rf "${PGDATA:?}"/* 2>/dev/null || true
    # -c fast: an immediate checkpoint, so the clone starts now instead of at the next scheduled one.
    PGPASSWORD="$replication" pg_basebackup -h "$PRIMARY_HOST" -U replicator -D "$PGDATA" -R -X stream \
      -c fast -S "$REPLICATION_SLOT"
    chmod 700 "$PGDATA"
    echo "rc-postgres: replica cloned from $PRIMARY_HOST"
  fi
  # shellcheck disable=SC2086
  exec postgres -D "$PGDATA" $settings
  ;;
*)
  exec "$@"
  ;;
esac
