"""Maps of the back office: a queue's selection and a ticket's place, drawn by maps/static/staff_map.js.

The page itself lists the same tickets as text, so the map is an enhancement; the points go to the script
as JSON in the page (no request to another host than the basemap the public map already uses).
"""

from typing import Any

from dispatch.queues import QueueFilter
from maps import i18n, states
from maps.public_map import json_for_html
from maps.staff import StaffContext, render


def map_config(*, ctx: StaffContext, points: list[dict[str, Any]], tile_url: str, tile_attribution: str,
               zoom: int | None = None) -> str:
    """The script's configuration as JSON safe inside the page."""
    lang = ctx.lang
    return json_for_html({
        "tileUrl": tile_url, "attribution": tile_attribution, "zoom": zoom,
        "points": [{"ref": p["ref"], "lat": p["lat"], "lon": p["lon"], "url": f"/staff/tickets/{p['ref']}?lang={lang}",
                    "state": states.label(p["state"], lang), "colour": states.COLOURS.get(p["state"]),
                    "category": ctx.name_of("category", p.get("category_code")),
                    "address": p.get("address_text") or p.get("commune_name") or ""} for p in points],
    })


def render_queue(*, ctx: StaffContext, queue: str, filters: QueueFilter, points: list[dict[str, Any]],
                 tile_url: str, tile_attribution: str) -> str:
    """A queue's selection on a map, beside the same tickets as a list."""
    title = i18n.t(ctx.lang, "queue.map_title").format(queue=i18n.t(ctx.lang, f"queue.{queue}"))
    return render("queue_map.html", ctx, f"queue:{queue}", title, queue=queue, filters=filters, points=points,
                  map_json=map_config(ctx=ctx, points=points, tile_url=tile_url, tile_attribution=tile_attribution))
