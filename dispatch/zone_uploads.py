"""Zone files an administrator uploads: kept until applied, tried first (a dry run of the load and of the
re-routing of open reports, drawn on a map), then applied, with the open reports re-routed if asked.

The file waits in zone_uploads (not on disk: any process of the platform can apply it), for its uploader only.
"""

import json
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy import Date, DateTime, ForeignKey, LargeBinary, Text, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import audit
from core.base import Base
from core.errors import InvalidZoneFile, NotFound
from core.users import Principal
from dispatch import admin_checks as check
from dispatch.models import Report
from dispatch.reroute import ReroutePlan, load_zone_file, reroute_open_reports
from geo.loader import KINDS, LoadReport, ZoneFeature, load_zones, read_zone_file
from geo.models import Service

SUFFIXES = (".geojson", ".json", ".gpkg", ".zip")
MAX_BYTES = 50 * 1024 * 1024
KEEP = timedelta(days=1)
# What the preview map draws at most: enough to see the change, small enough to keep the page light.
MAX_SHAPES = 300
MAX_POINTS = 1000
SIMPLIFY_DEGREES = 0.0001  # about 10 m at Lyon's latitude: invisible on a city map


class ZoneUpload(Base):
    """A zone file waiting to be applied."""

    __tablename__ = "zone_uploads"
    token: Mapped[str] = mapped_column(Text, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    filename: Mapped[str] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(Text)
    service_code: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[date | None] = mapped_column(Date)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


@dataclass
class ZonePreview:
    """What applying the file would do: the load's report, the open reports it would move, what to draw."""

    upload: ZoneUpload
    load: LoadReport
    plan: ReroutePlan
    shapes: dict[str, Any] = field(default_factory=dict)
    points: list[dict[str, Any]] = field(default_factory=list)


def _features(upload: ZoneUpload) -> list[ZoneFeature]:
    with tempfile.TemporaryDirectory(prefix="zones-") as folder:
        path = Path(folder) / upload.filename
        path.write_bytes(upload.content)
        return list(read_zone_file(path, kind=upload.kind, service_code=upload.service_code))


def stage(*, session: Session, actor: Principal, filename: str, content: bytes, values: dict[str, Any]) -> ZoneUpload:
    """Keep a file for its dry run, after reading it once (an unreadable file is refused at once)."""
    name = Path(filename or "zones").name
    if not name.lower().endswith(SUFFIXES):
        raise check.refuse("file", f"{name}: send a .geojson, .gpkg or a zipped Shapefile (.zip)",
                           f"{name} : envoyez un .geojson, un .gpkg ou un Shapefile zippé (.zip)")
    if not content:
        raise check.refuse("file", "Choose a zone file", "Choisissez un fichier de zones")
    if len(content) > MAX_BYTES:
        raise check.refuse("file", "Zone file larger than 50 MB", "Fichier de zones de plus de 50 Mo")
    kind = str(values.get("kind") or "").strip() or None
    if kind is not None and kind not in KINDS:
        raise check.refuse("kind", f"Unknown zone kind '{kind}'", f"Type de zone « {kind} » inconnu")
    service = check.code(values, "service_code", required=False)
    check.existing(session, Service.code, service, "service_code", ("service", "Service"))
    raw_day = str(values.get("valid_from") or "").strip()
    try:
        day = date.fromisoformat(raw_day) if raw_day else None
    except ValueError:
        raise check.refuse("valid_from", "The date looks like 2026-12-31", "La date s'écrit 2026-12-31") from None
    session.execute(delete(ZoneUpload).where(ZoneUpload.created_at < func.now() - KEEP))
    upload = ZoneUpload(token=secrets.token_urlsafe(16), staff_id=actor.id, filename=name, kind=kind,
                        service_code=service, valid_from=day, content=content)
    try:
        _features(upload)
    except InvalidZoneFile as exc:
        raise check.refuse("file", exc.detail_en, exc.detail_fr) from None
    session.add(upload)
    session.flush()
    return upload


def get_or_raise(*, session: Session, actor: Principal, token: str) -> ZoneUpload:
    """One of this administrator's waiting files."""
    upload = session.get(ZoneUpload, token)
    if upload is None or upload.staff_id != actor.id:
        raise NotFound("No such zone file waiting (applied, discarded or expired)",
                       "Aucun fichier de zones en attente (appliqué, abandonné ou expiré)")
    return upload


def _shapes(features: list[ZoneFeature]) -> dict[str, Any]:
    drawn = []
    for feature in features[:MAX_SHAPES]:
        geom = shapely.set_precision(feature.geom.simplify(SIMPLIFY_DEGREES), 0.00001)
        drawn.append({"type": "Feature", "geometry": json.loads(shapely.to_geojson(geom)),
                      "properties": {"code": feature.code, "name": feature.name, "kind": feature.kind}})
    return {"type": "FeatureCollection", "features": drawn}


def preview(*, session: Session, upload: ZoneUpload) -> ZonePreview:
    """The dry run: the load and the re-routing it would cause, computed for real and rolled back."""
    features = _features(upload)
    load, plan = load_zone_file(session=session, features=features, source=upload.filename, on=upload.valid_from,
                                dry_run=True)
    moved = {m.report_id: m for m in plan.moves[:MAX_POINTS]}
    rows = session.execute(select(Report.id, func.ST_Y(Report.geom), func.ST_X(Report.geom))
                           .where(Report.id.in_(list(moved)))).all() if moved else []
    points = [{"ref": moved[i].ref, "lat": lat, "lon": lon, "outside": moved[i].outside,
               "before": moved[i].before.get("service"), "after": moved[i].after.get("service")}
              for i, lat, lon in rows]
    return ZonePreview(upload=upload, load=load, plan=plan, shapes=_shapes(features), points=points)


def apply(*, session: Session, actor: Principal, upload: ZoneUpload, reroute: bool,
          reason: str = "") -> tuple[LoadReport, ReroutePlan | None]:
    """Load the file for real, re-route the open reports if asked, each step audited; the file is then dropped."""
    features = _features(upload)
    load = load_zones(session=session, features=features, source=upload.filename, on=upload.valid_from)
    summary = {name: getattr(load, name) for name in ("opened", "changed", "updated", "retired")}
    audit.record(session=session, actor=actor, entity="zones", entity_id=upload.filename, action="loaded",
                 after={**summary, "unchanged": len(load.unchanged), "valid_from": load.valid_from})
    plan = None
    if reroute:
        plan = reroute_open_reports(session=session, dry_run=False, reason=reason or f"zones {upload.filename}",
                                    actor_kind="staff", actor_id=str(actor.id), list_limit=0)
        audit.record(session=session, actor=actor, entity="zones", entity_id=upload.filename, action="rerouted",
                     after={"moved": plan.applied, "outside": plan.outside, "reason": reason or None})
    session.delete(upload)
    session.flush()
    return load, plan


def discard(*, session: Session, actor: Principal, token: str) -> None:
    session.delete(get_or_raise(session=session, actor=actor, token=token))
    session.flush()
