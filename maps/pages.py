"""Server-rendered HTML around the maps: shared page context, the accessible list; Jinja2 escapes everything."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from core.users import Principal
from maps import i18n, states
from maps.filters import ReportFilter
from maps.service import Options, Page

TEMPLATES = Path(__file__).resolve().parent / "templates"
ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                  trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class PageContext:
    """What every page needs: language, filters and their choices, and the URL of the other language."""

    lang: str
    filters: ReportFilter
    options: Options
    switch_url: str
    # The signed-in staff member and their session's CSRF token: the header then says who they are.
    me: Principal | None = None
    csrf: str | None = None

    def variables(self, page: str, title_key: str) -> dict[str, Any]:
        names = {c["code"]: (c["name_fr"] if self.lang == "fr" else c["name_en"]) for c in self.options.categories}
        return {
            "lang": self.lang, "t": i18n.t, "filters": self.filters, "options": self.options,
            "switch_url": self.switch_url, "page": page, "title": i18n.t(self.lang, title_key),
            "query": self.filters.query(lang=self.lang), "states": states.PUBLIC_STATES,
            "colours": states.COLOURS, "state_label": lambda s: states.label(s, self.lang),
            "category_name": lambda code: names.get(code, code),
            "me": self.me, "csrf": self.csrf, "scope": scope_text(self.me, self.lang) if self.me else "",
        }


def scope_text(me: Principal, lang: str) -> str:
    """What a staff member sees, in words: the whole metropolis, a commune, a service and its sectors."""
    parts = []
    if me.commune_code:
        parts.append(i18n.t(lang, "me.commune").format(code=me.commune_code))
    if me.service_code:
        parts.append(i18n.t(lang, "me.service").format(code=me.service_code))
    if me.sector_codes:
        parts.append(i18n.t(lang, "me.sectors").format(codes=", ".join(me.sector_codes)))
    return ", ".join(parts) or i18n.t(lang, "me.everywhere")


def render(template: str, **variables: Any) -> str:
    return ENV.get_template(template).render(**variables)


def list_page(*, ctx: PageContext, page: Page, after: int | None) -> str:
    """The accessible text alternative of the map: the same public reports as a filterable table."""
    return render("list.html", **ctx.variables("list", "list.title"), rows=page.rows, next_after=page.after,
                  after_first=after is not None)
