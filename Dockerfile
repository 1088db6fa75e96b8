# The API and operator tool; PostGIS runs in its own container (see docker-compose.yml).
FROM python:3.11-slim-bookworm
WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY core core
COPY geo geo
COPY dispatch dispatch
COPY maps maps
COPY api api
COPY cli cli
COPY mobile_pwa mobile_pwa
RUN pip install --no-cache-dir .
ENV RUECOMMUNE_ENVIRONMENT=production
EXPOSE 8000
CMD ["ruecommune", "serve", "--host", "0.0.0.0"]
