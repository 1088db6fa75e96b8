"""`ruecommune`: serve, migrate, load zones and the demo, create users, manage the local PostGIS."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from core import migrate
from core.db import database_url, session_scope
from core.pgcluster import ClusterError, ManagedCluster
from core.settings import get_settings

app = typer.Typer(help="Rue Commune operator tool.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema and the managed PostGIS cluster.", no_args_is_help=True)
zones_app = typer.Typer(help="Territory zones.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
territory_app = typer.Typer(help="The territory a deployment serves.", no_args_is_help=True)
users_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
privacy_app = typer.Typer(help="Residents' data rights and retention.", no_args_is_help=True)
routing_app = typer.Typer(help="Routing: explain a point, re-route open reports.", no_args_is_help=True)
keys_app = typer.Typer(help="Partner API keys.", no_args_is_help=True)
addresses_app = typer.Typer(help="Addresses (Base Adresse Nationale) and the geocoder.", no_args_is_help=True)
for sub, name in ((db_app, "db"), (zones_app, "zones"), (demo_app, "demo"), (users_app, "users"),
                  (privacy_app, "privacy"), (routing_app, "routing"), (keys_app, "api-keys"),
                  (addresses_app, "addresses"), (territory_app, "territory")):
    app.add_typer(sub, name=name)
console = Console(stderr=True)


@app.callback()
def _start() -> None:
    """Every command writes through the same side effects as the API (webhook events, photo files)."""
    from dispatch import side_effects

    side_effects.install()


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console)


def ensure_database() -> str:
    """Start the managed cluster unless RUECOMMUNE_DATABASE_URL points elsewhere; return the URL."""
    settings = get_settings()
    if not settings.database_url:
        cluster = ManagedCluster.from_settings(settings)
        try:
            cluster.start()
            cluster.ensure_database("ruecommune")
        except ClusterError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from exc
        console.print(f"managed PostGIS on 127.0.0.1:{cluster.port} ({cluster.data_dir})")
    return database_url()


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION."""
    migrate.upgrade(ensure_database(), revision)
    console.print(f"schema at {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    migrate.downgrade(ensure_database(), revision)


@db_app.command("start")
def db_start() -> None:
    """Start the managed PostGIS cluster (initialised on first use)."""
    ensure_database()


@db_app.command("stop")
def db_stop() -> None:
    """Stop the managed PostGIS cluster."""
    cluster = ManagedCluster.from_settings(get_settings())
    console.print("stopped" if cluster.stop() else "not running")


@zones_app.command("load")
def zones_load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    kind: Annotated[str | None, typer.Option(help="commune, arrondissement or sector")] = None,
    service: Annotated[str | None, typer.Option(help="service code, for sectors")] = None,
    on: Annotated[str | None, typer.Option(help="date the zones take effect, YYYY-MM-DD (default today)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="say what would change, change nothing")] = False,
) -> None:
    """Load a GeoJSON, GeoPackage or Shapefile of zones (any CRS), versioning what changes.

    Also lists the open reports the new zones would re-route; `ruecommune routing reroute` moves them.
    """
    from datetime import date

    from dispatch.reroute import load_zone_file
    from geo.loader import read_zone_file

    ensure_database()
    with _progress() as progress:
        task = progress.add_task(f"reading {file.name}", total=None)
        features = list(read_zone_file(file, kind=kind, service_code=service))
        progress.update(task, description=f"loading {len(features)} zones")
        with session_scope() as session:
            report, plan = load_zone_file(session=session, features=features, source=file.name,
                                          on=date.fromisoformat(on) if on else None, dry_run=dry_run)
    verb = "would be " if dry_run else ""
    suffix = " (dry run: nothing changed)" if dry_run else ""
    console.print(f"{file.name}: zones valid from {report.valid_from}{suffix}")
    for label, codes in (("opened", report.opened), ("changed", report.changed), ("updated", report.updated),
                         ("retired", report.retired), ("unchanged", report.unchanged)):
        console.print(f"{len(codes):4d} {verb}{label}: {', '.join(codes[:12])}{' ...' if len(codes) > 12 else ''}")
    for note in report.notes:
        console.print(f"     {note}")
    for repair in report.repairs:
        console.print(f"[yellow]repaired[/yellow] {repair}")
    _print_moves(plan, heading="open reports these zones would re-route")


def _print_moves(plan: Any, *, heading: str) -> None:
    console.print(f"{plan.total_moves} {heading} (of {plan.examined} open)"
                  + (f"; {plan.outside} outside every commune, left as they are" if plan.outside else ""))
    for move in plan.moves[:50]:
        b, a = move.before, move.after
        console.print(f"  {move.ref} {move.category}: {b['commune']}/{b['service']}/{b['sector']}/{b['team']} -> "
                      + ("outside the territory" if move.outside else
                         f"{a['commune']}/{a['service']}/{a['sector']}/{a['team']}"))
    if plan.total_moves > 50:
        console.print(f"  ... and {plan.total_moves - 50} more")


@routing_app.command("explain")
def routing_explain(lat: float, lon: float, category: str) -> None:
    """Why a report at LAT LON in CATEGORY goes where it goes: zones, rules considered, winner."""
    from geo.service import explain

    ensure_database()
    with session_scope() as session:
        found = explain(session=session, lat=lat, lon=lon, category=category)
    console.print(found.summary_en)
    for zone in found.covering_zones:
        console.print(f"  zone {zone['kind']:<14} {zone['code']:<14} {zone['name']}")
    for rule in found.rules:
        mark = "[green]won [/green]" if rule["won"] else "lost"
        console.print(f"  {mark} rule #{rule['id']:<4} {rule['category_code'] or '*':<14} "
                      f"{(rule['zone_kind'] or 'territory') + ':' + (rule['zone_code'] or '*'):<24} -> "
                      f"{rule['service_code']:<12} prio {rule['priority']}: {rule['reason_en']}")


@routing_app.command("reroute")
def routing_reroute(
    apply: Annotated[bool, typer.Option("--apply", help="move them for real (default: dry run)")] = False,
    reason: Annotated[str, typer.Option(help="written to each moved report's history")] = "",
) -> None:
    """Route every open report again with the current zones and rules: a dry run unless --apply."""
    from dispatch.reroute import reroute_open_reports

    ensure_database()
    with _progress() as progress, session_scope() as session:
        progress.add_task("re-routing open reports", total=None)
        plan = reroute_open_reports(session=session, dry_run=not apply, reason=reason, actor_kind="operator")
    _print_moves(plan, heading="open reports moved" if apply else "open reports would move (dry run; --apply)")


@addresses_app.command("load")
def addresses_load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="a BAN CSV file, e.g. adresses-69.csv.gz")],
    all_communes: Annotated[bool, typer.Option("--all", help="keep addresses outside the territory too")] = False,
) -> None:
    """Load or refresh the addresses of a BAN departmental file (upsert by BAN id, delete those gone)."""
    from rich.progress import BarColumn, DownloadColumn

    from geo.addresses import load_file

    ensure_database()
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress, session_scope() as session:
        task = progress.add_task(f"reading {file.name}", total=file.stat().st_size)
        result = load_file(session=session, path=file, territory_only=not all_communes,
                           progress=lambda done, total: progress.update(task, completed=done))
        progress.update(task, description="committed")
    console.print(f"{file.name}: {result.rows} rows read, {result.kept} addresses held for département(s) "
                  f"{', '.join(result.departments)}; {result.written} written, {result.deleted} deleted; "
                  f"{result.places} places searchable")
    console.print("seconds: " + ", ".join(f"{phase} {s:.1f}" for phase, s in result.seconds.items()))


@addresses_app.command("export-addok")
def addresses_export_addok(directory: Path) -> None:
    """Write an addok configuration and the addresses as addok documents, for a city's own addok.

    Then: ADDOK_CONFIG_MODULE=DIR/addok_ruecommune.py addok batch DIR/addresses.ndjson && addok ngrams &&
    addok serve; and RUECOMMUNE_GEOCODER=ban RUECOMMUNE_GEOCODER_URL=http://that-host:port.
    """
    from geo.addok import export

    ensure_database()
    with session_scope() as session:
        config, data, count = export(session=session, directory=directory)
    console.print(f"{count} documents in {data}; configuration {config}")


@addresses_app.command("search")
def addresses_search(query: str, lat: float | None = None, lon: float | None = None, limit: int = 5) -> None:
    """Search addresses as the API does (with the configured geocoder)."""
    from geo.geocoding import get_geocoder

    ensure_database()
    with session_scope() as session:
        for place in get_geocoder().search(session=session, query=query, lat=lat, lon=lon, limit=limit):
            console.print(f"{place.score:.3f} {place.type:<12} {place.label}  ({place.lat:.6f}, {place.lon:.6f})")


@addresses_app.command("reverse")
def addresses_reverse(lat: float, lon: float) -> None:
    """The address at a point (with the configured geocoder)."""
    from geo.geocoding import get_geocoder

    ensure_database()
    with session_scope() as session:
        place = get_geocoder().reverse(session=session, lat=lat, lon=lon)
    console.print(f"{place.type}: {place.label}" if place else "outside the territory")


@demo_app.command("load")
def demo_load() -> None:
    """Load the demo territory (58 communes of the Métropole de Lyon, arrondissements, services, sectors) and
    a few hundred sample reports over its communes, categories, states and channels (idempotent)."""
    from dispatch.demo_reports import load_demo_reports
    from geo.demo import load_demo_addresses, load_territory

    ensure_database()
    with _progress() as progress, session_scope() as session:
        task = progress.add_task("demo territory", total=None)
        load_territory(session=session, progress=lambda m: progress.update(task, description=m))
        progress.update(task, description="synthetic demo addresses")
        load_demo_addresses(session=session, cache_dir=get_settings().data_dir / "addresses")
        progress.update(task, description="sample reports")
        made = load_demo_reports(session=session)
    console.print(f"demo territory loaded; {made} sample reports added (marked is_demo)")


@territory_app.command("load")
def territory_load() -> None:
    """Load the territory only (58 communes of the Métropole de Lyon, arrondissements, services, sectors):
    what production needs to route reports, without the demo's sample reports (idempotent)."""
    from geo.demo import load_territory

    ensure_database()
    with _progress() as progress, session_scope() as session:
        task = progress.add_task("territory", total=None)
        load_territory(session=session, progress=lambda m: progress.update(task, description=m))
    console.print("territory loaded")


@contextmanager
def refusals() -> Iterator[None]:
    """A refused operation (unknown role or service, short password...) is one clear line and exit code 1,
    never a traceback."""
    from core.errors import DomainError

    try:
        yield
    except DomainError as exc:
        console.print(f"[red]error:[/red] {exc.detail_en}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


PasswordOption = Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                             help="at least 12 characters; asked for when not given")]


@users_app.command("create")
def users_create(
    email: str,
    role: Annotated[str, typer.Option(help="agent, commune_staff, service_staff, crew, official, admin")],
    name: Annotated[str, typer.Option()] = "",
    commune: Annotated[str | None, typer.Option(help="INSEE code, for commune staff")] = None,
    service: Annotated[str | None, typer.Option(help="service code, for service staff and crews")] = None,
    password: PasswordOption = "",
) -> None:
    """Create a staff account (written to the audit log, as from the administration pages)."""
    from core import users
    from dispatch import accounts

    with refusals():
        users.check_role(role, users.ROLES)
        users.check_password(password)  # before the database: a short password is refused at once
        ensure_database()
        with session_scope() as session:
            user = accounts.create_account(session=session, actor=None, values={
                "email": email, "name": name or email, "role": role, "commune_code": commune,
                "service_code": service, "password": password})
            console.print(f"created {user.role} {user.email} (id {user.id})")


@users_app.command("list")
def users_list() -> None:
    """Every staff account, enabled or not."""
    from sqlalchemy import select

    from core import users

    ensure_database()
    with session_scope() as session:
        for user in session.scalars(select(users.StaffUser).order_by(users.StaffUser.id)):
            scope = user.commune_code or user.service_code or "-"
            print(f"{user.id}\t{user.email}\t{user.role}\t{scope}\t{'enabled' if user.active else 'disabled'}")


def _set_active(email: str, active: bool) -> None:
    from core import users
    from dispatch import accounts

    with refusals():
        ensure_database()
        with session_scope() as session:
            user = users.get_or_raise(session=session, email=email)
            ended = accounts.set_active(session=session, actor=None, user=user, active=active)
    console.print(f"{email} {'enabled' if active else f'disabled; {ended} session(s) ended'}")


@users_app.command("disable")
def users_disable(email: str) -> None:
    """Disable an account: its sessions end at once and it can no longer sign in."""
    _set_active(email, False)


@users_app.command("enable")
def users_enable(email: str) -> None:
    """Enable a disabled account again (it signs in with its password)."""
    _set_active(email, True)


@users_app.command("set-password")
def users_set_password(email: str, password: PasswordOption = "") -> None:
    """Reset an account's password; every session of it ends."""
    from core import users
    from dispatch import accounts

    with refusals():
        users.check_password(password)
        ensure_database()
        with session_scope() as session:
            ended = accounts.set_password(session=session, actor=None,
                                          user=users.get_or_raise(session=session, email=email), password=password)
    console.print(f"password of {email} changed; {ended} session(s) ended")


@users_app.command("unlock")
def users_unlock(email: str) -> None:
    """Lift the sign-in lockout of an account (after too many wrong passwords)."""
    from core import login, throttle

    ensure_database()
    with session_scope() as session:
        throttle.clear(session=session, key=login.account_key(email))
    console.print(f"{email} may sign in again")


@keys_app.callback()
def keys_models() -> None:
    """Partner API keys."""
    import geo.models  # noqa: F401  (api_keys.service_code refers to the services table geo maps)


@keys_app.command("create")
def keys_create(
    name: str,
    role: Annotated[str, typer.Option(help="partner, or a staff role")] = "partner",
    commune: Annotated[str | None, typer.Option(help="INSEE code the key is limited to")] = None,
    service: Annotated[str | None, typer.Option(help="service code the key is limited to")] = None,
) -> None:
    """Create a partner API key; the key is printed once, only its hash is kept."""
    from core import users
    from dispatch import accounts

    with refusals():
        users.check_role(role, users.KEY_ROLES)
        ensure_database()
        with session_scope() as session:
            key, clear = accounts.create_key(session=session, actor=None, name=name, role=role, commune_code=commune,
                                             service_code=service)
            console.print(f"created key {key.id} ({key.role}) for {key.name}; shown once:")
    print(clear)


@keys_app.command("list")
def keys_list() -> None:
    """Every API key, active or revoked (never the key itself)."""
    from core import users

    ensure_database()
    with session_scope() as session:
        for key in users.list_api_keys(session=session):
            print(f"{key.id}\trck_{key.prefix}_…\t{key.name}\t{key.role}\t{'active' if key.active else 'revoked'}")


@keys_app.command("revoke")
def keys_revoke(key_id: int) -> None:
    """Revoke an API key for good: its next request gets 401."""
    from dispatch import accounts

    with refusals():
        ensure_database()
        with session_scope() as session:
            key = accounts.revoke_key(session=session, actor=None, key_id=key_id)
            console.print(f"key {key.id} ({key.name}) revoked")


@privacy_app.command("export")
def privacy_export(resident_id: int) -> None:
    """Print everything held about a resident as JSON (right of access)."""
    import json

    from dispatch import privacy

    ensure_database()
    with session_scope() as session:
        print(json.dumps(privacy.export(session=session, resident_id=resident_id, channel="operator"),
                         default=str, ensure_ascii=False, indent=2))


@privacy_app.command("erase")
def privacy_erase(resident_id: int) -> None:
    """Erase a resident's personal data; their reports stay, anonymous."""
    from dispatch import privacy

    ensure_database()
    with session_scope() as session:
        console.print(privacy.erase(session=session, resident_id=resident_id, channel="operator"))


@privacy_app.command("retention")
def privacy_retention(dry_run: Annotated[bool, typer.Option("--dry-run")] = False) -> None:
    """Anonymise idle reporters and delete old rejected reports, per the retention settings."""
    from dispatch import privacy

    ensure_database()
    settings = get_settings()
    with session_scope() as session:
        result = privacy.apply_retention(
            session=session, anonymise_after_days=settings.retention_anonymise_after_days,
            delete_rejected_after_days=settings.retention_delete_rejected_after_days, dry_run=dry_run)
        if dry_run:
            session.rollback()
    console.print(("would: " if dry_run else "") + ", ".join(f"{k} {v}" for k, v in result.items()))


@app.command()
def serve(
    host: str = "127.0.0.1", port: int = 8000,
    workers: Annotated[int, typer.Option(help="more than 1 loses TCP_NODELAY in uvicorn 0.54; measure first")] = 1,
) -> None:
    """Serve the platform over HTTP."""
    import uvicorn

    from core.logging import configure

    ensure_database()
    configure()
    # Forwarded headers are believed from the trusted proxies only: anyone else could pick their address.
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers, log_config=None,
                access_log=False, proxy_headers=True, forwarded_allow_ips=get_settings().trusted_proxies)


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="one round, then exit (cron-style)")] = False,
    poll: Annotated[float, typer.Option(help="seconds between rounds")] = 1.0,
) -> None:
    """Deliver queued emails and webhooks (retries with backoff) and run periodic tasks (deadlines)."""
    from core.db import session_factory
    from core.logging import configure
    from dispatch import worker as worker_mod

    configure()  # JSON lines, with emails and phone numbers redacted
    ensure_database()
    tally = worker_mod.run(factory=session_factory(), handlers=worker_mod.default_handlers(),
                           tasks=worker_mod.default_tasks(), once=once, poll_seconds=poll)
    console.print(f"sent {tally.sent}, failed {tally.failed}, gave up {tally.dead}")


@app.command()
def dev(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Everything `make run` does: database, migrations, demo territory, then serve."""
    db_upgrade()
    demo_load()
    serve(host=host, port=port)


if __name__ == "__main__":
    app()
