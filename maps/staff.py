"""The back office's server-rendered pages: the context every staff page shares and the queue pages.

Every page extends templates/staff/base.html (skip link, the header saying who is signed in, the queues'
navigation with their counts); every action is a plain form carrying the CSRF token, so the whole back
office works without JavaScript.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.users import Principal
from maps import i18n, pages, states
from maps.pages import scope_text

PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class StaffContext:
    """What every staff page needs: who, in which language, their CSRF token, their queues and the choices."""

    lang: str
    me: Principal
    csrf: str
    switch_url: str
    counts: dict[str, int] = field(default_factory=dict)
    queues: tuple[str, ...] = ()
    categories: tuple[dict[str, Any], ...] = ()
    communes: tuple[dict[str, Any], ...] = ()
    services: tuple[dict[str, Any], ...] = ()

    def name_of(self, kind: str, code: str | None) -> str:
        """A category's, commune's or service's name in the page's language (the code when unknown)."""
        if not code:
            return ""
        rows = {"category": self.categories, "commune": self.communes, "service": self.services}[kind]
        for row in rows:
            if row["code"] == code:
                return str(row.get("name_en") if self.lang == "en" and row.get("name_en") else row["name_fr"])
        return code

    def variables(self, page: str, title: str, **more: Any) -> dict[str, Any]:
        lang = self.lang
        return {
            "lang": lang, "t": i18n.t, "page": "staff", "staff_page": page, "title": title,
            "switch_url": self.switch_url, "query": f"lang={lang}", "me": self.me, "csrf": self.csrf,
            "scope": scope_text(self.me, lang), "counts": self.counts, "queues": self.queues,
            "categories": self.categories, "communes": self.communes, "services": self.services,
            "state_label": lambda s: states.label(s, lang), "name_of": self.name_of, "states": states.STATES,
            "when": lambda moment: when(moment, lang), "day": lambda moment: day(moment, lang),
            "count_text": count_text, **more,
        }


def when(moment: datetime | None, lang: str) -> str:
    """A moment in Lyon's time, as an agent reads it: 31/05/2026 14:05 or 2026-05-31 14:05."""
    if moment is None:
        return ""
    local = moment.astimezone(PARIS)
    return local.strftime("%d/%m/%Y %H:%M" if lang == "fr" else "%Y-%m-%d %H:%M")


def day(moment: datetime | None, lang: str) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(PARIS)
    return local.strftime("%d/%m/%Y" if lang == "fr" else "%Y-%m-%d")


def time_left(due: datetime | None, now: datetime, paused: bool, lang: str) -> str:
    """What is left of a deadline, or by how much it is passed: "il reste 2 j 4 h", "overdue by 1 d 3 h"."""
    if due is None:
        return i18n.t(lang, "ticket.no_deadline")
    if paused:
        return i18n.t(lang, "ticket.paused")
    seconds = int((due - now).total_seconds())
    days, rest = divmod(abs(seconds), 86400)
    key = "ticket.left" if seconds >= 0 else "ticket.late_by"
    return i18n.t(lang, key).format(d=days, h=rest // 3600)


def count_text(n: int, cap: int = 1000) -> str:
    """A queue's count for the navigation: exact up to the cap, then "1000+"."""
    return f"{cap}+" if n >= cap else str(n)


def render(template: str, ctx: StaffContext, page: str, title: str, **variables: Any) -> str:
    """A staff page from templates/staff/."""
    return pages.render(f"staff/{template}", **ctx.variables(page, title, **variables))
