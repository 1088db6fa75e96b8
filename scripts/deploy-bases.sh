#!/usr/bin/env bash
# Local base image for the Docker images when Docker Hub is out of reach: Debian bookworm built by
# debootstrap from the Debian mirror apt already uses, imported as local/debian:bookworm. Idempotent:
# the image is kept once imported, and the root tree is cached under /var/cache/ruecommune.
set -euo pipefail
IMAGE=${DEPLOY_BASE_IMAGE:-local/debian:bookworm}
CACHE=${DEPLOY_BASE_CACHE:-/var/cache/ruecommune/deb-root}

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "deploy-bases: $IMAGE present"
  exit 0
fi
mirror=$( (cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null || true) \
  | grep -oE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' | head -1 | awk '{print $2}')
[ -n "$mirror" ] || { echo "deploy-bases: no Debian mirror in /etc/apt/sources.list(.d)" >&2; exit 1; }
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap
if [ ! -f "$CACHE/.complete" ]; then
  rm -rf "$CACHE" && mkdir -p "$CACHE"
  echo "deploy-bases: debootstrap bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$CACHE" "$mirror" >/tmp/deploy-bases-debootstrap.log 2>&1 \
    || { tail -20 /tmp/deploy-bases-debootstrap.log; exit 1; }
  # Updates and security fixes, as in the official image; and no recommended packages, no apt cache.
  cat > "$CACHE/etc/apt/sources.list" <<SRC
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian*}/debian-security bookworm-security main
SRC
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' > "$CACHE/etc/apt/apt.conf.d/90norecommends"
  rm -rf "$CACHE"/var/cache/apt/archives/*.deb "$CACHE"/var/lib/apt/lists/*
  touch "$CACHE/.complete"
fi
tar -C "$CACHE" --exclude=./.complete -c . | docker import - "$IMAGE" >/dev/null
echo "deploy-bases: imported $IMAGE"
