"""Synthetic addresses for the demo and the tests, written in the BAN's CSV format (adresses-XX.csv).

No address file can be had offline, so this builds one: real street names of Lyon and its communes, but
positions and house numbers made up, inside the real commune and arrondissement polygons (geo/data/README.md).
Deterministic: the same seed and scale give the same file. Rules the tests rely on: every street has the
numbers 1 to at least 20; 7, 14 and 28 also have a "bis", 21 a "ter"; no street goes past number 120.
"""

import csv
import gzip
import json
import math
import random
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from pyproj import Transformer
from shapely import prepared
from shapely.geometry import LineString, Point, shape
from shapely.ops import transform

DATA_DIR = Path(__file__).resolve().parent / "data"
HEADER = ["id", "id_fantoir", "numero", "rep", "nom_voie", "code_postal", "code_insee", "nom_commune",
          "code_insee_ancienne_commune", "nom_ancienne_commune", "x", "y", "lon", "lat", "type_position", "alias",
          "nom_ld", "libelle_acheminement", "nom_afnor", "source_position", "source_nom_voie",
          "certification_commune", "cad_parcelles"]

# Real streets of Lyon's arrondissements and of a few communes (names only; their places here are made up).
STREETS = {
    "69381": ["Rue de la République", "Rue Pierre Dupont", "Montée de la Grande Côte", "Rue Burdeau",
              "Place des Terreaux", "Rue d'Algérie", "Quai Saint-Vincent", "Rue Sainte-Catherine",
              "Rue Paul Chenavard", "Rue Royale"],
    "69382": ["Rue Mercière", "Place Bellecour", "Rue Victor Hugo", "Rue de Brest", "Quai Saint-Antoine",
              "Rue Édouard Herriot", "Cours de Verdun", "Rue Sala", "Rue Franklin", "Place Carnot",
              "Rue Auguste Comte", "Cours Charlemagne", "Rue de la République"],
    "69383": ["Cours Gambetta", "Avenue Félix Faure", "Cours Lafayette", "Rue Paul Bert", "Rue Garibaldi",
              "Boulevard Marius Vivier Merle", "Rue Servient", "Rue Moncey", "Avenue de Saxe",
              "Rue de la Villette", "Cours Albert Thomas", "Rue Professeur Florence"],
    "69384": ["Boulevard de la Croix-Rousse", "Grande Rue de la Croix-Rousse", "Rue d'Austerlitz",
              "Place de la Croix-Rousse", "Rue Hénon", "Rue Jacquard", "Rue du Mail", "Rue Dumenge"],
    "69385": ["Rue Saint-Jean", "Rue du Bœuf", "Montée du Gourguillon", "Avenue du Point du Jour",
              "Rue de la Quarantaine", "Quai Fulchiron", "Place Saint-Jean", "Rue des Farges"],
    "69386": ["Boulevard des Belges", "Cours Vitton", "Avenue Foch", "Rue Duguesclin", "Rue Vendôme",
              "Rue Tête d'Or", "Cours Franklin Roosevelt", "Rue Bossuet", "Quai de Serbie", "Avenue Maréchal Foch"],
    "69387": ["Avenue Jean Jaurès", "Rue de Marseille", "Grande Rue de la Guillotière", "Rue de Gerland",
              "Avenue Berthelot", "Rue Chevreul", "Rue Pasteur", "Avenue Leclerc", "Rue de l'Université"],
    "69388": ["Avenue des Frères Lumière", "Rue Professeur Beauvisage", "Boulevard des États-Unis",
              "Avenue Paul Santy", "Rue Marius Berliet", "Avenue du Général Frère", "Route de Vienne",
              "Rue Saint-Maurice"],
    "69389": ["Rue de Bourgogne", "Grande Rue de Vaise", "Quai du Commerce", "Rue Marietton",
              "Avenue Sidoine Apollinaire", "Rue Saint-Pierre de Vaise", "Place Valmy"],
    "69266": ["Cours Émile Zola", "Avenue Henri Barbusse", "Rue Francis de Pressensé", "Cours Tolstoï",
              "Rue Anatole France", "Boulevard du 11 Novembre 1918", "Rue de la République", "Place Lazare Goujon",
              "Rue Léon Blum", "Avenue Roger Salengro", "Rue Flachet"],
    "69259": ["Boulevard Ambroise Croizat", "Avenue Marcel Cachin", "Rue Gaspard Picard", "Avenue Jean Jaurès",
              "Rue Paul Bert"],
    "69029": ["Avenue Franklin Roosevelt", "Rue Guillermin", "Boulevard Pinel", "Avenue Pierre Brossolette"],
    "69034": ["Montée des Soldats", "Avenue Général de Gaulle", "Chemin de Crépieux", "Rue Coste"],
    "69256": ["Avenue Gabriel Péri", "Rue Émile Zola", "Chemin du Grand Bois", "Avenue Georges Rougé"],
}
# Common French street names, given to every commune without a list of its own above, and for scale.
TYPES = ["Rue", "Avenue", "Chemin", "Allée", "Impasse", "Place", "Boulevard", "Route", "Montée", "Quai",
         "Square", "Passage"]
NAMES = ["de la République", "Victor Hugo", "Jean Jaurès", "Pasteur", "de la Mairie", "de l'Église", "du Stade",
         "des Écoles", "Gambetta", "du Général de Gaulle", "Jean Moulin", "des Tilleuls", "des Lilas", "du Moulin",
         "de la Gare", "Anatole France", "Émile Zola", "Paul Bert", "Carnot", "Voltaire", "Jules Ferry",
         "de la Paix", "Louis Pasteur", "des Acacias", "du Château", "des Vignes", "Saint-Martin", "des Peupliers",
         "de la Libération", "Aristide Briand", "Georges Clemenceau", "Édouard Herriot", "du Lavoir", "des Cerisiers",
         "Marcel Pagnol", "Antoine de Saint-Exupéry", "Pierre Curie", "Marie Curie", "de Verdun", "du 8 Mai 1945",
         "des Roses", "du Puits", "des Platanes", "de la Fontaine", "du Bourg", "Simone Veil", "Jean Monnet",
         "Albert Camus", "Frédéric Mistral", "des Chênes", "des Érables", "Charles de Gaulle", "Lamartine"]
LOCALITIES = ["Le Bourg", "Les Combes", "La Croix Blanche", "Le Grand Champ", "Les Grandes Terres", "Le Vernay",
              "La Garenne", "Les Brosses"]
PER_COMMUNE_DEFAULT = ["Rue de la République", "Place de la Mairie", "Grande Rue", "Rue Victor Hugo",
                       "Avenue Jean Jaurès", "Rue Pasteur", "Chemin des Vignes"]

_TO_L93 = Transformer.from_crs(4326, 2154, always_xy=True)
_TO_WGS = Transformer.from_crs(2154, 4326, always_xy=True)


def _zones() -> list[dict[str, object]]:
    """Lyon's 9 arrondissements and the 57 other communes, with their polygons in Lambert-93."""
    zones = []
    for name in ("lyon-arrondissements.geojson", "metropole-lyon-communes.geojson"):
        for feature in json.loads((DATA_DIR / name).read_text())["features"]:
            props = feature["properties"]
            if props["insee"] == "69123":
                continue  # Lyon's addresses are in its arrondissements, as in the BAN
            zones.append({"code": props["insee"], "name": props["nom"], "postcode": props["codes_postaux"][0],
                          "geom": transform(_TO_L93.transform, shape(feature["geometry"]))})
    return sorted(zones, key=lambda z: str(z["code"]))


def _street_names(code: str, rng: random.Random, scale: int) -> list[str]:
    names = list(STREETS.get(code, PER_COMMUNE_DEFAULT))
    if scale > 1:
        pool = [f"{t} {n}" for t in TYPES for n in NAMES if f"{t} {n}" not in names]
        rng.shuffle(pool)
        names += pool[: len(names) * (scale - 1)]
    return names


@cache
def _inside(geom):  # type: ignore[no-untyped-def]
    """The polygon 25 m in from its border, prepared: streets stay clear of the neighbours."""
    inner = geom.buffer(-25)
    return inner, prepared.prep(inner)


def _segment(geom, rng: random.Random, length: float) -> LineString | None:  # type: ignore[no-untyped-def]
    """A straight street of about `length` metres well inside the polygon, or None after many tries."""
    inner, ready = _inside(geom)
    if inner.is_empty:
        return None
    minx, miny, maxx, maxy = inner.bounds
    for attempt in range(200):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if not ready.contains(Point(x, y)):
            continue
        angle = rng.uniform(0, math.pi)
        half = max(60.0, length * (1 - attempt / 250)) / 2
        line = LineString([(x - half * math.cos(angle), y - half * math.sin(angle)),
                           (x + half * math.cos(angle), y + half * math.sin(angle))])
        if ready.contains(line):
            return line
    return None


def rows(*, seed: int = 17, scale: int = 1) -> Iterator[dict[str, str]]:
    """Every address of the synthetic set as a BAN CSV row (scale 1: about 20,000 addresses)."""
    rng = random.Random(seed)
    for zone in _zones():
        code, city, postcode, geom = str(zone["code"]), str(zone["name"]), str(zone["postcode"]), zone["geom"]
        for index, street in enumerate(_street_names(code, rng, scale), start=1):
            top = rng.randint(20, 120) if scale == 1 else rng.randint(20, 60)
            line = _segment(geom, rng, length=top * 6.0)
            if line is None:
                continue
            (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
            dx, dy = _normal(line)
            numbers = [(n, rep, step) for n in range(1, top + 1)
                       for step, rep in enumerate([""] + (["bis"] if n in (7, 14, 28) else [])
                                                  + (["ter"] if n == 21 else []))]
            # Odd numbers on one side, even on the other; a "bis" a few metres past its number.
            fractions = [((n - 1) // 2 * 2 + step * 0.5 + 1) / (top + 2) for n, _, step in numbers]
            sides = [9.0 if n % 2 else -9.0 for n, _, _ in numbers]
            xs = [x0 + f * (x1 - x0) + side * dx for f, side in zip(fractions, sides, strict=True)]
            ys = [y0 + f * (y1 - y0) + side * dy for f, side in zip(fractions, sides, strict=True)]
            lons, lats = _TO_WGS.transform(xs, ys)
            for (number, rep, _), x, y, lon, lat in zip(numbers, xs, ys, lons, lats, strict=True):
                yield _row(code=code, city=city, postcode=postcode, street=street, street_index=index,
                           number=str(number), rep=rep, x=x, y=y, lon=lon, lat=lat)
        if code.startswith("6938") or code == "69266":
            continue
        for index, place in enumerate(rng.sample(LOCALITIES, 2), start=900):
            line = _segment(geom, rng, length=60)
            if line is not None:
                mid = line.interpolate(0.5, normalized=True)
                lon, lat = _TO_WGS.transform(mid.x, mid.y)
                yield _row(code=code, city=city, postcode=postcode, street=place, street_index=index,
                           number="99999", rep="", x=mid.x, y=mid.y, lon=lon, lat=lat)


def _normal(line: LineString) -> tuple[float, float]:
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    length = math.hypot(x1 - x0, y1 - y0)
    return -(y1 - y0) / length, (x1 - x0) / length


def _row(*, code: str, city: str, postcode: str, street: str, street_index: int, number: str, rep: str,
         x: float, y: float, lon: float, lat: float) -> dict[str, str]:
    suffix = f"_{rep}" if rep else ""
    return {"id": f"{code}_{street_index:04d}_{int(number):05d}{suffix}", "id_fantoir": "", "numero": number,
            "rep": rep, "nom_voie": street, "code_postal": postcode, "code_insee": code, "nom_commune": city,
            "code_insee_ancienne_commune": "", "nom_ancienne_commune": "", "x": f"{x:.2f}", "y": f"{y:.2f}",
            "lon": f"{lon:.6f}", "lat": f"{lat:.6f}", "type_position": "entrée", "alias": "", "nom_ld": "",
            "libelle_acheminement": city.upper(), "nom_afnor": street.upper(), "source_position": "commune",
            "source_nom_voie": "commune", "certification_commune": "0", "cad_parcelles": ""}


def write_csv(path: Path, *, seed: int = 17, scale: int = 1) -> int:
    """Write the synthetic set as a BAN CSV file (gzip when the name ends in .gz); return its row count."""
    count = 0
    with (gzip.open(path, "wt", encoding="utf-8", newline="") if path.suffix == ".gz"
          else path.open("w", encoding="utf-8", newline="")) as out:
        writer = csv.DictWriter(out, fieldnames=HEADER, delimiter=";")
        writer.writeheader()
        for row in rows(seed=seed, scale=scale):
            writer.writerow(row)
            count += 1
    return count


def cached_csv(cache_dir: Path, *, seed: int = 17, scale: int = 1) -> Path:
    """The synthetic set's file under cache_dir, written once (it takes a few seconds)."""
    path = cache_dir / f"adresses-demo-s{seed}-x{scale}.csv.gz"
    if not path.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.gz")
        write_csv(partial, seed=seed, scale=scale)
        partial.rename(path)
    return path
