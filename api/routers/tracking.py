"""The public tracking page of a report, by its short reference: no personal data, everything escaped."""

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.deps import SessionDep
from dispatch import photos as photo_service
from dispatch import publication, vocabulary, workflow
from geo.models import Category

router = APIRouter(include_in_schema=False)
TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
                        autoescape=select_autoescape(["html"]))

TEXT = {
    "fr": {"title": "Signalement", "category": "Catégorie", "address": "Adresse", "commune": "Commune",
           "filed": "Déposé le", "due": "Échéance", "merged": "Regroupé avec", "description": "Description",
           "photos": "Photos",
           "photo_alt": "Photo", "history": "Suivi"},
    "en": {"title": "Report", "category": "Category", "address": "Address", "commune": "Municipality",
           "filed": "Filed on", "due": "Due by", "merged": "Merged into", "description": "Description",
           "photos": "Photos",
           "photo_alt": "Photo", "history": "Progress"},
}
ACTIONS = {
    "created": ("Signalement reçu", "Report received"), "photo_added": ("Photo ajoutée", "Photo added"),
    "merged_into": ("Regroupé avec un signalement identique", "Merged with an identical report"),
    "merged_from": ("Un signalement identique y a été regroupé", "An identical report was merged into it"),
}


def _lang(request: Request) -> str:
    return "en" if request.headers.get("accept-language", "fr").lower().startswith("en") else "fr"


def _label(table: dict[str, tuple[str, str]], key: str | None, lang: str) -> str:
    pair = table.get(key or "")
    return (pair[0] if lang == "fr" else pair[1]) if pair else (key or "")


@router.get("/reports/{ref}", response_class=HTMLResponse)
def tracking_page(ref: str, request: Request, session: SessionDep) -> Response:
    """Where a publicly visible report stands, for anyone holding its reference."""
    lang = _lang(request)
    report = publication.leads_to(session=session, ref=ref)
    if report.ref != ref.strip().upper():  # a merged report's reference: on to the report it joined
        return RedirectResponse(f"/reports/{report.ref}", status_code=307)
    category = session.get(Category, report.category_code)
    events: list[dict[str, Any]] = []
    # Only the public lines, and only what they say about the report: never who did it.
    for event in workflow.history(session=session, report_id=report.id, public_only=True):
        label = _label(ACTIONS, event.action, lang)
        if event.action not in ACTIONS and event.to_state:
            label = vocabulary.label(event.to_state or "", lang)
        events.append({"at": event.at, "label": label})
    html = TEMPLATES.get_template("tracking.html").render(
        lang=lang, t=TEXT[lang], report=report, state_label=vocabulary.label(report.state, lang),
        category_label=(category.name_fr if lang == "fr" else category.name_en) if category else report.category_code,
        photos=photo_service.links(session=session, report_id=report.id, public=True), events=events,
        description=None if report.description_hidden_at else report.description,
    )
    return HTMLResponse(html, headers={"Content-Language": lang})
