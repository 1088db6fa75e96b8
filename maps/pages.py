"""Server-rendered HTML around the maps: shared page context, the accessible list; Jinja2 escapes everything."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

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

    def variables(self, page: str, title_key: str) -> dict[str, Any]:
        names = {c["code"]: (c["name_fr"] if self.lang == "fr" else c["name_en"]) for c in self.options.categories}
        return {
            "lang": self.lang, "t": i18n.t, "filters": self.filters, "options": self.options,
            "switch_url": self.switch_url, "page": page, "title": i18n.t(self.lang, title_key),
            "query": self.filters.query(lang=self.lang), "states": states.PUBLIC_STATES,
            "colours": states.COLOURS, "state_label": lambda s: states.label(s, self.lang),
            "category_name": lambda code: names.get(code, code),
        }


def render(template: str, **variables: Any) -> str:
    return ENV.get_template(template).render(**variables)


def list_page(*, ctx: PageContext, page: Page, after: int | None) -> str:
    """The accessible text alternative of the map: the same public reports as a filterable table."""
    return render("list.html", **ctx.variables("list", "list.title"), rows=page.rows, next_after=page.after,
                  after_first=after is not None)
