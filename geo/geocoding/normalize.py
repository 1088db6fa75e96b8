"""Folding a query as the database folds names (rc_fold), then expanding French abbreviations and ordinals."""

import re
import unicodedata
from dataclasses import dataclass

# Letters NFKD does not split but unaccent maps (as rc_fold does in SQL).
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "Ø": "o",
                            "đ": "d", "ł": "l", "Ł": "l"})
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")

# Abbreviations of street types and words as people and La Poste write them (norme AFNOR NF Z 10-011).
ABBREVIATIONS = {
    "av": "avenue", "ave": "avenue", "bd": "boulevard", "bld": "boulevard", "blvd": "boulevard",
    "bvd": "boulevard", "r": "rue", "pl": "place", "pce": "place", "ch": "chemin", "che": "chemin",
    "chem": "chemin", "imp": "impasse", "all": "allee", "crs": "cours", "qu": "quai", "qai": "quai",
    "rte": "route", "sq": "square", "mte": "montee", "pas": "passage", "pass": "passage", "sent": "sentier",
    "esp": "esplanade", "prom": "promenade", "gr": "grande", "gde": "grande", "gd": "grand", "hab": "hameau",
    "ham": "hameau", "res": "residence", "lot": "lotissement", "fg": "faubourg", "fbg": "faubourg",
    "st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes", "mal": "marechal", "gal": "general",
    "gen": "general", "pdt": "president", "prof": "professeur", "dr": "docteur", "cdt": "commandant",
    "cne": "capitaine", "lt": "lieutenant", "mgr": "monseigneur", "nd": "notre dame",
}
# A house number's repetition index: "12 bis", "12b", "12 ter".
REPS = {"b": "bis", "bis": "bis", "t": "ter", "ter": "ter", "q": "quater", "qua": "quater", "quater": "quater",
        "c": "c", "a": "a", "d": "d"}
_NUMBER = re.compile(r"^(\d{1,4})\s*(bis|ter|quater|qua|b|t|q|a|c|d)?\b\s*(.*)$")
# "Lyon 3", "Lyon 3e", "Lyon 3eme", "lyon 1er": the arrondissement as the BAN names it ("Lyon 3e Arrondissement").
_ARRONDISSEMENT = re.compile(r"\b(lyon|paris|marseille)\s+(\d{1,2})\s*(er|e|eme|ieme|em)?(?:\s+arr\w*)?(?=\s|$)")


def fold(value: str) -> str:
    """Lower case, no accents, words of letters and digits separated by one space: SQL's rc_fold()."""
    decomposed = unicodedata.normalize("NFKD", value.translate(_LIGATURES))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _NOT_ALNUM.sub(" ", bare).strip()


def _arrondissement(match: re.Match[str]) -> str:
    number = int(match.group(2))
    return f"{match.group(1)} {number}{'er' if number == 1 else 'e'} arrondissement"


@dataclass(frozen=True)
class ParsedQuery:
    """A query split into the house number, its repetition index and the folded, expanded rest."""

    housenumber: int | None
    rep: str
    text: str


def parse(query: str) -> ParsedQuery:
    """Split a leading house number off a query, fold it and expand abbreviations and arrondissements."""
    folded = fold(query)
    housenumber, rep = None, ""
    match = _NUMBER.match(folded)
    # "3 rue X" has a number; "69003" or "1918" (a street named after a date) stays part of the text.
    if match and match.group(3) and not match.group(3)[:1].isdigit():
        housenumber, rep, folded = int(match.group(1)), REPS.get(match.group(2) or "", ""), match.group(3)
    words = [ABBREVIATIONS.get(word, word) for word in folded.split()]
    text = _ARRONDISSEMENT.sub(_arrondissement, " ".join(words))
    return ParsedQuery(housenumber=housenumber, rep=rep, text=text)
