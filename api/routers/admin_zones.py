"""Administration page for zones: upload a file, see its dry run (what opens, changes and retires, and which
open reports would move, drawn on a map and listed), then apply it, re-routing the open reports if asked."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from api import admin_web, staff_web
from api.admin_web import FormValues
from api.deps import SessionDep
from api.staff_web import SignedIn
from core.errors import DomainError
from dispatch import zone_uploads
from geo.loader import KINDS
from maps import i18n
from maps.public_map import json_for_html
from maps.staff import StaffContext

router = APIRouter(prefix="/staff/admin/zones", include_in_schema=False)


async def uploaded(request: Request) -> tuple[str, bytes]:
    """The form's zone file (name and bytes), read up to the limit plus one byte to tell a file too large."""
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile):
        return "", b""
    return file.filename or "", await file.read(zone_uploads.MAX_BYTES + 1)


Uploaded = Annotated[tuple[str, bytes], Depends(uploaded)]


def _upload_form(request: Request, ctx: StaffContext, values: dict[str, str],
                 exc: DomainError | None = None) -> Response:
    return admin_web.render(request, ctx, "zones.html", "zones", "admin.zones", exc=exc, values=values,
                            kind_options=[(k, i18n.t(ctx.lang, f"admin.zone.{k}")) for k in KINDS],
                            service_options=[(s["code"], f"{s['name_en'] if ctx.lang == 'en' else s['name_fr']} "
                                              f"({s['code']})") for s in ctx.services])


@router.get("", response_class=HTMLResponse)
def zones_page(request: Request, session: SessionDep, found: SignedIn) -> Response:
    """The upload form."""
    ctx = admin_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    return _upload_form(request, ctx, {})


@router.post("")
def zones_upload(request: Request, session: SessionDep, found: SignedIn, values: FormValues,
                 file: Uploaded) -> Response:
    """Keep the file and show its dry run."""
    ctx = admin_web.gate(request, session, found, values)
    if isinstance(ctx, Response):
        return ctx
    try:
        upload = zone_uploads.stage(session=session, actor=ctx.me, filename=file[0], content=file[1], values=values)
    except DomainError as exc:
        session.rollback()
        return _upload_form(request, ctx, values, exc)
    return staff_web.redirect(f"/staff/admin/zones/{upload.token}", ctx.lang)


@router.get("/{token}", response_class=HTMLResponse)
def zones_preview(token: str, request: Request, session: SessionDep, found: SignedIn) -> Response:
    """The dry run of a waiting file: the zones' changes, and the open reports that would move, on a map."""
    ctx = admin_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    try:
        upload = zone_uploads.get_or_raise(session=session, actor=ctx.me, token=token)
        shown = zone_uploads.preview(session=session, upload=upload)
    except DomainError as exc:
        session.rollback()
        return staff_web.problem_page(request, ctx, exc, back="/staff/admin/zones")
    settings = request.app.state.settings
    config = json_for_html({"tileUrl": settings.tile_url, "attribution": settings.tile_attribution,
                            "shapes": shown.shapes, "points": shown.points,
                            "labels": {"before": i18n.t(ctx.lang, "admin.zones_from"),
                                       "after": i18n.t(ctx.lang, "admin.zones_to")}})
    return admin_web.render(request, ctx, "zones_preview.html", "zones", "admin.zones_preview", shown=shown,
                            token=token, map_json=config, values={})


@router.post("/{token}/apply")
def zones_apply(token: str, request: Request, session: SessionDep, found: SignedIn, values: FormValues) -> Response:
    """Load the file for real; re-route the open reports too when the box is ticked."""
    ctx = admin_web.gate(request, session, found, values)
    if isinstance(ctx, Response):
        return ctx
    try:
        upload = zone_uploads.get_or_raise(session=session, actor=ctx.me, token=token)
        zone_uploads.apply(session=session, actor=ctx.me, upload=upload, reroute=values.get("reroute") == "yes",
                           reason=values.get("reason", "")[:500])
    except DomainError as exc:
        session.rollback()
        return staff_web.problem_page(request, ctx, exc, back="/staff/admin/zones")
    return staff_web.redirect("/staff/admin/zones", ctx.lang, done="loaded")


@router.post("/{token}/discard")
def zones_discard(token: str, request: Request, session: SessionDep, found: SignedIn,
                  values: FormValues) -> Response:
    ctx = admin_web.gate(request, session, found, values)
    if isinstance(ctx, Response):
        return ctx
    try:
        zone_uploads.discard(session=session, actor=ctx.me, token=token)
    except DomainError as exc:
        return staff_web.problem_page(request, ctx, exc, back="/staff/admin/zones")
    return staff_web.redirect("/staff/admin/zones", ctx.lang, done="discarded")
