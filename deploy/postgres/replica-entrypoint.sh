#!/bin/sh
# Replica: clone the primary once with pg_basebackup (-R writes standby.signal), then follow it.
set -e
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h db -U replicator; do sleep 1; done
  PGPASSWORD="${REPLICATION_PASSWORD:-replicator}" pg_basebackup -h db -U replicator -D "$PGDATA" -R -X stream -P
  chmod 700 "$PGDATA"
  chown -R postgres:postgres "$PGDATA"
fi
exec gosu postgres postgres -D "$PGDATA" -c hot_standby=on -c max_parallel_workers_per_gather=0 -c random_page_cost=1.1
