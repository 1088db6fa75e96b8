"""A resident answers from their email: reopen a resolved report or say how satisfied they are (signed links)."""

from html import escape
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from api.deps import SessionDep
from dispatch import feedback, publication, workflow
from dispatch.models import Report

router = APIRouter(tags=["residents"])
# A public reference as intake makes them (RC-XXXX-XXXX); anything else is refused before the database.
Ref = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,40}$")]

TEXT = {
    "fr": {"title": "Votre signalement", "reopen": "Ce n'est pas réglé : rouvrir", "reason": "Ce qui ne va pas",
           "satisfied": "Votre avis (1 = pas du tout satisfait, 5 = très satisfait)", "comment": "Commentaire",
           "send": "Envoyer", "thanks": "Merci, c'est noté.", "reopened": "Le signalement est rouvert.",
           "question": "Le service vous a posé une question", "reply": "Votre réponse",
           "answered": "Merci, votre réponse est transmise au service."},
    "en": {"title": "Your report", "reopen": "It is not fixed: reopen", "reason": "What is wrong",
           "satisfied": "Your opinion (1 = not at all satisfied, 5 = very satisfied)", "comment": "Comment",
           "send": "Send", "thanks": "Thank you, noted.", "reopened": "The report is reopened.",
           "question": "The service asked you a question", "reply": "Your answer",
           "answered": "Thank you, your answer has been passed on to the service."},
}


def _lang(request: Request) -> str:
    return "en" if request.headers.get("accept-language", "fr").lower().startswith("en") else "fr"


def _page(lang: str, title: str, body: str) -> HTMLResponse:
    return HTMLResponse(f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
                        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                        f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>{body}"
                        f"</main></body></html>", headers={"Content-Language": lang})


@router.get("/reports/{ref}/respond", response_class=HTMLResponse, include_in_schema=False)
def respond_page(ref: Ref, r: str, t: str, request: Request, session: SessionDep) -> HTMLResponse:
    """Two small forms: reopen with a reason, or give a satisfaction score."""
    lang = _lang(request)
    text = TEXT[lang]
    hidden = f'<input type="hidden" name="r" value="{escape(r)}"><input type="hidden" name="t" value="{escape(t)}">'
    action = f"/reports/{escape(ref)}/respond"
    question = ""
    if feedback.waiting_for_answer(session=session, ref=ref):
        # The staff's question is in the resident's email; here they answer it, and it joins the history.
        question = (f'<form method="post" action="{action}">{hidden}<input type="hidden" name="action" value="answer">'
                    f'<h2>{text["question"]}</h2><label for="answer">{text["reply"]}</label>'
                    f'<textarea id="answer" name="reason" required></textarea>'
                    f'<button type="submit">{text["send"]}</button></form>')
    body = question + (
            f'<form method="post" action="{action}">{hidden}<input type="hidden" name="action" value="reopen">'
            f'<label for="reason">{text["reason"]}</label><textarea id="reason" name="reason" required></textarea>'
            f'<button type="submit">{text["reopen"]}</button></form>'
            f'<form method="post" action="{action}">{hidden}<input type="hidden" name="action" value="feedback">'
            f'<label for="satisfaction">{text["satisfied"]}</label>'
            f'<input id="satisfaction" name="satisfaction" type="number" min="1" max="5" required>'
            f'<label for="comment">{text["comment"]}</label><textarea id="comment" name="comment"></textarea>'
            f'<button type="submit">{text["send"]}</button></form>')
    return _page(lang, f"{text['title']} {ref}", body)


@router.post("/reports/{ref}/respond", response_class=HTMLResponse, include_in_schema=False)
def respond_form(ref: Ref, request: Request, session: SessionDep, r: Annotated[str, Form()],
                 t: Annotated[str, Form()], action: Annotated[str, Form()],
                 reason: Annotated[str, Form()] = "", satisfaction: Annotated[int, Form(ge=1, le=5)] = 3,
                 comment: Annotated[str, Form()] = "") -> HTMLResponse:
    """The forms' target; the signed link is the resident's only credential, so no cookie and no CSRF."""
    lang = _lang(request)
    if action == "answer":
        feedback.answer_question(session=session, ref=ref, key=r, token=t, answer=reason)
        return _page(lang, TEXT[lang]["title"], f"<p>{TEXT[lang]['answered']}</p>")
    if action == "reopen":
        feedback.reopen(session=session, ref=ref, key=r, token=t, reason=reason)
        return _page(lang, TEXT[lang]["title"], f"<p>{TEXT[lang]['reopened']}</p>")
    feedback.give(session=session, ref=ref, key=r, token=t, satisfaction=satisfaction, comment=comment or None)
    return _page(lang, TEXT[lang]["title"], f"<p>{TEXT[lang]['thanks']}</p>")


class ReopenIn(BaseModel):
    r: str = Field(max_length=40)
    t: str = Field(max_length=100)
    reason: str = Field(min_length=1, max_length=2000)


class FeedbackIn(BaseModel):
    r: str = Field(max_length=40)
    t: str = Field(max_length=100)
    satisfaction: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2000)


class PublicEvent(BaseModel):
    """A public line of history: what happened and when, never who; a note only if its author made it public."""

    at: str
    action: str
    from_state: str | None
    to_state: str | None
    note: str | None


class Tracking(BaseModel):
    ref: str
    state: str
    outcome: str | None
    due_at: str | None
    paused: bool
    history: list[PublicEvent]


def _tracking(session: SessionDep, report: Report) -> Tracking:
    events = workflow.history(session=session, report_id=report.id, public_only=True)
    return Tracking(ref=report.ref, state=report.state, outcome=report.outcome,
                    due_at=report.due_at.isoformat() if report.due_at else None, paused=report.paused_at is not None,
                    history=[PublicEvent(at=e.at.isoformat(), action=e.action, from_state=e.from_state,
                                         to_state=e.to_state, note=e.resident_note) for e in events])


@router.get("/api/v1/tracking/{ref}", response_model=Tracking)
def tracking(ref: Ref, session: SessionDep) -> Tracking:
    """Where a publicly visible report stands for anyone holding its reference: state, due date, the public
    history. The signed links of a resident's emails (reopen, feedback) reach their report whatever it shows."""
    return _tracking(session, publication.get_by_ref_or_raise(session=session, ref=ref))


@router.post("/api/v1/tracking/{ref}/reopen", response_model=Tracking)
def reopen(ref: Ref, data: ReopenIn, session: SessionDep) -> Tracking:
    """Reopen a resolved report from the signed link of its email, within the configured delay."""
    return _tracking(session, feedback.reopen(session=session, ref=ref, key=data.r, token=data.t, reason=data.reason))


@router.post("/api/v1/tracking/{ref}/feedback", response_model=Tracking)
def give_feedback(ref: Ref, data: FeedbackIn, session: SessionDep) -> Tracking:
    """Say how satisfied you are with a resolved report."""
    report = feedback.give(session=session, ref=ref, key=data.r, token=data.t, satisfaction=data.satisfaction,
                           comment=data.comment)
    return _tracking(session, report)
