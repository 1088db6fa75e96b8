"""Category icons: Font Awesome Free SVGs vendored from npm, inlined into markers (no icon font, no CDN)."""

import re
from functools import cache

from maps.assets import STATIC_DIR

SVG_DIR = STATIC_DIR / "vendor" / "fontawesome" / "svgs"
# categories.icon names the icon; a few names differ from Font Awesome's file names.
ALIASES = {"sign": "sign-hanging"}
DEFAULT = "circle-exclamation"


@cache
def svg(name: str) -> str:
    """The inline SVG markup of an icon (the licence comment is kept in the vendored files, not in pages)."""
    path = SVG_DIR / f"{ALIASES.get(name, name)}.svg"
    if not path.exists():
        path = SVG_DIR / f"{DEFAULT}.svg"
    markup = re.sub(r"<!--.*?-->", "", path.read_text())
    return markup.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)


@cache
def names() -> frozenset[str]:
    """Every icon a category may name: the vendored files and the aliases."""
    return frozenset(p.stem for p in SVG_DIR.glob("*.svg")) | frozenset(ALIASES)
