"""The back office's shell and queues: sign-in and out, the work queues (table and map), saved selections."""

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api import staff_web
from api.auth import check_form_csrf, sign_out
from api.deps import SessionDep
from api.staff_web import SignedIn
from core.errors import DomainError, InvalidFilter, NotFound
from dispatch import bulk, crews, presence, queues, selections
from maps import i18n, staff, staff_map, states
from maps.staff import StaffContext

router = APIRouter(prefix="/staff", include_in_schema=False)

COLUMNS = [("ref", "col.ref"), (None, "col.category"), ("state", "col.state"), ("commune", "col.commune"),
           (None, "col.service"), (None, "col.channel"), ("created", "col.created"), ("due", "col.due"),
           (None, "col.description")]
CHANNEL_KEYS = frozenset(k for k in i18n.TEXT if k.startswith("channel."))


@router.get("", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, found: SignedIn) -> Response:
    """The back office's entrance: the sign-in form, or the first queue of the signed-in staff member."""
    ctx = staff_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    return RedirectResponse(f"/staff/queues/{ctx.queues[0]}?lang={ctx.lang}", status_code=303)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, session: SessionDep, email: Annotated[str, Form()], password: Annotated[str, Form()],
          token: staff_web.LoginToken, lang: Annotated[str, Form()] = "fr",
          next: Annotated[str, Form()] = "") -> Response:  # noqa: A002
    """The sign-in form: the API's session cookie, then back to the page the staff member asked for."""
    def failed(lang: str, error: str, status: int) -> HTMLResponse:
        return staff_web.signin_page(request, lang, error=error, target=next, status=status)

    return staff_web.signin_form(request, session, email=email, password=password, lang=lang, page="staff", token=token,
                       failed=failed, target=staff_web.safe_back(next) if next else None)


@router.post("/logout")
def logout(request: Request, session: SessionDep, found: SignedIn,
           csrf_token: Annotated[str | None, Form()] = None, lang: Annotated[str, Form()] = "fr") -> Response:
    """Sign out (a form with the CSRF token, so another site cannot sign a staff member out)."""
    me = found[0] if found else None
    lang = staff_web.form_language(lang, me)
    if found is not None:
        try:
            check_form_csrf(found[1], csrf_token)
        except DomainError as exc:
            ctx = StaffContext(lang=lang, me=found[0], csrf=found[1], switch_url=f"/staff?lang={lang}")
            return staff_web.problem_page(request, ctx, exc, back="/staff")
    response = RedirectResponse(f"/staff?lang={lang}", status_code=303)
    sign_out(request, response, session=session)
    return response


def _date(name: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidFilter(f"{name} must be a date like 2026-05-31", f"{name} doit être une date comme 2026-05-31",
                            parameter=name) from exc


def queue_filter(state: Annotated[list[str] | None, Query()] = None, category: str | None = None,
                 commune: str | None = None, service: str | None = None, channel: str | None = None,
                 since: str | None = None, until: str | None = None, overdue: str | None = None,
                 q: Annotated[str | None, Query(max_length=200)] = None, sort: str | None = None,
                 dir: str | None = None, page: Annotated[int, Query(ge=1, le=queues.MAX_PAGE)] = 1,  # noqa: A002
                 ) -> queues.QueueFilter:
    """A queue's filters from the URL (an HTML form sends empty fields as "": no filter)."""
    return queues.QueueFilter(
        states=tuple(s for s in state or () if s in states.STATES), category=category or None,
        commune=commune or None, service=service or None, channel=channel or None,
        since=_date("since", since), until=_date("until", until),
        overdue={"yes": True, "no": False}.get(overdue or ""), q=(q or "").strip() or None,
        sort=sort if sort in queues.SORTS else None, desc={"desc": True, "asc": False}.get(dir or ""),
        page=page)


def _queue_ctx(request: Request, session: SessionDep, found: SignedIn, name: str) -> Response | StaffContext:
    ctx = staff_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    if name not in ctx.queues:
        return staff_web.problem_page(request, ctx, NotFound(f"No queue '{name}' for you",
                                                             f"Aucune file « {name} » pour vous"), back="/staff")
    return ctx


@router.get("/queues/{name}", response_class=HTMLResponse)
def queue_page(name: str, request: Request, session: SessionDep, found: SignedIn,
               state: Annotated[list[str] | None, Query()] = None, category: str | None = None,
               commune: str | None = None, service: str | None = None, channel: str | None = None,
               since: str | None = None, until: str | None = None, overdue: str | None = None,
               q: Annotated[str | None, Query(max_length=200)] = None, sort: str | None = None,
               dir: str | None = None, page: Annotated[int, Query(ge=1, le=queues.MAX_PAGE)] = 1,  # noqa: A002
               done: str | None = None) -> Response:
    """One queue as a paged, sortable, filterable table, with the bulk actions and saved selections."""
    ctx = _queue_ctx(request, session, found, name)
    if isinstance(ctx, Response):
        return ctx
    try:
        filters = queue_filter(state, category, commune, service, channel, since, until, overdue, q, sort, dir, page)
    except DomainError as exc:
        return staff_web.problem_page(request, ctx, exc, back=f"/staff/queues/{name}")
    listed = queues.list_(session=session, principal=ctx.me, queue=name, filters=filters)
    refs = [r.ref for r in listed.rows]
    late = set(queues.late_refs(listed.rows, datetime.now(UTC)))
    viewers = {ref: {"name": v.name, "since": staff.when(v.opened_at, ctx.lang)[-5:]}
               for ref, v in presence.on_refs(session=session, refs=refs, viewer=ctx.me).items()}
    title = i18n.t(ctx.lang, f"queue.{name}")
    notice = i18n.t(ctx.lang, f"done.{done}") if done and f"done.{done}" in i18n.TEXT else None
    body = staff.render("queue.html", ctx, f"queue:{name}", title, queue=name, filters=filters, page_info=listed,
                        columns=COLUMNS, channels=queues.CHANNELS, channel_keys=CHANNEL_KEYS, late=late,
                        viewers=viewers, saved=selections.list_(session=session, owner=ctx.me),
                        back=staff_web.here(request), notice=notice, bulk=bulk_options(ctx),
                        crews=crews.team_crews(session=session, supervisor=ctx.me)
                        if ctx.me.role in ("service_staff", "admin") else [],
                        bulk_result=bulk_summary(ctx.lang, request.query_params))
    return staff_web.html(body, request, ctx.lang)


def bulk_options(ctx: StaffContext) -> dict[str, object]:
    """Which bulk actions the staff member may use (the services decide again, ticket by ticket)."""
    return {"transfer": ctx.me.role in ("agent", "admin", "service_staff"),
            "assign": ctx.me.role in ("service_staff", "admin"),
            "merge": ctx.me.role in ("agent", "admin"), "close_duplicate": ctx.me.role in ("agent", "admin")}


@router.get("/queues/{name}/map", response_class=HTMLResponse)
def queue_map(name: str, request: Request, session: SessionDep, found: SignedIn,
              state: Annotated[list[str] | None, Query()] = None, category: str | None = None,
              commune: str | None = None, service: str | None = None, channel: str | None = None,
              since: str | None = None, until: str | None = None, overdue: str | None = None,
              q: Annotated[str | None, Query(max_length=200)] = None, sort: str | None = None,
              dir: str | None = None) -> Response:  # noqa: A002
    """The same selection on a map (the most urgent tickets first), each marker linking to its ticket."""
    ctx = _queue_ctx(request, session, found, name)
    if isinstance(ctx, Response):
        return ctx
    try:
        filters = queue_filter(state, category, commune, service, channel, since, until, overdue, q, sort, dir, 1)
    except DomainError as exc:
        return staff_web.problem_page(request, ctx, exc, back=f"/staff/queues/{name}")
    points = queues.for_map(session=session, principal=ctx.me, queue=name, filters=filters)
    settings = request.app.state.settings
    body = staff_map.render_queue(ctx=ctx, queue=name, filters=filters, points=points, tile_url=settings.tile_url,
                                  tile_attribution=settings.tile_attribution)
    return staff_web.html(body, request, ctx.lang)


@router.post("/selections")
def save_selection(request: Request, session: SessionDep, found: SignedIn, name: Annotated[str, Form()],
                   queue: Annotated[str, Form()], query: Annotated[str, Form()] = "",
                   csrf_token: Annotated[str | None, Form()] = None) -> Response:
    """Keep the current queue and filters under a name."""
    ctx = staff_web.gate_form(request, session, found, csrf_token)
    if isinstance(ctx, Response):
        return ctx
    if queue not in ctx.queues:
        queue = ctx.queues[0]
    try:
        selections.create(session=session, owner=ctx.me, name=name, queue=queue, query=query)
    except DomainError as exc:
        return staff_web.problem_page(request, ctx, exc, back=f"/staff/queues/{queue}")
    return staff_web.redirect(f"/staff/queues/{queue}?{query}" if query else f"/staff/queues/{queue}", ctx.lang,
                              done="saved")


@router.post("/selections/{selection_id}/delete")
def delete_selection(selection_id: int, request: Request, session: SessionDep, found: SignedIn,
                     back: Annotated[str, Form()] = "/staff",
                     csrf_token: Annotated[str | None, Form()] = None) -> Response:
    """Forget one of my saved selections."""
    ctx = staff_web.gate_form(request, session, found, csrf_token)
    if isinstance(ctx, Response):
        return ctx
    selections.delete_(session=session, owner=ctx.me, selection_id=selection_id)
    return staff_web.redirect(staff_web.safe_back(back), ctx.lang, done="deleted")


def bulk_summary(lang: str, params: Any) -> str | None:
    """The outcome of the last bulk action, carried by the redirect: how many went through, which refused."""
    if "bulk_done" not in params:
        return None
    parts = [i18n.t(lang, "bulk.done").format(n=params.get("bulk_done"))]
    parts += [i18n.t(lang, "bulk.refused").format(ref=ref, why=why)
              for ref, why in zip(params.getlist("refused"), params.getlist("why"), strict=False)]
    return " ".join(parts)


@router.post("/bulk")
def bulk_action(request: Request, session: SessionDep, found: SignedIn, action: Annotated[str, Form()],
                ref: Annotated[list[str] | None, Form()] = None, service: Annotated[str, Form()] = "",
                crew: Annotated[str, Form()] = "", target: Annotated[str, Form(max_length=40)] = "",
                reason: Annotated[str, Form(max_length=2000)] = "", back: Annotated[str, Form()] = "/staff",
                csrf_token: Annotated[str | None, Form()] = None) -> Response:
    """One action on every ticked ticket of a queue, each with its own history line."""
    ctx = staff_web.gate_form(request, session, found, csrf_token)
    if isinstance(ctx, Response):
        return ctx
    back = staff_web.safe_back(back)
    if not ref:
        return staff_web.redirect(back, ctx.lang, bulk_done="0", refused="—", why=i18n.t(ctx.lang, "bulk.none"))
    try:
        result = bulk.run(session=session, actor=ctx.me, action=action, refs=ref, service_code=service or None,
                          reason=reason or None, crew_id=int(crew) if crew.isdigit() else None,
                          target_ref=target or None)
    except DomainError as exc:
        return staff_web.problem_page(request, ctx, exc, back=back)
    refused = [(r, fr if ctx.lang == "fr" else en) for r, fr, en in result.refused]
    return staff_web.redirect_with(back, ctx.lang, [("bulk_done", str(len(result.done)))]
                                   + [p for r, why in refused for p in (("refused", r), ("why", why))])
