"""The progressive web app: its shell at `/`, its manifest and its service worker at the root scope."""

import hashlib
import json
from functools import lru_cache
from html import escape
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from core.settings import PROJECT_ROOT, get_settings
from dispatch import vocabulary
from maps.assets import STATIC_DIR as MAPS_STATIC

PWA_DIR = PROJECT_ROOT / "mobile_pwa"
PWA_URL = "/pwa"
LEAFLET_DIR = MAPS_STATIC / "vendor" / "leaflet"
LEAFLET_URL = "/static/vendor/leaflet"
# The shell is what the service worker keeps for offline use; the root files are served by this router.
ROOT_FILES = {"index.html", "manifest.webmanifest", "sw.js"}
SHELL_SUFFIXES = {".js", ".css", ".png", ".svg", ".json"}
# Written from dispatch/vocabulary.py when served, so the app names the states as every other surface does.
STATES_URL = f"{PWA_URL}/app/states.js"

router = APIRouter(include_in_schema=False)

# The shell changes only on deploy: the browser still asks again each time (no-cache), so a new
# service worker is found at once, and the worker itself keeps the copies for offline use.
NO_CACHE = {"Cache-Control": "no-cache"}


def _shell_files() -> list[tuple[str, Path]]:
    files = [(f"{PWA_URL}/{p.relative_to(PWA_DIR).as_posix()}", p) for p in sorted(PWA_DIR.rglob("*"))
             if p.is_file() and p.suffix in SHELL_SUFFIXES and p.relative_to(PWA_DIR).as_posix() not in ROOT_FILES]
    files += [(f"{LEAFLET_URL}/{p.relative_to(LEAFLET_DIR).as_posix()}", p) for p in sorted(LEAFLET_DIR.rglob("*"))
              if p.is_file() and p.suffix in {".js", ".css", ".png"}]
    return files


@lru_cache
def _states_module() -> str:
    """The ES module the app's i18n.js imports: each state's name in French and English."""
    labels = {lang: {f"state.{state.value}": vocabulary.label(state.value, lang) for state in vocabulary.State}
              for lang in ("fr", "en")}
    return ("// Written by the platform from dispatch/vocabulary.py (api/routers/pwa.py): do not edit.\n"
            f"export const STATE_LABELS = {json.dumps(labels, ensure_ascii=False, indent=2)};\n")


@lru_cache
def _index_html() -> str:
    settings = get_settings()
    html = (PWA_DIR / "index.html").read_text(encoding="utf-8")
    return (html.replace("%%TILE_URL%%", escape(settings.tile_url, quote=True))
                .replace("%%TILE_ATTRIBUTION%%", escape(settings.tile_attribution, quote=True)))


@lru_cache
def _service_worker() -> str:
    """sw.js with the shell's file list and a version that changes whenever any shell byte changes."""
    urls = ["/", "/manifest.webmanifest", STATES_URL] + [url for url, _ in _shell_files()]
    digest = hashlib.sha256(_index_html().encode() + _states_module().encode())
    for name in ("manifest.webmanifest", "sw.js"):
        digest.update((PWA_DIR / name).read_bytes())
    for url, path in _shell_files():
        digest.update(url.encode() + path.read_bytes())
    source = (PWA_DIR / "sw.js").read_text(encoding="utf-8")
    return (source.replace('"%%VERSION%%"', json.dumps(digest.hexdigest()[:16]))
                  .replace('["%%SHELL%%"]', json.dumps(urls)))


@router.get("/", response_class=HTMLResponse)
def app_shell() -> HTMLResponse:
    """The resident and crew app."""
    return HTMLResponse(_index_html(), headers=NO_CACHE)


@router.get("/my-reports", response_class=HTMLResponse)
def my_reports() -> HTMLResponse:
    """Where the emailed magic link lands (its token travels in the fragment, never to the server)."""
    return HTMLResponse(_index_html(), headers=NO_CACHE)


@router.get("/manifest.webmanifest")
def manifest() -> Response:
    return Response((PWA_DIR / "manifest.webmanifest").read_bytes(), media_type="application/manifest+json",
                    headers=NO_CACHE)


@router.get(STATES_URL)
def states_module() -> Response:
    return Response(_states_module(), media_type="text/javascript", headers=NO_CACHE)


@router.get("/sw.js")
def service_worker() -> Response:
    """At the root so that its scope is the whole site."""
    return Response(_service_worker(), media_type="text/javascript",
                    headers={**NO_CACHE, "Service-Worker-Allowed": "/"})


def install(app: FastAPI) -> None:
    """The app's routes and its static files under /pwa."""
    app.include_router(router)
    app.mount(PWA_URL, StaticFiles(directory=PWA_DIR), name="pwa")
