# The API, the outbox worker and the operator tool (`ruecommune`), as a non-root user.
# BASE defaults to the official Debian image, pinned; CI passes a Debian built by debootstrap
# (scripts/deploy-bases.sh) since Docker Hub may be out of reach. The Python is Debian's python3 (3.11).
ARG BASE=debian:bookworm-20250520-slim

FROM ${BASE} AS runtime-base
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/ruecommune --create-home ruecommune \
 && mkdir -p /var/lib/ruecommune/photos && chown -R ruecommune:ruecommune /var/lib/ruecommune

FROM runtime-base AS build-base
# A TLS-inspecting egress proxy's CA, when the build runs behind one (a public certificate, no secret);
# it stays in the build stages, never in the image that runs.
ARG BUILD_CA_CERT=""
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3-venv \
 && rm -rf /var/lib/apt/lists/* \
 && if [ -n "$BUILD_CA_CERT" ]; then printf '%s\n' "$BUILD_CA_CERT" > /usr/local/share/ca-certificates/build-ca.crt \
      && update-ca-certificates >/dev/null; fi

# Dependencies: pinned with hashes (requirements.lock, `make lock`), a layer that code changes do not touch.
FROM build-base AS deps
COPY requirements.lock /tmp/requirements.lock
RUN python3 -m venv /opt/ruecommune \
 && /opt/ruecommune/bin/pip install --no-deps --require-hashes -r /tmp/requirements.lock

# The platform as a wheel, with its package data (SQL, templates, the PWA's files).
FROM build-base AS wheel
COPY requirements-build.lock /tmp/requirements-build.lock
RUN python3 -m venv /opt/build && /opt/build/bin/pip install --no-deps --require-hashes -r /tmp/requirements-build.lock
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY core core
COPY geo geo
COPY dispatch dispatch
COPY maps maps
COPY api api
COPY cli cli
COPY mobile_pwa mobile_pwa
RUN /opt/build/bin/pip wheel --no-deps --no-build-isolation --wheel-dir /wheels .

FROM runtime-base
COPY --from=deps /opt/ruecommune /opt/ruecommune
COPY --from=wheel /wheels /tmp/wheels
RUN /opt/ruecommune/bin/pip install --no-cache-dir --no-deps --no-index /tmp/wheels/*.whl && rm -rf /tmp/wheels
ENV PATH=/opt/ruecommune/bin:$PATH RUECOMMUNE_ENVIRONMENT=production RUECOMMUNE_PHOTO_DIR=/var/lib/ruecommune/photos \
    RUECOMMUNE_DATA_DIR=/var/lib/ruecommune/data \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
USER 10001:10001
WORKDIR /var/lib/ruecommune
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=10s --start-period=120s --retries=6 \
  CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=9)"]
CMD ["ruecommune", "serve", "--host", "0.0.0.0"]
