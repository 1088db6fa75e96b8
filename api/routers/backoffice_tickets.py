"""The back office's ticket page and its actions, each a plain form (CSRF field, the ticket's version, PRG).

A refused action re-renders the page with the message in the agent's language and everything they typed;
a stale one (the ticket moved on) also says what changed since they opened it.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse

from api import staff_web
from api.auth import CurrentStaff
from api.deps import SessionDep
from api.staff_web import SignedIn
from core.errors import DomainError, StaleVersion
from core.users import Principal
from dispatch import access, answers, crews, dossier, merging, moderation, presence, triage, vocabulary, workflow
from dispatch.duplicates import get_by_ref_or_raise
from dispatch.models import Report
from maps import i18n, staff, staff_map, states
from maps.staff import StaffContext

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

router = APIRouter(prefix="/staff/tickets", include_in_schema=False)
Version = Annotated[int | None, Form()]
Csrf = Annotated[str | None, Form()]
Text = Annotated[str, Form(max_length=5000)]


def _abilities(me: Principal, report: Report) -> dict[str, bool]:
    """Which forms to offer; the services decide again when the form comes back."""
    open_ = report.state not in workflow.DONE and report.merged_into_id is None
    own_service = me.role == "service_staff" and report.service_code == me.service_code
    return {
        "moderate": me.role in moderation.MODERATORS,
        "recategorise": me.role in workflow.CENTRE and open_,
        "transfer": (me.role in workflow.CENTRE or own_service) and open_,
        "assign": me.role in ("service_staff", "admin") and bool(report.service_code) and open_,
        "merge": me.role in merging.MERGERS and open_,
        "write": me.role in answers.WRITERS and access.can_see_personal_data(me, report),
    }


def _change_lines(changes: list[dict[str, Any]], lang: str) -> list[dict[str, str]]:
    """What happened since the agent's version, in their words."""
    from datetime import datetime

    lines = []
    for change in changes:
        at = datetime.fromisoformat(change["at"]) if change.get("at") else None
        moved = (f"{states.label(change['from_state'], lang)} → {states.label(change['to_state'], lang)}"
                 if change.get("from_state") and change.get("to_state") != change.get("from_state") else "")
        text = i18n.t(lang, "ticket.change_line").format(
            at=staff.when(at, lang), action=_action(change["action"], lang), states=moved,
            role=change.get("role") or "")
        lines.append({"text": text + (f" — {change['note']}" if change.get("note") else "")})
    return lines


def _action(action: str, lang: str) -> str:
    key = f"action.{action}"
    return i18n.t(lang, key) if key in i18n.TEXT else action


def render_ticket(request: Request, session: "Session", ctx: StaffContext, ref: str, *,
                  typed: dict[str, dict[str, str]] | None = None, exc: DomainError | None = None,
                  template: str | None = None, done: str | None = None) -> Response:
    """The ticket page; with `exc`, the refusal and (when stale) what changed, the agent's input kept."""
    try:
        d = dossier.get(session=session, principal=ctx.me, ref=ref)
    except DomainError as error:
        return staff_web.problem_page(request, ctx, error, back="/staff")
    lang = ctx.lang
    report = d.report
    presence.touch(session=session, report_id=report.id, viewer=ctx.me)
    viewers = [{"staff_id": v.staff_id, "name": v.name, "since": staff.when(v.opened_at, lang)[-5:]}
               for v in presence.others(session=session, report_id=report.id, viewer=ctx.me)]
    can = _abilities(ctx.me, report)
    audience: list[tuple[str, int]] = []
    drafts: dict[str, str] = {}
    if can["write"]:
        audience = sorted((code, len(people)) for code, people in
                          answers.recipients_by_language(session=session, report=report).items())
        if template:
            drafts = {code: answers.template_text(session=session, code=template, report=report, lang=code) or ""
                      for code, _ in audience}
    changes = None
    problem = None
    if isinstance(exc, StaleVersion):
        changes = _change_lines(exc.extra.get("changes") or [], lang)
    elif exc is not None:
        problem = exc.detail_fr if lang == "fr" else exc.detail_en
    point = {"ref": report.ref, "lat": d.lat, "lon": d.lon, "state": report.state,
             "category_code": report.category_code, "address_text": report.address_text}
    settings = request.app.state.settings
    notice = i18n.t(lang, f"done.{done}") if done and f"done.{done}" in i18n.TEXT else None
    body = staff.render(
        "ticket.html", ctx, f"ticket:{report.ref}", i18n.t(lang, "ticket.title").format(ref=report.ref), d=d,
        can=can, viewers=viewers, audience=audience, drafts=drafts, chosen_template=template,
        templates=answers.list_templates(session=session) if can["write"] else [], typed=typed or {},
        changes=changes, problem=problem, notice=notice, outcomes=[str(o) for o in workflow.Outcome],
        time_left=staff.time_left(report.due_at, d.now, report.paused_at is not None, lang),
        nearby_radius=dossier.NEARBY_RADIUS_M,
        map_json=staff_map.map_config(ctx=ctx, points=[point], tile_url=settings.tile_url,
                                      tile_attribution=settings.tile_attribution, zoom=17),
        channel_name=lambda c: i18n.t(lang, f"channel.{c}") if f"channel.{c}" in i18n.TEXT else c,
        action_name=lambda a: _action(a, lang), outcome_label=lambda o: vocabulary.outcome_label(o, lang),
        actor_name=lambda e: d.actors.get(e.actor_id or "", i18n.t(lang, f"role.{e.role}")
                                          if f"role.{e.role}" in i18n.TEXT else (e.role or "")))
    return staff_web.html(body, request, lang, status_code=exc.status if exc is not None else 200)


@router.get("/{ref}", response_class=HTMLResponse)
def ticket_page(ref: str, request: Request, session: SessionDep, found: SignedIn, template: str | None = None,
                done: str | None = None) -> Response:
    """Everything about one ticket, and every action on it."""
    ctx = staff_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    return render_ticket(request, session, ctx, ref, template=template or None, done=done)


@router.post("/{ref}/presence", status_code=204)
def heartbeat(ref: str, session: SessionDep, me: CurrentStaff) -> Response:
    """The page's heartbeat: the agent still has the ticket open (the API's header CSRF check applies)."""
    report = dossier.get_by_ref_or_raise(session=session, principal=me, ref=ref)
    presence.touch(session=session, report_id=report.id, viewer=me)
    return Response(status_code=204)


def _act(request: Request, session: "Session", found: Any, ref: str, csrf_token: str | None, form: str,
         typed: dict[str, str], action: Callable[[StaffContext, Report], str]) -> Response:
    """Run one form's action; PRG on success, the page again with the agent's input on a refusal."""
    ctx = staff_web.gate_form(request, session, found, csrf_token)
    if isinstance(ctx, Response):
        return ctx
    try:
        report = dossier.get_by_ref_or_raise(session=session, principal=ctx.me, ref=ref)
        done = action(ctx, report)
    except DomainError as exc:
        session.rollback()
        return render_ticket(request, session, ctx, ref, typed={form: typed}, exc=exc)
    return staff_web.redirect(f"/staff/tickets/{report.ref}", ctx.lang, done=done)


@router.post("/{ref}/move")
def move(ref: str, request: Request, session: SessionDep, found: SignedIn, to: Annotated[str, Form()],
         version: Version = None, csrf_token: Csrf = None, note: Text = "", note_public: Annotated[str, Form()] = "",
         outcome: Annotated[str, Form()] = "", outcome_detail: Annotated[str, Form(max_length=2000)] = "",
         duplicate_of: Annotated[str, Form(max_length=40)] = "") -> Response:
    """A move of the workflow (the buttons are workflow.moves_for), with its note and outcome."""
    def act(ctx: StaffContext, report: Report) -> str:
        result = None
        if outcome:
            try:
                chosen = workflow.Outcome(outcome)
            except ValueError as exc:
                raise workflow.InvalidOutcome(f"Unknown outcome '{outcome}'", f"Issue inconnue « {outcome} »") from exc
            original = get_by_ref_or_raise(session=session, ref=duplicate_of).id if duplicate_of.strip() else None
            result = workflow.OutcomeInput(outcome=chosen, detail=outcome_detail.strip() or None,
                                           duplicate_of_id=original)
        workflow.transition(session=session, report_id=report.id, to=to, actor=ctx.me, version=version,
                            note=note.strip() or None, outcome=result, note_public=note_public == "yes")
        return "moved"

    typed = {"note": note, "note_public": note_public, "outcome": outcome, "outcome_detail": outcome_detail,
             "duplicate_of": duplicate_of}
    return _act(request, session, found, ref, csrf_token, "move", typed, act)


@router.post("/{ref}/recategorise")
def recategorise(ref: str, request: Request, session: SessionDep, found: SignedIn,
                 category: Annotated[str, Form()], version: Version = None, csrf_token: Csrf = None,
                 note: Text = "") -> Response:
    """A new category, and the ticket routed again as intake would have."""
    def act(ctx: StaffContext, report: Report) -> str:
        triage.recategorise(session=session, report_id=report.id, actor=ctx.me, category_code=category,
                            version=version, note=note.strip() or None)
        return "recategorised"

    return _act(request, session, found, ref, csrf_token, "recategorise", {"category": category, "note": note}, act)


@router.post("/{ref}/transfer")
def transfer(ref: str, request: Request, session: SessionDep, found: SignedIn, service: Annotated[str, Form()],
             version: Version = None, csrf_token: Csrf = None, reason: Text = "") -> Response:
    """Another service takes the ticket, with the reason in the internal history."""
    def act(ctx: StaffContext, report: Report) -> str:
        triage.transfer(session=session, report_id=report.id, actor=ctx.me, service_code=service, reason=reason,
                        version=version)
        return "transferred"

    return _act(request, session, found, ref, csrf_token, "transfer", {"service": service, "reason": reason}, act)


@router.post("/{ref}/assign")
def assign(ref: str, request: Request, session: SessionDep, found: SignedIn, crew: Annotated[int, Form()],
           version: Version = None, csrf_token: Csrf = None) -> Response:
    """A supervisor gives the ticket to one of the service's crews."""
    def act(ctx: StaffContext, report: Report) -> str:
        crews.reassign(session=session, supervisor=ctx.me, report_id=report.id, crew_id=crew, version=version)
        return "assigned"

    return _act(request, session, found, ref, csrf_token, "assign", {"crew": str(crew)}, act)


@router.post("/{ref}/merge")
def merge(ref: str, request: Request, session: SessionDep, found: SignedIn, into: Annotated[str, Form()],
          version: Version = None, csrf_token: Csrf = None, note: Text = "") -> Response:
    """This ticket repeats another: merged into it, every resident kept and told once."""
    def act(ctx: StaffContext, report: Report) -> str:
        merging.merge(session=session, source_ref=report.ref, into_ref=into, actor=ctx.me, version=version,
                      note=note.strip() or None)
        return "merged"

    return _act(request, session, found, ref, csrf_token, "merge", {"into": into, "note": note}, act)


@router.post("/{ref}/note")
def note(ref: str, request: Request, session: SessionDep, found: SignedIn, note: Text = "",
         csrf_token: Csrf = None, note_public: Annotated[str, Form()] = "",
         version: Version = None) -> Response:
    """A note in the history: internal unless the box says residents may read it."""
    def act(ctx: StaffContext, report: Report) -> str:
        moderation.add_note(session=session, report_id=report.id, actor=ctx.me, note=note,
                            public=note_public == "yes")
        return "noted"

    return _act(request, session, found, ref, csrf_token, "note", {"note": note, "note_public": note_public}, act)


@router.post("/{ref}/description")
def description(ref: str, request: Request, session: SessionDep, found: SignedIn, hidden: Annotated[str, Form()],
                version: Version = None, csrf_token: Csrf = None) -> Response:
    """Hide the description from the public, or show it again."""
    def act(ctx: StaffContext, report: Report) -> str:
        moderation.set_description_hidden(session=session, report_id=report.id, actor=ctx.me, hidden=hidden == "yes",
                                          version=version)
        return "hidden" if hidden == "yes" else "shown"

    return _act(request, session, found, ref, csrf_token, "description", {}, act)


@router.post("/{ref}/photos/{photo_id}")
def photo(ref: str, photo_id: int, request: Request, session: SessionDep, found: SignedIn,
          hidden: Annotated[str, Form()], version: Version = None, csrf_token: Csrf = None) -> Response:
    """Hide one photo from the public, or show it again."""
    def act(ctx: StaffContext, report: Report) -> str:
        moderation.set_photo_hidden(session=session, report_id=report.id, actor=ctx.me, photo_id=photo_id,
                                    hidden=hidden == "yes", version=version)
        return "hidden" if hidden == "yes" else "shown"

    return _act(request, session, found, ref, csrf_token, "photo", {}, act)


@router.post("/{ref}/answer")
def answer(ref: str, request: Request, session: SessionDep, found: SignedIn, version: Version = None,
           csrf_token: Csrf = None, text_fr: Text = "", text_en: Text = "",
           template: Annotated[str, Form()] = "") -> Response:
    """The residents' answer, one text per language, sent through the outbox."""
    def act(ctx: StaffContext, report: Report) -> str:
        answers.answer(session=session, report_id=report.id, actor=ctx.me, texts={"fr": text_fr, "en": text_en},
                       version=version, template=template or None)
        return "answered"

    return _act(request, session, found, ref, csrf_token, "answer", {"text_fr": text_fr, "text_en": text_en}, act)


@router.post("/{ref}/ask")
def ask(ref: str, request: Request, session: SessionDep, found: SignedIn, version: Version = None,
        csrf_token: Csrf = None, text_fr: Text = "", text_en: Text = "") -> Response:
    """A question to the residents; the ticket waits for them, its clock paused."""
    def act(ctx: StaffContext, report: Report) -> str:
        answers.ask(session=session, report_id=report.id, actor=ctx.me, texts={"fr": text_fr, "en": text_en},
                    version=version)
        return "asked"

    return _act(request, session, found, ref, csrf_token, "ask", {"text_fr": text_fr, "text_en": text_en}, act)
