"""Folium pages under a nonce-based Content-Security-Policy: our scripts carry the request's nonce.

branca's Figure ends every page with one inline script holding all the maps' code (ids drawn at random per
render, data inline): it gets the nonce. folium's map header adds one fixed script (its two global
switches); its hash is taken once here, from folium's own output, so the policy allows exactly that text.
"""

import base64
import hashlib
import re

import folium
from branca.element import Figure
from jinja2 import Template

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


class NoncedFigure(Figure):
    """A page whose closing inline script carries the nonce passed to `render(nonce=...)`."""

    _template = Template(
        "<!DOCTYPE html>\n"
        "<html>\n"
        "<head>\n"
        "{% if this.title %}<title>{{this.title}}</title>{% endif %}"
        "    {{this.header.render(**kwargs)}}\n"
        "</head>\n"
        "<body>\n"
        "    {{this.html.render(**kwargs)}}\n"
        "</body>\n"
        '<script nonce="{{ kwargs.nonce }}">\n'
        "    {{this.script.render(**kwargs)}}\n"
        "</script>\n"
        "</html>\n",
    )


def page_of(fmap: folium.Map) -> NoncedFigure:
    """The map placed on a page that renders under the CSP."""
    figure = NoncedFigure()
    fmap.add_to(figure)
    return figure


def sha256_source(script: str) -> str:
    """A CSP source expression allowing exactly this inline script text."""
    return f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"


def _fixed_scripts() -> tuple[str, ...]:
    """folium's inline scripts that are the same on every page: everything inline but the closing script."""
    figure = Figure()
    folium.Map(tiles=None).add_to(figure)
    head = figure.render().split("</head>", 1)[0]
    fixed = _INLINE_SCRIPT.findall(head)
    if not fixed:  # folium changed its header: fail at start, not with a blank map in browsers
        raise RuntimeError("folium's map header no longer has the inline script maps.csp expects")
    return tuple(fixed)


FIXED_SCRIPT_HASHES = tuple(sha256_source(script) for script in _fixed_scripts())
