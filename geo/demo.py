"""The demo territory: Lyon's communes and arrondissements, services, categories, rules, illustrative sectors."""

from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geo.loader import LoadReport, load_zones, read_zone_file
from geo.models import Category, RoutingRule, Service

DATA_DIR = Path(__file__).resolve().parent / "data"
COMMUNES_FILE = DATA_DIR / "metropole-lyon-communes.geojson"
# The 58-commune map took effect on 1 January 2024 (Oullins-Pierre-Bénite); the demo dates its zones so.
TERRITORY_DATE = date(2024, 1, 1)
ARRONDISSEMENTS_FILE = DATA_DIR / "lyon-arrondissements.geojson"

SERVICES = [
    ("voirie", "Voirie", "Roads"),
    ("proprete", "Propreté et déchets", "Waste and cleanliness"),
    ("eclairage", "Éclairage public", "Public lighting"),
    ("espaces_verts", "Espaces verts", "Green spaces"),
    ("eau", "Eau et assainissement", "Water and sewers"),
    ("mobilier", "Mobilier urbain et signalisation", "Street furniture and signs"),
    ("villeurbanne_espaces_verts", "Villeurbanne - Parcs et jardins", "Villeurbanne - Parks and gardens"),
]

# (code, parent, French, English, icon, duplicate radius in metres, deadline in working days)
CATEGORIES = [
    ("voirie", None, "Voirie", "Roads", "road", 50, 10),
    ("pothole", "voirie", "Nid-de-poule", "Pothole", "road", 30, 10),
    ("damaged_pavement", "voirie", "Trottoir dégradé", "Damaged pavement", "road", 30, 15),
    ("proprete", None, "Propreté", "Cleanliness", "trash", 50, 3),
    ("missed_pickup", "proprete", "Collecte non effectuée", "Missed waste pickup", "trash", 100, 2),
    ("overflowing_bin", "proprete", "Poubelle débordante", "Overflowing bin", "trash", 50, 2),
    ("illegal_dumping", "proprete", "Dépôt sauvage", "Illegal dumping", "trash", 50, 3),
    ("graffiti", "proprete", "Graffiti / tag", "Graffiti", "spray-can", 30, 10),
    ("eclairage", None, "Éclairage public", "Public lighting", "lightbulb", 40, 5),
    ("broken_streetlight", "eclairage", "Lampadaire en panne", "Broken streetlight", "lightbulb", 40, 5),
    ("espaces_verts", None, "Espaces verts", "Green spaces", "tree", 50, 10),
    ("fallen_tree", "espaces_verts", "Arbre tombé", "Fallen tree", "tree", 50, 1),
    ("overgrown_vegetation", "espaces_verts", "Végétation envahissante", "Overgrown vegetation", "tree", 50, 15),
    ("eau", None, "Eau", "Water", "droplet", 50, 2),
    ("water_leak", "eau", "Fuite d'eau", "Water leak", "droplet", 50, 1),
    ("mobilier", None, "Mobilier urbain", "Street furniture", "sign", 30, 15),
    ("damaged_sign", "mobilier", "Panneau endommagé", "Damaged sign", "sign", 30, 10),
    ("damaged_bench", "mobilier", "Banc ou mobilier cassé", "Damaged bench or furniture", "sign", 30, 15),
]

# Illustrative sectors (no real operational zones are published): the territory cut by a cross through
# the centre of Lyon, so that they deliberately cross commune borders.
CENTRE_LON, CENTRE_LAT = 4.835, 45.76
SECTOR_BOXES = {
    "N": (4.0, CENTRE_LAT, 6.0, 47.0),
    "S": (4.0, 44.0, 6.0, CENTRE_LAT),
    "E": (CENTRE_LON, 44.0, 6.0, 47.0),
    "W": (4.0, 44.0, CENTRE_LON, 47.0),
}
SECTORS = {"voirie": ("E", "W"), "proprete": ("N", "S"), "eclairage": ("E", "W"),
           "espaces_verts": ("N", "S"), "eau": ("E", "W"), "mobilier": ("N", "S")}


def load_reference_data(*, session: Session) -> None:
    """Services, categories and territory-wide rules (one per top category), plus a few local ones."""
    for code, fr, en in SERVICES:
        session.merge(Service(code=code, name_fr=fr, name_en=en, supervisor_email=f"{code}@ruecommune.example"))
    session.flush()
    for code, parent, fr, en, icon, radius, days in CATEGORIES:
        session.merge(Category(code=code, parent_code=parent, name_fr=fr, name_en=en, icon=icon,
                               service_code=parent or code,
                               duplicate_radius_m=radius, deadline_days=days))
        session.flush()
    wanted = [RoutingRule(category_code=code, service_code=code, note="whole territory")
              for code, parent, *_ in CATEGORIES if parent is None]
    wanted.append(RoutingRule(category_code="espaces_verts", zone_kind="commune", zone_code="69266",
                              service_code="villeurbanne_espaces_verts", note="Villeurbanne looks after its own parks"))
    wanted += [RoutingRule(category_code=service, zone_kind="sector", zone_code=f"{service}-{sector}",
                           service_code=service, team=f"{service}-{sector}-team", note="sector team")
               for service, sectors in SECTORS.items() for sector in sectors]
    # Idempotent rule by rule, so that a territory loaded by an older demo gains the rules added since.
    for rule in wanted:
        exists = session.scalar(select(RoutingRule.id).where(
            RoutingRule.category_code.is_not_distinct_from(rule.category_code),
            RoutingRule.zone_kind.is_not_distinct_from(rule.zone_kind),
            RoutingRule.zone_code.is_not_distinct_from(rule.zone_code),
            RoutingRule.service_code == rule.service_code))
        if exists is None:
            session.add(rule)
    session.flush()


def build_sectors(*, session: Session) -> None:
    """Illustrative sectors cut from the current territory, each made once (a reload never redraws them)."""
    wanted = [(f"{service}-{sector}", f"{service} {sector}", service, *SECTOR_BOXES[sector])
              for service, sectors in SECTORS.items() for sector in sectors]
    codes, names, services, xmins, ymins, xmaxs, ymaxs = (list(column) for column in zip(*wanted, strict=True))
    # One union of the communes for all sectors: it is the slow part.
    session.execute(
        text("""
        INSERT INTO zones (kind, code, name, service_code, valid_from, source, geom)
        SELECT 'sector', s.code, s.name, s.service, DATE '2024-01-01', 'demo (illustrative)',
               ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Intersection(
                   u.geom, ST_MakeEnvelope(s.xmin, s.ymin, s.xmax, s.ymax, 4326))), 3))
        FROM unnest(CAST(:codes AS text[]), CAST(:names AS text[]), CAST(:services AS text[]),
                    CAST(:xmins AS float8[]), CAST(:ymins AS float8[]), CAST(:xmaxs AS float8[]),
                    CAST(:ymaxs AS float8[])) AS s(code, name, service, xmin, ymin, xmax, ymax)
        CROSS JOIN (SELECT ST_Union(geom) AS geom FROM zones WHERE kind = 'commune' AND valid_to IS NULL) u
        WHERE NOT EXISTS (SELECT 1 FROM zones z WHERE z.kind = 'sector' AND z.code = s.code)
        """),
        {"codes": codes, "names": names, "services": services, "xmins": xmins, "ymins": ymins,
         "xmaxs": xmaxs, "ymaxs": ymaxs},
    )
    session.flush()


def load_territory(*, session: Session, progress: Callable[[str], None] = lambda _m: None) -> list[LoadReport]:
    """Communes, arrondissements, reference data and sectors of the Métropole de Lyon; idempotent."""
    reports = []
    for path in (COMMUNES_FILE, ARRONDISSEMENTS_FILE):
        progress(f"zones: {path.name}")
        features = list(read_zone_file(path))
        reports.append(load_zones(session=session, features=features, source=path.name, on=TERRITORY_DATE))
    progress("services, categories and rules")
    load_reference_data(session=session)
    progress("illustrative sectors")
    build_sectors(session=session)
    return reports


def load_demo_addresses(*, session: Session, cache_dir: Path) -> int:
    """The synthetic demo addresses (geo/demo_addresses.py), loaded as a BAN file would be; idempotent."""
    from geo.addresses import load_file
    from geo.demo_addresses import cached_csv

    return load_file(session=session, path=cached_csv(cache_dir)).kept
