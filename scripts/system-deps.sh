#!/usr/bin/env bash
# Make sure the machine has what the platform needs outside Python: PostgreSQL with PostGIS, and
# (with --browser) Debian's Chromium for the browser tests. On Debian/Ubuntu as root, install what
# is missing; elsewhere stop with a clear message naming the packages.
set -euo pipefail

want_browser=0
[ "${1:-}" = "--browser" ] && want_browser=1

pg_major() {
  local bin
  for bin in /usr/lib/postgresql/*/bin/initdb; do [ -x "$bin" ] && basename "$(dirname "$(dirname "$bin")")"; done | sort -n | tail -1
}

missing=()
major=$(pg_major || true)
if [ -z "$major" ] && ! command -v initdb >/dev/null 2>&1; then
  missing+=(postgresql)
  major=15
fi
[ -n "$major" ] || major=$(initdb --version | sed -E 's/[^0-9]*([0-9]+).*/\1/')
if ! ls /usr/share/postgresql/"$major"/extension/postgis.control >/dev/null 2>&1 \
   && ! ls "$(pg_config --sharedir 2>/dev/null || echo /nonexistent)"/extension/postgis.control >/dev/null 2>&1; then
  missing+=("postgresql-$major-postgis-3")
fi
if [ "$want_browser" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  missing+=(chromium)
fi
# The OGC API tests read every collection with GDAL's own client (ogrinfo/ogr2ogr) and check the GeoPackage.
if ! command -v ogr2ogr >/dev/null 2>&1; then
  missing+=(gdal-bin)
fi
# The tests start a real addok (the BAN's geocoder), which keeps its index in a Redis of its own.
if [ "$want_browser" = 1 ] && ! command -v redis-server >/dev/null 2>&1; then
  missing+=(redis-server)
fi

[ ${#missing[@]} -eq 0 ] && exit 0

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi

cat >&2 <<MSG
Rue Commune needs these system packages: ${missing[*]}
  Debian/Ubuntu (as root): apt-get install ${missing[*]}
  macOS (Homebrew):        brew install postgresql@15 postgis$( [ "$want_browser" = 1 ] && echo " chromium" )
Or point RUECOMMUNE_DATABASE_URL (and TEST_DATABASE_URL for the tests) at a PostgreSQL server with PostGIS.
MSG
exit 1
