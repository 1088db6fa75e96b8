"""The supervisors' page: their crews' open tickets on a map, coloured per crew, beside a table to reassign them."""

from typing import Any

import folium
from folium.elements import JSCSSMixin
from folium.template import Template

from maps import assets, csp, i18n, pages, states
from maps.pages import PageContext
from maps.public_map import base_map, json_for_html

# Okabe-Ito and friends: told apart by most colour-blind eyes, white marker borders keep them off the basemap.
CREW_COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#6a3d9a", "#8c564b",
                "#1b7837", "#b2182b")
JS_TEXT_KEYS = ("team.crew", "team.reassign", "team.reassign_to", "team.done", "team.refused", "team.stale",
                "team.none", "team.count", "team.load_error", "team.no_other", "team.unclaimed",
                "team.handed_back", "col.ref", "col.category",
                "col.state", "col.due", "loading")


class TeamLayer(JSCSSMixin):
    """Hands the folium map to maps/static/team_map.js, which loads the team's tickets and draws map and table."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        RueCommune.teamMap({{ this._parent.get_name() }},
            JSON.parse(document.getElementById("rc-team-config").textContent));
        {% endmacro %}
    """)
    default_js = [("ruecommune_dom", f"{assets.STATIC_URL}/dom.js"),
                  ("ruecommune_team_map", f"{assets.STATIC_URL}/team_map.js")]

    def __init__(self) -> None:
        super().__init__()
        self._name = "TeamLayer"


def config(ctx: PageContext) -> dict[str, Any]:
    """What the page script needs: where the data is, and every text in the page's language."""
    lang = ctx.lang
    return {
        "lang": lang, "tickets": "/api/v1/crews/team/tickets", "assign": "/api/v1/crews/team/tickets/{id}/assign",
        "colours": list(CREW_COLOURS), "states": {s: states.label(s, lang) for s in states.STATES},
        "categories": {c["code"]: c["name_fr"] if lang == "fr" else c["name_en"] for c in ctx.options.categories},
        "text": {k: i18n.t(lang, k) for k in JS_TEXT_KEYS},
    }


def render(*, ctx: PageContext, tile_url: str, tile_attribution: str, nonce: str) -> str:
    """The full page: header, the map, and a panel with the crews' legend, messages and the tickets' table."""
    fmap = base_map(tile_url=tile_url, tile_attribution=tile_attribution)
    TeamLayer().add_to(fmap)
    variables = ctx.variables("team", "team.title")
    panel = pages.render("team_panel.html", **variables, config_json=json_for_html(config(ctx)))
    root = csp.page_of(fmap)
    root.header.add_child(folium.Element(f"<title>{variables['title']} · Rue Commune</title>"
                                         '<link rel="icon" href="data:,">'))
    root.html.add_child(folium.Element(panel))
    return root.render(nonce=nonce).replace("<html>", f'<html lang="{ctx.lang}">', 1)
