"""Extra questions some services ask (GeoReport service definitions), and reading the answers clients send."""

import re
from dataclasses import dataclass, field

from api.open311.render import Open311Error


@dataclass(frozen=True)
class Attribute:
    """One question of a service definition, in French and English."""

    code: str
    datatype: str  # string | number | datetime | text | singlevaluelist | multivaluelist
    required: bool
    order: int
    description_fr: str
    description_en: str
    values: tuple[tuple[str, str, str], ...] = field(default=())  # (key, French name, English name)


YES_NO = (("yes", "Oui", "Yes"), ("no", "Non", "No"))

# Keyed by category code; a question asked for a top category is asked for its sub-categories too.
ATTRIBUTES: dict[str, tuple[Attribute, ...]] = {
    "fallen_tree": (
        Attribute("blocking", "singlevaluelist", True, 1, "L'arbre bloque-t-il la circulation ?",
                  "Is the tree blocking traffic?", YES_NO),
    ),
    "eclairage": (
        Attribute("lamp_number", "string", False, 1, "Numéro inscrit sur le lampadaire (s'il est lisible)",
                  "Number written on the lamp post (if readable)"),
    ),
    "illegal_dumping": (
        Attribute("volume", "singlevaluelist", False, 1, "Volume approximatif", "Approximate volume",
                  (("small", "Quelques sacs", "A few bags"), ("medium", "Un coffre de voiture", "A car boot"),
                   ("large", "Une camionnette ou plus", "A van load or more"))),
        Attribute("kinds", "multivaluelist", False, 2, "Nature des déchets", "What is dumped",
                  (("furniture", "Meubles", "Furniture"), ("rubble", "Gravats", "Rubble"),
                   ("green", "Déchets verts", "Garden waste"), ("other", "Autre", "Other"))),
    ),
    "pothole": (
        Attribute("depth_cm", "number", False, 1, "Profondeur estimée en centimètres",
                  "Estimated depth in centimetres"),
    ),
}


def for_category(code: str, parent: str | None) -> tuple[Attribute, ...]:
    return ATTRIBUTES.get(code, ()) + (ATTRIBUTES.get(parent, ()) if parent else ())


def definition(attribute: Attribute, french: bool) -> dict[str, object]:
    """An attribute in the spec's shape; every field present."""
    return {
        "variable": True,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": None,
        "order": attribute.order,
        "description": attribute.description_fr if french else attribute.description_en,
        "values": [{"key": key, "name": fr if french else en} for key, fr, en in attribute.values],
    }


_KEY = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def read_answers(items: list[tuple[str, str]]) -> dict[str, list[str]]:
    """`attribute[code]=v` and `attribute[code][]=v1&attribute[code][]=v2` -> {code: [values]}."""
    answers: dict[str, list[str]] = {}
    for key, value in items:
        if match := _KEY.match(key):
            answers.setdefault(match.group(1), []).append(value)
    return answers


def check_answers(attributes: tuple[Attribute, ...], answers: dict[str, list[str]]) -> dict[str, list[str]]:
    """The answers to keep, {code: [values]} exactly as sent; Open311Error (400) for a missing or invalid one.

    Answers to codes the service does not ask are dropped; a single-value list keeps its first value.
    """
    kept: dict[str, list[str]] = {}
    for attribute in sorted(attributes, key=lambda a: a.order):
        given = [v for v in answers.get(attribute.code, []) if v.strip()]
        if not given:
            if attribute.required:
                raise Open311Error(400, f"attribute[{attribute.code}] is required: {attribute.description_en}")
            continue
        if attribute.values:
            keys = [key for key, _fr, _en in attribute.values]
            if any(v not in keys for v in given):
                raise Open311Error(400, f"attribute[{attribute.code}] must be one of {', '.join(keys)}")
        elif attribute.datatype == "number":
            try:
                float(given[0].replace(",", "."))
            except ValueError:
                raise Open311Error(400, f"attribute[{attribute.code}] must be a number") from None
        kept[attribute.code] = given if attribute.datatype == "multivaluelist" else given[:1]
    return kept


def returned(attributes: tuple[Attribute, ...], stored: dict[str, list[str]]) -> dict[str, object]:
    """Stored answers as a GET gives them: one value, or a list for a multi-value list."""
    multi = {a.code for a in attributes if a.datatype == "multivaluelist"}
    return {code: (values if code in multi else values[0]) for code, values in stored.items() if values}
