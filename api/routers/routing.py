"""Routing for staff: why a point goes where it goes, zone files tried before they are loaded, bulk re-routing."""

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from pydantic import BaseModel, Field

from api.auth import AdminOnly, require_roles
from api.deps import SessionDep
from core.errors import InvalidZoneFile
from core.users import Principal
from dispatch.reroute import Move, ReroutePlan, load_zone_file, reroute_open_reports
from geo.loader import LoadReport, read_zone_file
from geo.service import explain

router = APIRouter(prefix="/api/v1/routing", tags=["routing"])
RoutingStaff = Annotated[Principal, require_roles("agent", "commune_staff", "service_staff", "crew", "official",
                                                  "admin")]
ZONE_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip")
MAX_ZONE_FILE = 50 * 1024 * 1024


class AssignmentRead(BaseModel):
    """Where a report at this point lands; service_code null means the relations centre's triage queue."""

    commune_code: str
    commune_name: str
    zone_code: str | None = Field(description="Arrondissement, where the commune has them")
    service_code: str | None
    sector_code: str | None
    team: str | None
    rule_id: int | None
    triage: bool


class CoveringZone(BaseModel):
    kind: str
    code: str
    name: str
    parent_code: str | None
    service_code: str | None
    valid_from: date


class RuleConsidered(BaseModel):
    """One routing rule, in precedence order, and why it won or lost."""

    id: int
    category_code: str | None
    zone_kind: str | None
    zone_code: str | None
    service_code: str
    team: str | None
    priority: int
    zone_rank: int = Field(description="1 arrondissement, 2 commune, 3 sector, 4 whole territory")
    category_rank: int = Field(description="1 this category, 2 its parent, 3 any category")
    category_matches: bool
    zone_matches: bool
    won: bool
    reason_en: str
    reason_fr: str


class ExplanationRead(BaseModel):
    lat: float
    lon: float
    category: str
    summary_en: str
    summary_fr: str
    assignment: AssignmentRead
    covering_zones: list[CoveringZone]
    rules: list[RuleConsidered]


class MoveRead(BaseModel):
    report_id: int
    ref: str
    category: str
    state: str
    outside: bool = Field(description="No current commune covers the report: left where it is")
    before: dict[str, Any]
    after: dict[str, Any]


class RerouteRead(BaseModel):
    dry_run: bool
    examined: int = Field(description="Open reports routed again")
    total_moves: int
    outside: int
    applied: int
    moves: list[MoveRead] = Field(description="The first moves (list_limit)")


class RerouteRequest(BaseModel):
    dry_run: bool = True
    reason: str = Field(default="", max_length=500)
    list_limit: int = Field(default=1000, ge=0, le=100_000)


class ZoneLoadRead(BaseModel):
    dry_run: bool
    valid_from: date | None
    opened: list[str]
    changed: list[str]
    updated: list[str]
    retired: list[str]
    unchanged: list[str]
    repairs: list[str]
    notes: list[str]
    reroute: RerouteRead = Field(description="Open reports the new zones would move (or moved)")


def _reroute_read(plan: ReroutePlan) -> RerouteRead:
    return RerouteRead(dry_run=plan.dry_run, examined=plan.examined, total_moves=plan.total_moves,
                       outside=plan.outside, applied=plan.applied, moves=[_move(m) for m in plan.moves])


def _move(move: Move) -> MoveRead:
    return MoveRead(report_id=move.report_id, ref=move.ref, category=move.category, state=move.state,
                    outside=move.outside, before=move.before, after=move.after)


@router.get("/explain", response_model=ExplanationRead)
def explain_point(
    session: SessionDep, staff: RoutingStaff,
    lat: Annotated[float, Query(ge=-90, le=90, description="Latitude, WGS84 degrees")],
    lon: Annotated[float, Query(ge=-180, le=180, description="Longitude, WGS84 degrees")],
    category: Annotated[str, Query(min_length=1, max_length=64)],
) -> ExplanationRead:
    """Why a report here, in this category, goes where it goes: zones covering the point, every rule
    considered in precedence order, the winner and why each other rule lost. Same answer as intake."""
    found = explain(session=session, lat=lat, lon=lon, category=category)
    a = found.assignment
    return ExplanationRead(
        lat=lat, lon=lon, category=category, summary_en=found.summary_en, summary_fr=found.summary_fr,
        assignment=AssignmentRead(commune_code=a.commune_code, commune_name=a.commune_name, zone_code=a.zone_code,
                                  service_code=a.service_code, sector_code=a.sector_code, team=a.team,
                                  rule_id=a.rule_id, triage=a.triage),
        covering_zones=[CoveringZone(**z) for z in found.covering_zones],
        rules=[RuleConsidered(**{k: r[k] for k in RuleConsidered.model_fields}) for r in found.rules],
    )


@router.post("/reroute", response_model=RerouteRead)
def reroute(body: RerouteRequest, session: SessionDep, admin: AdminOnly) -> RerouteRead:
    """Route every open report again with the current zones and rules. Dry run by default: lists what
    would move. With dry_run false, moves them and writes each move to the report's history."""
    plan = reroute_open_reports(session=session, dry_run=body.dry_run, reason=body.reason, actor_kind="staff",
                                actor_id=str(admin.id), list_limit=body.list_limit)
    return _reroute_read(plan)


@router.post("/zones", response_model=ZoneLoadRead)
def load_zones_file(
    session: SessionDep, admin: AdminOnly,
    file: Annotated[UploadFile, File(description="GeoJSON, GeoPackage, or a zipped Shapefile; any CRS")],
    kind: Annotated[str | None, Form(description="commune, arrondissement or sector (else from 'type')")] = None,
    service: Annotated[str | None, Form(description="service code, for sectors")] = None,
    valid_from: Annotated[date | None, Form(description="date the zones take effect (today by default)")] = None,
    dry_run: Annotated[bool, Form(description="report what would change, change nothing")] = True,
) -> ZoneLoadRead:
    """Load a zone file, versioned: dry run by default, answering what would open, change and retire, which
    geometries were repaired, and which open reports the new zones would move. Reports already made keep
    their routing; moving open ones is POST /api/v1/routing/reroute."""
    name = Path(file.filename or "zones").name
    if not name.lower().endswith(ZONE_SUFFIXES):
        raise InvalidZoneFile(f"{name}: send a .geojson, .gpkg or a zipped Shapefile (.zip)",
                              f"{name} : envoyez un .geojson, un .gpkg ou un Shapefile zippé (.zip)")
    with tempfile.TemporaryDirectory(prefix="zones-") as folder:
        path = Path(folder) / name
        data = file.file.read(MAX_ZONE_FILE + 1)
        if len(data) > MAX_ZONE_FILE:
            raise InvalidZoneFile("Zone file larger than 50 MB", "Fichier de zones de plus de 50 Mo")
        path.write_bytes(data)
        features = list(read_zone_file(path, kind=kind, service_code=service))
    report, plan = load_zone_file(session=session, features=features, source=name, on=valid_from, dry_run=dry_run)
    return _zone_read(report, plan)


def _zone_read(report: LoadReport, plan: ReroutePlan) -> ZoneLoadRead:
    return ZoneLoadRead(dry_run=report.dry_run, valid_from=report.valid_from, opened=report.opened,
                        changed=report.changed, updated=report.updated, retired=report.retired,
                        unchanged=report.unchanged, repairs=report.repairs, notes=report.notes,
                        reroute=_reroute_read(plan))
