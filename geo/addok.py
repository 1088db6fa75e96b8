"""Feeding the platform's addresses to addok (the BAN's geocoder), for a city that runs its own."""

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from geo.geocoding.base import CONTEXTS
from geo.sqlfiles import sql

# An addok configuration as the BAN's (addok-fr and addok-france plugins), with the filters the BAN client uses.
CONFIG = '''"""addok settings for Rue Commune's addresses (written by `ruecommune addresses export-addok`)."""
import os

REDIS = {"host": os.environ.get("REDIS_HOST", "127.0.0.1"), "port": int(os.environ.get("REDIS_PORT", 6379)),
         "indexes": {"db": 0}, "documents": {"db": 1}}
QUERY_PROCESSORS_PYPATHS = [
    "addok.helpers.text.check_query_length",
    "addok_france.extract_address",
    "addok_france.clean_query",
    "addok_france.remove_leading_zeros",
]
PROCESSORS_PYPATHS = [
    "addok.helpers.text.tokenize",
    "addok.helpers.text.normalize",
    "addok_france.glue_ordinal",
    "addok_france.fold_ordinal",
    "addok_france.flag_housenumber",
    "addok.helpers.text.synonymize",
    "addok_fr.phonemicize",
]
SEARCH_RESULT_PROCESSORS_PYPATHS = [
    "addok.helpers.results.match_housenumber",
    "addok_france.make_labels",
    "addok.helpers.results.score_by_importance",
    "addok.helpers.results.score_by_autocomplete_distance",
    "addok.helpers.results.score_by_ngram_distance",
    "addok.helpers.results.score_by_geo_distance",
    "addok.helpers.results.adjust_scores",
]
FIELDS = [
    {"key": "name", "boost": 4, "null": False},
    {"key": "street"},
    {"key": "postcode", "boost": lambda doc: 1.2 if doc.get("type") == "municipality" else 1},
    {"key": "city"},
    {"key": "district"},
    {"key": "housenumbers"},
    {"key": "context"},
]
FILTERS = ["type", "postcode", "citycode"]
ATTRIBUTION = "BAN"
LICENCE = "ETALAB-2.0"
BATCH_WORKERS = 1
LOG_DIR = os.environ.get("ADDOK_LOG_DIR", "/tmp")
'''


def documents(*, session: Session) -> Iterator[str]:
    """Every searched place as one addok JSON document (streets carry their house numbers)."""
    context = next(iter(CONTEXTS.values()))
    result = session.execute(sql("addok_export"), {"context": context}, execution_options={"yield_per": 2000})
    for (line,) in result:
        yield line


def export(*, session: Session, directory: Path) -> tuple[Path, Path, int]:
    """Write addok's configuration and documents into directory; return their paths and the document count."""
    directory.mkdir(parents=True, exist_ok=True)
    config, data = directory / "addok_ruecommune.py", directory / "addresses.ndjson"
    config.write_text(CONFIG, encoding="utf-8")
    count = 0
    with data.open("w", encoding="utf-8") as out:
        for line in documents(session=session):
            out.write(line + "\n")
            count += 1
    return config, data, count
